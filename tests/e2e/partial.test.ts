/**
 * A partial failure under the real engine (waitFor "cycle" and a Failed run): the engine records the
 * error's properties only (no `__provider` of its own), marks the resource with initErrors, and
 * plans an update on the next up even with no diff. Refresh and destroy must still work, and the
 * next up must not start the job again.
 */
import * as assert from "assert";
import { Emulator } from "../../emulator";
import { startTestEmulator } from "../support/testEnv";
import { RealStack, requireRealEngine, ScenarioProgram } from "./support/realEngine";

describe("real engine: a partial failure, then refresh, up and destroy", function () {
    this.timeout(180_000);
    let emu: Emulator;
    let stack: RealStack;
    const program = new ScenarioProgram();
    before(function () {
        requireRealEngine(this);
    });
    after(async () => {
        await stack?.close();
        await emu?.close();
    });

    it('waitFor "cycle" with a Failed run: state records the start; refresh reads once and clears the error; the next up updates without a call; destroy pauses', async () => {
        emu = await startTestEmulator();
        const sp = emu.seed.servicePrincipalId;
        const failing = {
            delayMs: 200,
            outcome: "failed" as const,
            errorCode: "SalesforceInvalidCredentials",
            errorMessage: "The credentials are invalid.",
        };
        const a = emu.addJob(sp, { state: "Paused", run: failing });
        const b = emu.addJob(sp, { state: "Paused", run: failing });
        stack = await RealStack.create({ emu, program: program.program });
        const args = (jobId: string) => ({ servicePrincipalId: sp, jobId, triggers: 1, waitFor: "cycle", onDelete: "pause" });
        program.set([
            { name: "a", args: args(a.id) },
            { name: "b", args: args(b.id) },
        ]);
        let output = "";
        // The engine shows a partial failure's reasons (not its message): they say the job was started.
        await assert.rejects(stack.stack.up({ onOutput: (s) => (output += s) }), /provisioning cycle failed/);
        assert.match(
            output,
            /job was started, then: provisioning cycle failed: the run of \/v1\.0\/servicePrincipals\/\S+ after this update ended Failed with SalesforceInvalidCredentials: The credentials are invalid\./,
        );
        assert.deepStrictEqual([a.starts, b.starts], [1, 1]);
        for (const name of ["a", "b"]) {
            const failed = (await stack.resource(name))!;
            // The engine keeps the error's properties as outputs, the start and the run recorded.
            assert.deepStrictEqual(failed.initErrors?.length, 1);
            assert.deepStrictEqual(
                [failed.outputs!.lastAction, failed.outputs!.startCount, (failed.outputs!.lastRun as { state: string }).state],
                ["started", 1, "Failed"],
            );
            assert.strictEqual(typeof failed.outputs!.__provider, "string", "the provider that refresh and destroy load");
        }

        // a: refresh reads it once (it worked only with __provider in the error's properties) and clears the error.
        emu.clearLog();
        await stack.stack.refresh({ target: [(await stack.resource("a"))!.urn] });
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob"]);
        assert.deepStrictEqual((await stack.resource("a"))!.initErrors, undefined);

        // b: the engine plans an update for a resource with initErrors although nothing changed; it makes no call.
        emu.clearLog();
        const next = await stack.stack.up();
        assert.deepStrictEqual(next.summary.resourceChanges, { same: 2, update: 1 });
        assert.deepStrictEqual(emu.graphCalls(), []);
        assert.deepStrictEqual([a.starts, b.starts], [1, 1]);
        assert.deepStrictEqual((await stack.resource("b"))!.initErrors, undefined);

        emu.clearLog();
        await stack.stack.destroy();
        assert.deepStrictEqual(emu.graphCalls(), ["POST pause", "POST pause"]);
        assert.deepStrictEqual(await stack.exportState(), []);
    });

    it("destroy right after a partial failure pauses the job (the provider comes from the error's properties)", async () => {
        const sp = emu.seed.servicePrincipalId;
        const job = emu.addJob(sp, { state: "Paused", run: { delayMs: 200, outcome: "failed", errorCode: "X", errorMessage: "boom" } });
        program.set([{ name: "c", args: { servicePrincipalId: sp, jobId: job.id, triggers: 1, waitFor: "cycle", onDelete: "pause" } }]);
        await assert.rejects(stack.stack.up(), /provisioning cycle failed/);
        emu.clearLog();
        await stack.stack.destroy();
        assert.deepStrictEqual(emu.graphCalls(), ["POST pause"]);
        assert.deepStrictEqual([job.starts, job.statusCode], [1, "Paused"]);
    });
});
