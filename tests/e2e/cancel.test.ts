/**
 * Cancellation under the real engine: SIGINT to `pulumi up` (the Automation API's abort signal)
 * while SyncJobStart waits for the job to become Active, then the next up.
 */
import * as assert from "assert";
import { setTimeout as sleep } from "timers/promises";
import { Emulator } from "../../emulator";
import { startTestEmulator } from "../support/testEnv";
import { RealStack, requireRealEngine, ScenarioProgram } from "./support/realEngine";

describe("real engine: SIGINT during a waitFor wait, then the next up", function () {
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

    it("the engine lets the wait run out (the provider gets no cancellation), records the start as a partial failure; the next up makes no call", async () => {
        emu = await startTestEmulator();
        const sp = emu.seed.servicePrincipalId;
        const job = emu.addJob(sp, { state: "Paused", afterStart: { kind: "stuck" } });
        stack = await RealStack.create({ emu, program: program.program });
        program.set([
            { name: "sync", args: { servicePrincipalId: sp, jobId: job.id, triggers: 1, waitFor: "active", waitTimeoutSeconds: 3 } },
        ]);
        const abort = new AbortController();
        let output = "";
        const up = stack.stack.up({ signal: abort.signal, onOutput: (s) => (output += s) }).then(
            () => "finished",
            (e: Error) => e.message,
        );
        while (job.starts === 0) await sleep(20);
        abort.abort();
        const outcome = await up;
        // One SIGINT is a graceful cancel: the engine waits for the create in flight, which waits until waitTimeoutSeconds.
        assert.match(output, /\^C received; cancelling/);
        assert.match(
            outcome,
            /job was started, then: wait for job failed: \/v1\.0\/servicePrincipals\/\S+ did not become Active within 3s \(last status NotRun\/Active\)/,
        );
        const deployment = (await stack.stack.exportStack()).deployment as { pending_operations?: unknown[] };
        assert.deepStrictEqual(deployment.pending_operations ?? [], []);
        const state = (await stack.resource("sync"))!;
        assert.deepStrictEqual([state.outputs!.lastAction, state.outputs!.startCount, state.initErrors?.length], ["started", 1, 1]);

        job.afterStart = { kind: "active" };
        emu.clearLog();
        const next = await stack.stack.up();
        assert.deepStrictEqual(next.summary.resourceChanges, { same: 1, update: 1 });
        assert.deepStrictEqual(emu.graphCalls(), []);
        assert.strictEqual(job.starts, 1);
    });
});
