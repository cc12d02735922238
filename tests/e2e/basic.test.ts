/**
 * The demo's steps on examples/basic, through the real Pulumi CLI (built from Go modules by
 * `npm run pulumi:install`): which Graph calls each command makes, what the job is at the emulator
 * afterwards, and what state records.
 */
import * as assert from "assert";
import * as path from "path";
import { Emulator } from "../../emulator";
import { startTestEmulator } from "../support/testEnv";
import { programFile, RealStack, REPO, requireRealEngine } from "./support/realEngine";

describe("real engine: examples/basic, the demo's steps (pulumi preview / up / refresh)", function () {
    this.timeout(240_000);
    let emu: Emulator;
    let stack: RealStack;
    before(function () {
        requireRealEngine(this);
    });
    after(async () => {
        await stack?.close();
        await emu?.close();
    });

    it("preview calls nothing; up starts the paused job and resumes the quarantined one; unchanged up calls nothing; triggers start again; refresh sees a pause; ensureActive resumes; a mapping change restarts and waitFor cycle reports the run", async () => {
        emu = await startTestEmulator();
        const sp = emu.seed.servicePrincipalId;
        const paused = emu.seed.pausedJobId;
        const quarantined = emu.seed.quarantinedJobId;
        stack = await RealStack.create({
            emu,
            project: "entra-sync-basic",
            modules: "repo",
            program: programFile(path.join(REPO, "examples/basic/index.ts")),
            config: { servicePrincipalId: sp, jobId: paused, quarantinedJobId: quarantined, secretVersion: "1" },
        });
        const job = (id: string) => emu.job(sp, id)!;
        const outputs = async () => Object.fromEntries(Object.entries(await stack.stack.outputs()).map(([k, v]) => [k, v.value]));

        const preview = await stack.stack.preview();
        assert.deepStrictEqual(emu.graphCalls(), []);
        assert.deepStrictEqual(preview.changeSummary, { create: 3 });

        const up = await stack.stack.up();
        assert.deepStrictEqual(up.summary.resourceChanges, { create: 3 });
        // Two resources, each GET, POST start, GET; the engine runs them side by side, so only the multiset is fixed.
        assert.deepStrictEqual(emu.graphCalls().sort(), [
            "GET getJob",
            "GET getJob",
            "GET getJob",
            "GET getJob",
            "POST start",
            "POST start",
        ]);
        assert.deepStrictEqual(
            [job(paused).statusCode, job(paused).starts, job(quarantined).statusCode, job(quarantined).quarantine, job(quarantined).starts],
            ["Active", 1, "Active", undefined, 1],
        );
        const out = await outputs();
        assert.deepStrictEqual(
            [out.jobStatus, out.scheduleState, out.lastAction, out.startCount, out.quarantinedJobStatus],
            ["Active", "Active", "started", 1, "Active"],
        );

        emu.clearLog();
        const same = await stack.stack.up();
        assert.deepStrictEqual(same.summary.resourceChanges, { same: 3 });
        assert.deepStrictEqual(emu.graphCalls(), []);

        // Triggers change while the paused job was paused again: it starts; the running one is only read.
        emu.setJobState(sp, paused, "Paused");
        await stack.stack.setConfig("secretVersion", { value: "2" });
        emu.clearLog();
        const triggered = await stack.stack.up();
        assert.deepStrictEqual(triggered.summary.resourceChanges, { same: 1, update: 2 });
        assert.deepStrictEqual(
            emu.filter({ jobId: paused }).map((e) => `${e.method} ${e.kind}`),
            ["GET getJob", "POST start", "GET getJob"],
        );
        assert.deepStrictEqual(
            emu.filter({ jobId: quarantined }).map((e) => `${e.method} ${e.kind}`),
            ["GET getJob"],
        );
        assert.deepStrictEqual([job(paused).starts, job(quarantined).starts], [2, 1]);
        assert.deepStrictEqual([(await outputs()).lastAction, (await outputs()).startCount], ["started", 2]);

        // Someone pauses the job: refresh reads each job once and records it.
        emu.setJobState(sp, paused, "Paused");
        emu.clearLog();
        await stack.stack.refresh();
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "GET getJob"]);
        assert.strictEqual((await stack.resource("resume-scim"))!.outputs!.status, "Paused");

        // ensureActive (on in examples/basic): the next up starts it.
        emu.clearLog();
        const drift = await stack.stack.up();
        assert.deepStrictEqual(drift.summary.resourceChanges, { same: 2, update: 1 });
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
        assert.deepStrictEqual([job(paused).statusCode, job(paused).starts], ["Active", 3]);

        // A mapping change restarts (no start), and waitFor "cycle" reports the run after it.
        await stack.stack.setConfig("mappingsRevision", { value: "2" });
        await stack.stack.setConfig("waitFor", { value: "cycle" });
        emu.clearLog();
        const restarted = await stack.stack.up();
        assert.deepStrictEqual(restarted.summary.resourceChanges, { same: 2, update: 1 });
        const calls = emu.graphCalls();
        // waitFor "cycle" reads the run before the restart first, then polls for the run after it.
        assert.deepStrictEqual(calls.slice(0, 3), ["GET getJob", "POST restart", "GET getJob"]);
        assert.ok(
            calls.slice(3).every((c) => c === "GET getJob"),
            JSON.stringify(calls),
        );
        const record = job(paused);
        assert.deepStrictEqual([record.restarts, record.starts, record.lastResetScope], [1, 3, "Watermark, Escrows, QuarantineState"]);
        const lastRun = (await outputs()).lastRun as Record<string, unknown>;
        assert.strictEqual(lastRun.state, "Succeeded");
        assert.ok(
            Date.parse(lastRun.timeBegan as string) >= record.startedAt!,
            `${lastRun.timeBegan} began before the restart at ${record.startedAt}`,
        );

        emu.clearLog();
        const destroyed = await stack.stack.destroy();
        assert.deepStrictEqual(destroyed.summary.resourceChanges, { delete: 3 });
        assert.deepStrictEqual(emu.graphCalls(), []);
        assert.deepStrictEqual(await stack.exportState(), []);
    });
});
