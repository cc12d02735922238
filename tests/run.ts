/**
 * npm test: makes one CA for the run (NODE_EXTRA_CA_CERTS is read only at process start, so it
 * must exist before mocha starts), clears credentials inherited from the machine, installs the
 * loopback guard in every process, runs mocha, and prints "N passed, N failed" last.
 *
 * `npm test -- <file|dir|word> [...]` runs a selection: a path runs that file or folder; a word
 * runs the test files whose path contains it, else the tests whose title matches it (--grep).
 * Arguments starting with "-" go to mocha as they are. After mocha, the loopback log is checked:
 * a connection any process of the run tried to make outside loopback fails the run.
 */
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateCa } from "../emulator/certs";
import { LOOPBACK_GUARD } from "../harness/paths";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-sync-test-"));
const ca = generateCa("entra-sync test run CA");
fs.writeFileSync(path.join(dir, "ca.pem"), ca.certPem);
fs.writeFileSync(path.join(dir, "ca-key.pem"), ca.keyPem, { mode: 0o600 });
const loopbackLog = path.join(dir, "loopback.log");
fs.writeFileSync(loopbackLog, "");

/** The run's own settings, kept: which tests, where the Pulumi CLI is, whether it is required (CI). */
const RUN_SETTINGS = [
    "ENTRA_SYNC_TEST_SPEC",
    "ENTRA_SYNC_TEST_JOBS",
    "ENTRA_SYNC_REQUIRE_PULUMI",
    "ENTRA_SYNC_PULUMI_ROOT",
    "ENTRA_SYNC_CACHE_HOME",
];
const env: NodeJS.ProcessEnv = {};
for (const [k, v] of Object.entries(process.env)) {
    // Nothing from the machine may pick a credential or an endpoint for the tests.
    if (/^(ARM_|AZURE_|ACTIONS_ID_TOKEN_|ENTRA_SYNC_|IDENTITY_|MSI_|PULUMI_)/.test(k) && !RUN_SETTINGS.includes(k)) continue;
    env[k] = v;
}
const guard = LOOPBACK_GUARD;
Object.assign(env, {
    NODE_EXTRA_CA_CERTS: path.join(dir, "ca.pem"),
    ENTRA_SYNC_TEST_DIR: dir,
    ENTRA_SYNC_LOOPBACK_LOG: loopbackLog,
    NODE_OPTIONS: `${env.NODE_OPTIONS ?? ""} --require ${guard}`.trim(),
    // DefaultAzureCredential would otherwise probe 169.254.169.254 and run az.
    AZURE_TOKEN_CREDENTIALS: "EnvironmentCredential",
    // Every temporary file of the run (emulator CAs, states, packed consumers) goes under the run's
    // folder, which is removed at the end.
    TMPDIR: dir,
    TMP: dir,
    TEMP: dir,
    NO_PROXY: "127.0.0.1,localhost",
});

buildIfStale();

const { specs, mochaArgs } = selection(process.argv.slice(2));
if (specs.length) env.ENTRA_SYNC_TEST_SPEC = specs.join(",");

// Test files run in 2 worker processes (this machine's cores): engine tests mostly wait on child
// processes and sockets. ENTRA_SYNC_TEST_JOBS=1 runs them one after another.
const jobs = Math.max(1, Number(process.env.ENTRA_SYNC_TEST_JOBS ?? 2) || 2);
if (jobs > 1) mochaArgs.push("--parallel", "--jobs", String(jobs));

const child = spawn(process.execPath, [require.resolve("mocha/bin/mocha.js"), ...mochaArgs], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
});
let out = "";
child.stdout!.on("data", (d: Buffer) => {
    process.stdout.write(d);
    out += d.toString();
});
child.on("exit", (code) => {
    const passed = Number(/(\d+) passing/.exec(out)?.[1] ?? 0);
    let failed = Number(/(\d+) failing/.exec(out)?.[1] ?? 0);
    const skipped = Number(/(\d+) pending/.exec(out)?.[1] ?? 0);
    // After every process of the run has ended: no connection may have left loopback (the guard
    // records each one it refused; the guard's own test leaves a line for guard-check.invalid).
    const blocked = fs
        .readFileSync(loopbackLog, "utf8")
        .split("\n")
        .filter((line) => line && !line.includes("guard-check.invalid"));
    if (blocked.length) console.log(`\nloopback: connections outside 127.0.0.1 were attempted:\n${blocked.join("\n")}`);
    else console.log("\nloopback: no connection of the whole run left 127.0.0.1");
    if (blocked.length) failed++;
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
    // A selection whose only test is skipped (e.g. the CLI test without pulumi) is not a failure.
    process.exit(code === 0 && !blocked.length && passed + skipped > 0 ? 0 : code || 1);
});

function selection(args: string[]): { specs: string[]; mochaArgs: string[] } {
    const root = path.resolve(__dirname, "..");
    const files = listTests(__dirname).map((f) => path.relative(root, f));
    const specs: string[] = [];
    const mochaArgs: string[] = [];
    const grep: string[] = [];
    for (const arg of args) {
        if (arg.startsWith("-")) mochaArgs.push(arg);
        else if (fs.existsSync(arg) && (arg.endsWith(".ts") || path.resolve(arg).startsWith(__dirname)))
            specs.push(fs.statSync(arg).isDirectory() ? path.join(arg, "**/*.test.ts") : arg);
        else if (files.some((f) => f.includes(arg))) specs.push(...files.filter((f) => f.includes(arg)));
        else grep.push(arg);
    }
    if (grep.length) mochaArgs.push("--grep", grep.join("|"));
    return { specs: [...new Set(specs)], mochaArgs };
}

function listTests(dir: string): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) =>
            e.isDirectory() ? listTests(path.join(dir, e.name)) : e.name.endsWith(".test.ts") ? [path.join(dir, e.name)] : [],
        );
}

/**
 * The examples load the package by its own name, that is from dist/: when a source is newer than
 * its output (or has none), build first, before any worker loads dist/. CI builds before testing; a
 * developer who edited provider/ would otherwise test the old code there.
 */
function buildIfStale(): void {
    const root = path.resolve(__dirname, "..");
    const sources = ["provider", "emulator"].flatMap((dir) =>
        (fs.readdirSync(path.join(root, dir), { recursive: true }) as string[])
            .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
            .map((f) => path.join(dir, f)),
    );
    const stale = sources.find((source) => {
        const output = path.join(root, "dist", source.replace(/\.ts$/, ".js"));
        return !fs.existsSync(output) || fs.statSync(output).mtimeMs < fs.statSync(path.join(root, source)).mtimeMs;
    });
    if (!stale) return;
    console.log(`dist/ is older than ${stale}: npm run build`);
    try {
        execFileSync(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "build"], {
            cwd: root,
            stdio: ["ignore", "inherit", "inherit"],
            shell: process.platform === "win32",
        });
    } catch {
        // Type errors: tsc has still written dist/ (and the tests run from the sources, transpile-only).
        console.log("npm run build failed (above); the tests go on. `npm run typecheck` shows the errors.");
    }
}
