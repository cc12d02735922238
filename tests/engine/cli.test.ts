/**
 * The same scenario through the real pulumi CLI (Automation API, file backend), where the CLI is
 * on PATH. These machines have none; the test then says so and is skipped.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Emulator } from "../../emulator";
import { repoRoot } from "../../harness";
import { emulatorEnv, startTestEmulator } from "../support/testEnv";

function pulumiOnPath(): boolean {
    try {
        execFileSync("pulumi", ["version"], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

describe("pulumi CLI: preview, up, refresh, destroy of examples/basic", function () {
    this.timeout(300_000);
    let emu: Emulator;
    before(function () {
        if (!pulumiOnPath()) {
            console.log(
                "      skipped: no pulumi CLI on PATH (the engine-protocol tests cover the same behaviour through the real provider host)",
            );
            this.skip();
        }
    });
    after(async () => emu?.close());

    it("preview makes no call, up starts, unchanged up makes none, a trigger change starts again, destroy", async () => {
        emu = await startTestEmulator();
        const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
        const backend = fs.mkdtempSync(path.join(os.tmpdir(), "entra-sync-cli-"));
        Object.assign(process.env, emulatorEnv(emu), {
            ENTRA_SYNC_SERVICE_PRINCIPAL_ID: emu.seed.servicePrincipalId,
            ENTRA_SYNC_PAUSED_JOB_ID: emu.seed.pausedJobId,
            PULUMI_CONFIG_PASSPHRASE: "test",
            PULUMI_SKIP_UPDATE_CHECK: "true",
        });
        const stack = await LocalWorkspace.createOrSelectStack(
            { stackName: "cli-test", workDir: repoRoot },
            { envVars: { PULUMI_BACKEND_URL: `file://${backend}` } },
        );
        await stack.setConfig("secretVersion", { value: "1" });
        await stack.preview();
        assert.deepStrictEqual(emu.graphCalls(), []);
        await stack.up();
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
        emu.clearLog();
        await stack.up();
        assert.deepStrictEqual(emu.graphCalls(), []);
        emu.setJobState(emu.seed.servicePrincipalId, emu.seed.pausedJobId, "Paused");
        await stack.setConfig("secretVersion", { value: "2" });
        await stack.up();
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
        await stack.refresh();
        await stack.destroy();
        await stack.workspace.removeStack("cli-test");
    });
});
