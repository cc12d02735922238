/**
 * The provider plugin `entrasync` from Python and Go: each program (tests/e2e/plugin-python,
 * tests/e2e/plugin-go) declares a SyncJobStart with its generated SDK (sdk/python, sdk/go) in an
 * Automation API inline program, and goes through the lifecycle of the TypeScript and YAML programs
 * (./plugin.test.ts) with the same Graph calls. `npm run plugin:languages` installs the Python SDK
 * from PyPI and sdk/python in a virtual environment and builds the Go program; without them these tests are
 * skipped with that command (and fail under ENTRA_SYNC_REQUIRE_PULUMI=1).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Emulator } from "../../emulator";
import { startTestEmulator } from "../support/testEnv";
import { pulumiBin, REPO, requireRealEngine } from "./support/realEngine";
import { assertLifecycle, installedPluginHome, languages, pluginEnv, Runner, runJsonProgram } from "./support/plugin";

describe("provider plugin entrasync: Python and Go programs on the generated SDKs", function () {
    this.timeout(300_000);
    let emu: Emulator;
    let home: string;
    const dirs: string[] = [];
    before(async function () {
        requireRealEngine(this);
        if (!languages.pythonBin() || !languages.goProgram()) {
            const reason = `the Python SDK's virtual environment or the Go program is not installed: run \`${languages.INSTALL_COMMAND}\``;
            if (process.env.ENTRA_SYNC_REQUIRE_PULUMI === "1") throw new Error(`${reason} (ENTRA_SYNC_REQUIRE_PULUMI=1)`);
            console.log(`      skipped: ${reason}`);
            this.skip();
        }
        emu = await startTestEmulator();
        home = (await installedPluginHome()).home;
        dirs.push(home);
    });
    after(async () => {
        for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
        await emu?.close();
    });

    /** A runner for a program that takes `{ command, … }` as JSON and answers JSON, in its own project folder and state. */
    function runner(
        project: string,
        jobId: string,
        start: (request: string, env: Record<string, string>) => ReturnType<typeof runJsonProgram>,
    ): Runner {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${project}-`));
        dirs.push(dir);
        fs.mkdirSync(path.join(dir, "state"));
        fs.mkdirSync(path.join(dir, "project"));
        const env = pluginEnv(dir, emu, home);
        return (command, triggers) =>
            start(
                JSON.stringify({
                    command,
                    triggers,
                    project,
                    stack: "dev",
                    workDir: path.join(dir, "project"),
                    pulumiRoot: path.dirname(pulumiBin()!),
                    servicePrincipalId: emu.seed.servicePrincipalId,
                    jobId,
                }),
                env,
            );
    }

    it("Python (the pulumi SDK from PyPI, sdk/python): create, update on a trigger change, refresh and destroy make the dynamic resource's Graph calls", async () => {
        const job = emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" });
        const program = path.join(REPO, "tests", "e2e", "plugin-python", "program.py");
        await assertLifecycle(
            emu,
            job.id,
            runner("entrasync-python", job.id, (request, env) => runJsonProgram(languages.pythonBin()!, [program, request], env)),
        );
    });

    it("Go (sdk/go): create, update on a trigger change, refresh and destroy make the dynamic resource's Graph calls", async () => {
        const job = emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" });
        await assertLifecycle(
            emu,
            job.id,
            runner("entrasync-go", job.id, (request, env) => runJsonProgram(languages.goProgram()!, [request], env)),
        );
    });
});
