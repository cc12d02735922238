/**
 * Safety rails through the real provider host (issue 19; notes: "Safety facts"): what reaches
 * Graph, how many starts and restarts, how many held deletions were released and uploads purged,
 * and the whole message the user sees.
 */
import * as assert from "assert";
import { setTimeout as sleep } from "timers/promises";
import { Emulator } from "../../emulator";
import { ResourceSpec, Stack, summary } from "../../harness";
import { freshStackPerTest } from "../support/testStack";

const TROUBLESHOOTING_URL = "https://go.microsoft.com/fwlink/?linkid=2157929";

/** The held-deletions message, as the user reads it. */
function heldMessage(what: string, path: string, where: string, threshold: string | undefined, url: string | undefined): string {
    const limit = threshold
        ? `the accidental-deletion threshold (QuarantineTooManyDeletesThreshold ${threshold})`
        : "the accidental-deletion threshold (the job's settings do not give QuarantineTooManyDeletesThreshold)";
    return (
        `${what}: ${path} ${where} with reason TooManyDeletes: a provisioning cycle would delete more objects than ${limit}, ` +
        "and Entra is holding those deletions. Starting or restarting the job would perform them. " +
        "Review them first in the provisioning logs (Entra admin center > Enterprise applications > the application > Provisioning logs, action StagedDelete)" +
        `${url ? ` and at ${url}` : ""}. ` +
        "If they are not wanted, fix the scoping filter or attribute mappings and restart the job from the admin center; " +
        'if they are, set allowHeldDeletes: true (a restart with restartScope "ForceDeletes" releases them, as does a start).'
    );
}

describe("engine protocol: safety rails", function () {
    this.timeout(120_000);
    let emu: Emulator;
    let stack: Stack;
    freshStackPerTest(
        (e, s) => {
            emu = e;
            stack = s;
        },
        () => stack,
    );

    const sp = () => emu.seed.servicePrincipalId;
    const path = (jobId: string) => `/v1.0/servicePrincipals/${sp()}/synchronization/jobs/${jobId}`;
    const spec = (jobId: string, extra: Record<string, unknown> = {}): ResourceSpec => ({
        name: "sync",
        args: { servicePrincipalId: sp(), jobId, triggers: { secret: 1 }, ...extra },
    });

    it("held deletions: create never starts a job quarantined with TooManyDeletes (ifNotActive, always); preview makes no call; allowHeldDeletes starts it", async () => {
        const job = emu.addJob(sp(), { state: "Active", deleteThreshold: 1000, heldDeletions: 1200 });
        assert.deepStrictEqual(summary(await stack.preview([spec(job.id)])), ["create sync"]);
        assert.deepStrictEqual(emu.requests, []);

        for (const startPolicy of ["ifNotActive", "always"]) {
            emu.clearLog();
            const [step] = await stack.up([spec(job.id, { startPolicy })]);
            assert.deepStrictEqual([step.op, step.ok], ["create", false]);
            assert.strictEqual(step.error, heldMessage("start refused", path(job.id), "is in quarantine", "1000", TROUBLESHOOTING_URL));
            assert.deepStrictEqual(emu.graphCalls(), ["GET getJob"]);
        }
        assert.deepStrictEqual([job.starts, job.restarts, job.deletions], [0, 0, { threshold: 1000, held: 1200, released: 0 }]);

        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.up([spec(job.id, { allowHeldDeletes: true })])), ["create sync"]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
        assert.deepStrictEqual([job.starts, job.deletions.released, stack.outputs("sync").status], [1, 1200, "Active"]);
    });

    it("held deletions: update (triggers, restartTriggers) refuses; refresh records it and ensureActive plans nothing", async () => {
        const job = emu.addJob(sp(), { state: "Paused" });
        const base = { restartTriggers: 1, ensureActive: true };
        await stack.up([spec(job.id, base)]);
        emu.holdDeletions(sp(), job.id, 300);

        emu.clearLog();
        assert.deepStrictEqual(
            (await stack.refresh()).map((step) => [step.op, step.changed]),
            [["refresh", true]],
        );
        const outs = stack.outputs("sync");
        assert.deepStrictEqual(
            [outs.status, outs.quarantineReason, outs.troubleshootingUrl],
            ["Quarantine", "TooManyDeletes", TROUBLESHOOTING_URL],
        );
        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.up([spec(job.id, base)])), ["same sync"]);
        assert.deepStrictEqual(emu.requests, [], "ensureActive plans nothing for a job holding deletions");

        let [step] = await stack.up([spec(job.id, { ...base, triggers: { secret: 2 } })]);
        assert.strictEqual(step.error, heldMessage("start refused", path(job.id), "is in quarantine", "500", TROUBLESHOOTING_URL));
        [step] = await stack.up([spec(job.id, { ...base, restartTriggers: 2 })]);
        assert.strictEqual(step.error, heldMessage("restart refused", path(job.id), "is in quarantine", "500", TROUBLESHOOTING_URL));
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "GET getJob"]);
        assert.deepStrictEqual([job.starts, job.restarts, job.deletions.released], [1, 0, 0]);
    });

    it("held deletions: restartScope ForceDeletes needs allowHeldDeletes (check failure, no request); with it the restart releases them", async () => {
        const job = emu.addJob(sp(), { state: "Paused" });
        await stack.up([spec(job.id, { restartTriggers: 1 })]);
        emu.holdDeletions(sp(), job.id, 300);
        emu.clearLog();
        const [step] = await stack.up([spec(job.id, { restartTriggers: 2, restartScope: "ForceDeletes" })]);
        assert.deepStrictEqual(step.failures, [
            {
                property: "restartScope",
                reason:
                    "ForceDeletes performs the deletions Entra is holding after an accidental-deletion quarantine (TooManyDeletes); " +
                    'set allowHeldDeletes: true to allow it, or leave ForceDeletes out (the default "Watermark, Escrows, QuarantineState" is the admin center\'s Restart provisioning)',
            },
        ]);
        assert.deepStrictEqual(emu.requests, []);

        const allowed = { restartTriggers: 2, restartScope: "ForceDeletes", allowHeldDeletes: true };
        assert.deepStrictEqual(summary(await stack.up([spec(job.id, allowed)])), ["update sync"]);
        assert.deepStrictEqual(emu.graphCalls(), ["POST restart", "GET getJob"]);
        assert.deepStrictEqual(
            [job.restarts, job.lastResetScope, job.deletions.released, job.statusCode],
            [1, "ForceDeletes", 300, "Active"],
        );
    });

    it('held deletions: waitFor "active" that sees the job enter that quarantine fails with the same message; the start is recorded', async () => {
        const job = emu.addJob(sp(), { state: "Paused", afterStart: { kind: "requarantine", ms: 0, reason: "TooManyDeletes" } });
        const [step] = await stack.up([spec(job.id, { waitFor: "active" })]);
        assert.deepStrictEqual([step.op, step.ok], ["create", false]);
        assert.strictEqual(
            step.error,
            `job was started, then: ${heldMessage("wait for job failed", path(job.id), "entered quarantine after the start", "500", TROUBLESHOOTING_URL)}`,
        );
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
        const outs = stack.outputs("sync");
        assert.deepStrictEqual([outs.startCount, outs.status, outs.quarantineReason], [1, "Quarantine", "TooManyDeletes"]);
    });

    it("restartScope Full is a check failure without allowFullResync (no request); with it the restart sends Full", async () => {
        const job = emu.addJob(sp(), { state: "Paused" });
        await stack.up([spec(job.id, { restartTriggers: 1 })]);
        emu.clearLog();
        const [step] = await stack.up([spec(job.id, { restartTriggers: 2, restartScope: "Watermark, Full" })]);
        assert.deepStrictEqual(step.failures, [
            {
                property: "restartScope",
                reason:
                    "Full breaks the links between source and target objects and matches every object anew (the admin center's restart does not); " +
                    'set allowFullResync: true to allow it, or leave Full out (the default "Watermark, Escrows, QuarantineState" is the admin center\'s Restart provisioning)',
            },
        ]);
        assert.deepStrictEqual(emu.requests, []);
        assert.strictEqual(job.restarts, 0);

        assert.deepStrictEqual(
            summary(await stack.up([spec(job.id, { restartTriggers: 2, restartScope: "Watermark, Full", allowFullResync: true })])),
            ["update sync"],
        );
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST restart", "GET getJob"]);
        assert.deepStrictEqual([job.restarts, job.lastResetScope], [1, "Watermark, Full"]);
    });

    it("inbound (API2AAD): a restart of the job while it is not running is refused, 0 uploads purged; allowInboundPurge restarts it", async () => {
        const job = emu.addJob(sp(), { templateId: "API2AAD", state: "Paused" });
        const base = { restartTriggers: 1, allowHeldDeletes: true };
        await stack.up([spec(job.id, base)]);
        emu.setJobState(sp(), job.id, "Paused");
        emu.stageUploads(sp(), job.id, 4);
        emu.clearLog();
        const [step] = await stack.up([spec(job.id, { ...base, restartTriggers: 2 })]);
        assert.strictEqual(
            step.error,
            `restart refused: ${path(job.id)} is an API-driven inbound provisioning job (API2AAD) and is not running (Paused/Paused): ` +
                "a restart now purges the data uploaded to it (bulkUpload) that was not processed yet. " +
                "Start it instead (change triggers) so that the uploads are processed, then restart; or set allowInboundPurge: true to restart it and lose them.",
        );
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob"]);
        assert.deepStrictEqual([job.restarts, job.uploads], [0, { staged: 4, processed: 0, purged: 0 }]);

        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.up([spec(job.id, { ...base, restartTriggers: 2, allowInboundPurge: true })])), [
            "update sync",
        ]);
        // With both consents there is nothing to ask first: no read before the restart.
        assert.deepStrictEqual(emu.graphCalls(), ["POST restart", "GET getJob"]);
        assert.deepStrictEqual([job.restarts, job.uploads], [1, { staged: 0, processed: 0, purged: 4 }]);
    });

    it("read lag: a start whose answer was lost is confirmed by the reads that follow (one start); a lagging read after a start is read again", async () => {
        const lost = emu.addJob(sp(), { state: "Paused", readLag: { reads: 2 } });
        emu.inject({ fault: { kind: "processThenReset" }, routes: ["start"], times: 1 });
        assert.deepStrictEqual(summary(await stack.up([spec(lost.id)])), ["create sync"]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob", "GET getJob", "GET getJob"]);
        assert.strictEqual(lost.starts, 1);
        assert.deepStrictEqual([stack.outputs("sync").lastAction, stack.outputs("sync").status], ["started", "Active"]);

        emu.clearLog();
        const lagging = emu.addJob(sp(), { state: "Quarantine", readLag: { reads: 2 } });
        const steps = await stack.up([spec(lost.id), { ...spec(lagging.id, { waitFor: "active" }), name: "lagging" }]);
        assert.deepStrictEqual(summary(steps), ["create lagging", "same sync"]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob", "GET getJob", "GET getJob"]);
        assert.deepStrictEqual([lagging.starts, stack.outputs("lagging").status], [1, "Active"]);
    });

    it("a read that answers another job's JSON is not state: it is read again, and the paused job is started (not skipped as Active)", async () => {
        const jobId = emu.seed.pausedJobId;
        emu.inject({ fault: { kind: "otherJob" }, routes: ["getJob"], times: 1 });
        assert.deepStrictEqual(summary(await stack.up([spec(jobId)])), ["create sync"]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "GET getJob", "POST start", "GET getJob"]);
        assert.strictEqual(emu.job(sp(), jobId)!.starts, 1);
        assert.deepStrictEqual([stack.outputs("sync").lastAction, stack.outputs("sync").status], ["started", "Active"]);
    });

    it("sentinels and invalid fields never reach state: no quarantine reason, no lastRun, no javascript: URL (named once on stderr)", async () => {
        const fresh = emu.addJob(sp(), { state: "Paused", sentinels: true, afterStart: { kind: "stuck" } });
        await stack.up([spec(fresh.id)]);
        const outs = stack.outputs("sync");
        assert.deepStrictEqual(
            [outs.status, outs.scheduleState, "quarantineReason" in outs, "lastRun" in outs, "troubleshootingUrl" in outs],
            ["NotRun", "Active", false, false, false],
        );

        const tampered = emu.addJob(sp(), { state: "Active", troubleshootingUrl: "javascript:alert(document.cookie)" });
        await stack.up([spec(fresh.id), { ...spec(tampered.id), name: "tampered" }]);
        await stack.refresh();
        assert.strictEqual("troubleshootingUrl" in stack.outputs("tampered"), false);
        const said = "pulumi-entra-sync: status.troubleshootingUrl from Graph left out of the outputs: not an https: URL.\n";
        for (let i = 0; i < 100 && !stack.host.output.includes(said); i++) await sleep(20);
        assert.strictEqual(stack.host.output.split(said).length - 1, 1, stack.host.output);
    });

    it('onDelete "pause": a delete in the deployment where this same resource acted pauses the job (only another resource\'s action skips it)', async () => {
        const jobId = emu.seed.pausedJobId;
        await stack.up([spec(jobId, { onDelete: "pause" })]);
        assert.match(String(stack.outputs("sync").instanceId), /^[0-9a-f-]{36}$/);
        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.destroy()), ["delete sync"]);
        assert.deepStrictEqual(emu.graphCalls(), ["POST pause"]);
        assert.strictEqual(emu.job(sp(), jobId)!.statusCode, "Paused");
    });

    it("a start reset on every attempt fails at timeoutSeconds counting every POST it sent, not the last one only", async () => {
        const jobId = emu.seed.pausedJobId;
        emu.inject({ fault: { kind: "reset" }, routes: ["start"] });
        const [step] = await stack.up([spec(jobId, { timeoutSeconds: 3 })]);
        assert.strictEqual(step.ok, false);
        const counted = /(\d+) attempts? in \d+\.\d s/.exec(step.error!);
        assert.ok(counted, step.error);
        const sent = emu.count({ kind: "start" });
        assert.ok(sent >= 2, `${sent} POSTs`);
        assert.strictEqual(Number(counted[1]), sent, step.error);
        assert.strictEqual(emu.job(sp(), jobId)!.starts, 0);
    });
});
