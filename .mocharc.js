// `npm test -- <file|word>` selects tests: tests/run.ts sets ENTRA_SYNC_TEST_SPEC (comma-separated) for this file.
// tests/e2e needs the Pulumi CLI (npm run pulumi:install); without one its suites say so and are skipped.
const all = ["tests/unit/**/*.test.ts", "tests/integration/**/*.test.ts", "tests/engine/**/*.test.ts", "tests/e2e/**/*.test.ts"];
module.exports = {
    require: ["ts-node/register/transpile-only"],
    extension: ["ts"],
    spec: process.env.ENTRA_SYNC_TEST_SPEC ? process.env.ENTRA_SYNC_TEST_SPEC.split(",") : all,
    timeout: 60000,
    reporter: "spec",
};
