// ENTRA_SYNC_TEST_SPEC=path/to/file.test.ts npm test runs one file (tests/run.ts still sets up the CA).
const all = ["tests/unit/**/*.test.ts", "tests/integration/**/*.test.ts", "tests/engine/**/*.test.ts", "tests/zz-loopback.test.ts"];
module.exports = {
    require: ["ts-node/register/transpile-only"],
    extension: ["ts"],
    spec: process.env.ENTRA_SYNC_TEST_SPEC ? process.env.ENTRA_SYNC_TEST_SPEC.split(",") : all,
    timeout: 60000,
    reporter: "spec",
};
