/**
 * restartTriggers, restartScope and waitFor "cycle" through the real provider host: which calls
 * reach Graph, what the restart sends, and what state records, run after run.
 */
import * as assert from "assert";
import { Emulator } from "../../emulator";
import { ResourceSpec, Stack, summary } from "../../harness";
import { freshStackPerTest } from "../support/testStack";

describe("engine protocol: restart and the provisioning cycle", function () {
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
    const spec = (jobId: string, extra: Record<string, unknown> = {}): ResourceSpec => ({
        name: "sync",
        args: { servicePrincipalId: sp(), jobId, triggers: { secret: 1 }, ...extra },
    });

    it("create records restartTriggers without a restart; a change restarts with the scope; together with triggers: one restart, no start; restartScope alone: no call", async () => {
        const jobId = emu.seed.pausedJobId;
        assert.deepStrictEqual(summary(await stack.up([spec(jobId, { restartTriggers: { mappings: "a" } })])), ["create sync"]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
        const job = emu.job(sp(), jobId)!;
        assert.deepStrictEqual([job.starts, job.restarts], [1, 0]);
        let outs = stack.outputs("sync");
        assert.deepStrictEqual(
            [outs.restartTriggers, outs.restartScope, outs.restartCount, outs.restartedAt, outs.lastAction],
            [{ mappings: "a" }, "Watermark, Escrows, QuarantineState", 0, undefined, "started"],
        );

        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.up([spec(jobId, { restartTriggers: { mappings: "a" } })])), ["same sync"]);
        assert.deepStrictEqual(emu.requests, []);

        assert.deepStrictEqual(summary(await stack.up([spec(jobId, { restartTriggers: { mappings: "b" } })])), ["update sync"]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST restart", "GET getJob"]);
        assert.deepStrictEqual([job.starts, job.restarts, job.lastResetScope], [1, 1, "Watermark, Escrows, QuarantineState"]);
        outs = stack.outputs("sync");
        assert.deepStrictEqual([outs.lastAction, outs.restartCount, outs.startCount], ["restarted", 1, 1]);
        assert.ok(typeof outs.restartedAt === "string" && !Number.isNaN(Date.parse(outs.restartedAt as string)));

        emu.clearLog();
        const both = { triggers: { secret: 2 }, restartTriggers: { mappings: "c" }, restartScope: " full ", allowFullResync: true };
        assert.deepStrictEqual(summary(await stack.up([spec(jobId, both)])), ["update sync"]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST restart", "GET getJob"]);
        assert.deepStrictEqual([job.starts, job.restarts, job.lastResetScope], [1, 2, "Full"]);
        assert.deepStrictEqual(stack.outputs("sync").restartScope, "Full");

        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.up([spec(jobId, { ...both, restartScope: "Watermark" })])), ["update sync"]);
        assert.deepStrictEqual(emu.requests, [], "changing restartScope alone makes no call");
    });

    it("a restart processed, then its connection reset: the job is read, the restart not sent again", async () => {
        const jobId = emu.seed.pausedJobId;
        await stack.up([spec(jobId, { restartTriggers: 1 })]);
        emu.clearLog();
        emu.inject({ fault: { kind: "processThenReset" }, routes: ["restart"], times: 1 });
        const steps = await stack.up([spec(jobId, { restartTriggers: 2 })]);
        assert.deepStrictEqual(summary(steps), ["update sync"]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST restart", "GET getJob"]);
        assert.strictEqual(emu.job(sp(), jobId)!.restarts, 1);
        assert.deepStrictEqual([stack.outputs("sync").lastAction, stack.outputs("sync").restartCount], ["restarted", 1]);
    });

    it("a restart reset before Graph saw it: no run began after it, so the update fails saying so and records nothing; the next up restarts", async () => {
        // A running job whose last run ended 10 min ago, and no scheduled run due (as Graph's 40 min schedule).
        const job = emu.addJob(sp(), { state: "Active", run: { intervalMs: 3_600_000 }, history: { endedSecondsAgo: 600 } });
        await stack.up([spec(job.id, { restartTriggers: 1 })]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob"]);
        emu.clearLog();
        emu.inject({ fault: { kind: "reset" }, routes: ["restart"], times: 1 });
        const [step] = await stack.up([spec(job.id, { restartTriggers: 2 })]);
        assert.strictEqual(step.ok, false);
        assert.match(
            step.error!,
            new RegExp(
                `^restart job failed: POST /v1\\.0/servicePrincipals/${sp()}/synchronization/jobs/${job.id.replace(/\./g, "\\.")}/restart -> no response: .*ECONNRESET.*` +
                    " The job was read after it: Active/Active, as a restart would leave it, but no provisioning run began after the restart was sent, " +
                    "so whether Graph restarted the job cannot be told; it is not sent again blindly\\. Nothing is recorded: restartTriggers keep their previous value",
            ),
        );
        assert.doesNotMatch(step.error!, /the job is read before it is sent again/);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST restart", "GET getJob", "GET getJob", "GET getJob"]);
        assert.strictEqual(emu.job(sp(), job.id)!.restarts, 0);
        assert.deepStrictEqual([stack.outputs("sync").lastAction, stack.outputs("sync").restartCount], ["skipped", 0]);

        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.up([spec(job.id, { restartTriggers: 2 })])), ["update sync"]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST restart", "GET getJob"]);
        assert.strictEqual(emu.job(sp(), job.id)!.restarts, 1);
        assert.deepStrictEqual([stack.outputs("sync").lastAction, stack.outputs("sync").restartCount], ["restarted", 1]);
    });

    it("setting restartTriggers where it was absent only records it; check refuses None, ConnectorDataStore and unknown scopes, with no request", async () => {
        const jobId = emu.seed.pausedJobId;
        await stack.up([spec(jobId)]);
        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.up([spec(jobId, { restartTriggers: 1 })])), ["update sync"]);
        assert.deepStrictEqual(emu.requests, []);
        assert.strictEqual(emu.job(sp(), jobId)!.restarts, 0);

        for (const [restartScope, reason] of [
            ["None", /^None is documented by Microsoft as "DO NOT USE"/],
            ["Watermark, ConnectorDataStore", /^ConnectorDataStore is documented by Microsoft as "DO NOT USE"/],
            ["Watermark, Everything", /^"Everything" is not one of Watermark, Escrows, QuarantineState, ForceDeletes, Full/],
        ] as const) {
            const [step] = await stack.up([spec(jobId, { restartTriggers: 2, restartScope })]);
            assert.deepStrictEqual(
                step.failures?.map((f) => f.property),
                ["restartScope"],
            );
            assert.match(step.failures![0].reason, reason);
        }
        assert.deepStrictEqual(emu.requests, []);
    });

    it('waitFor "cycle": waits for the run after the start (not the one before) and reports it; entry-level errors succeed', async () => {
        const job = emu.addJob(sp(), {
            state: "Paused",
            history: { outcome: "succeeded", counts: { exported: 7 }, endedSecondsAgo: 600 },
            run: { delayMs: 300, outcome: "entryLevelErrors", counts: { exported: 40, deltaExported: 4, escrowed: 2 } },
        });
        const t0 = new Date().toISOString();
        assert.deepStrictEqual(summary(await stack.up([spec(job.id, { waitFor: "cycle" })])), ["create sync"]);
        const calls = emu.graphCalls();
        assert.deepStrictEqual(calls.slice(0, 3), ["GET getJob", "POST start", "GET getJob"]);
        assert.ok(calls.length >= 4 && calls.slice(3).every((c) => c === "GET getJob"), JSON.stringify(calls));
        const lastRun = stack.outputs("sync").lastRun as Record<string, unknown>;
        assert.strictEqual(lastRun.state, "EntryLevelErrors");
        // The history's run (7 exported, 10 minutes ago) is not the one reported; after it (a watermark)
        // a start resumes incrementally: the delta, 4, not the full 40.
        assert.ok((lastRun.timeBegan as string) >= t0, `${lastRun.timeBegan} began before ${t0}`);
        assert.deepStrictEqual([lastRun.countExported, lastRun.countEscrowed, typeof lastRun.timeEnded], [4, 2, "string"]);
        assert.strictEqual(job.starts, 1);
    });

    it('waitFor "cycle", the run fails: a partial failure with the error code, message and troubleshooting URL; state records the start; the next up makes no call', async () => {
        const job = emu.addJob(sp(), {
            state: "Paused",
            run: {
                delayMs: 200,
                outcome: "failed",
                errorCode: "SalesforceInvalidCredentials",
                errorMessage: "The credentials are invalid.",
            },
        });
        const [step] = await stack.up([spec(job.id, { waitFor: "cycle" })]);
        assert.strictEqual(step.ok, false);
        assert.match(
            step.error!,
            /^job was started, then: provisioning cycle failed: the run of \/v1\.0\/servicePrincipals\/\S+ after this update ended Failed with SalesforceInvalidCredentials: The credentials are invalid\. Fix the cause \(the job's provisioning logs, https:\/\/go\.microsoft\.com\/fwlink\/\?linkid=2157929\)/,
        );
        const outs = stack.outputs("sync");
        assert.deepStrictEqual([outs.lastAction, outs.startCount, (outs.lastRun as { state: string }).state], ["started", 1, "Failed"]);
        assert.strictEqual(outs.troubleshootingUrl, "https://go.microsoft.com/fwlink/?linkid=2157929");
        emu.clearLog();
        // The real engine updates a resource with initErrors although nothing changed (tests/e2e/partial.test.ts): no call.
        assert.deepStrictEqual(summary(await stack.up([spec(job.id, { waitFor: "cycle" })])), ["update sync"]);
        assert.deepStrictEqual(emu.requests, []);
        assert.strictEqual(job.starts, 1);
    });

    it('restart + waitFor "cycle": a full run after the Watermark reset; refresh fills lastRun', async () => {
        const job = emu.addJob(sp(), {
            state: "Active",
            history: { outcome: "succeeded", endedSecondsAgo: 600 },
            run: { delayMs: 200, outcome: "succeeded", counts: { exported: 50, deltaExported: 3 } },
        });
        await stack.up([spec(job.id, { restartTriggers: 1, waitFor: "cycle" })]);
        // Already running: skipped, then the next run is incremental (from the watermark).
        assert.deepStrictEqual((stack.outputs("sync").lastRun as { countExported: number }).countExported, 3);
        assert.strictEqual(stack.outputs("sync").lastAction, "skipped");
        emu.clearLog();
        await stack.up([spec(job.id, { restartTriggers: 2, waitFor: "cycle" })]);
        assert.deepStrictEqual(emu.graphCalls().slice(0, 3), ["GET getJob", "POST restart", "GET getJob"]);
        assert.deepStrictEqual([job.restarts, job.starts], [1, 0]);
        const lastRun = stack.outputs("sync").lastRun as { countExported: number; state: string };
        assert.deepStrictEqual([lastRun.state, lastRun.countExported], ["Succeeded", 50]);

        emu.clearLog();
        const [refresh] = await stack.refresh();
        assert.strictEqual(refresh.ok, true);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob"]);
        assert.deepStrictEqual((stack.outputs("sync").lastRun as { countExported: number }).countExported, 50);
    });
});
