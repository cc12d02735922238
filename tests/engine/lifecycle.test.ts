import * as assert from "assert";
import { Emulator } from "../../emulator";
import { SECRET_SIG } from "../../harness";
import { ResourceSpec, Stack, summary } from "../../harness";
import { freshStackPerTest } from "../support/testStack";

describe("engine protocol: SyncJobStart through the real provider host", function () {
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

    const resume = (extra: Record<string, unknown> = {}, jobId?: string): ResourceSpec => ({
        name: "resume",
        args: {
            servicePrincipalId: emu.seed.servicePrincipalId,
            jobId: jobId ?? emu.seed.pausedJobId,
            triggers: { secret: "v1", schema: 1 },
            ...extra,
        },
    });

    it("preview makes no Graph call; up starts the paused job with GET, POST start, GET", async () => {
        assert.deepStrictEqual(summary(await stack.preview([resume()])), ["create resume"]);
        assert.strictEqual(emu.requests.length, 0, "preview must not touch the network");

        assert.deepStrictEqual(summary(await stack.up([resume()])), ["create resume"]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
        assert.strictEqual(emu.count({ kind: "token" }), 1);
        const outs = stack.outputs("resume");
        assert.ok(typeof outs.startedAt === "string" && !Number.isNaN(Date.parse(outs.startedAt as string)));
        // The start began a provisioning run; it is still in progress (no state, no timeEnded).
        const lastRun = outs.lastRun as Record<string, unknown>;
        assert.deepStrictEqual(
            { ...lastRun, timeBegan: typeof lastRun.timeBegan },
            { timeBegan: "string", countExported: 10, countEscrowed: 0 },
        );
        assert.deepStrictEqual(
            { ...outs, startedAt: "<time>", lastRun: "<run>" },
            {
                servicePrincipalId: emu.seed.servicePrincipalId,
                jobId: emu.seed.pausedJobId,
                triggers: { schema: 1, secret: "v1" },
                restartScope: "Watermark, Escrows, QuarantineState",
                lastRun: "<run>",
                restartCount: 0,
                startPolicy: "ifNotActive",
                waitFor: "none",
                waitTimeoutSeconds: 300,
                timeoutSeconds: 120,
                ensureActive: false,
                onDelete: "none",
                apiVersion: "v1.0",
                status: "Active",
                scheduleState: "Active",
                lastAction: "started",
                startedAt: "<time>",
                startCount: 1,
            },
        );
        const r = Object.values(stack.engine.resources)[0];
        assert.strictEqual(r.id, `${emu.seed.servicePrincipalId}/${emu.seed.pausedJobId}`);
        assert.strictEqual(emu.job(emu.seed.servicePrincipalId, emu.seed.pausedJobId)!.starts, 1);
    });

    it("an unchanged up makes no call; key order in triggers is not a change; a trigger change is an in-place update that starts again", async () => {
        await stack.up([resume()]);
        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.up([resume({ triggers: { schema: 1, secret: "v1" } })])), ["same resume"]);
        assert.strictEqual(emu.requests.length, 0);

        emu.setJobState(emu.seed.servicePrincipalId, emu.seed.pausedJobId, "Paused");
        assert.deepStrictEqual(summary(await stack.preview([resume({ triggers: { secret: "v2", schema: 1 } })])), ["update resume"]);
        assert.strictEqual(emu.requests.length, 0);
        assert.deepStrictEqual(summary(await stack.up([resume({ triggers: { secret: "v2", schema: 1 } })])), ["update resume"]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
        assert.strictEqual(stack.outputs("resume").startCount, 2);
        assert.deepStrictEqual(stack.outputs("resume").triggers, { schema: 1, secret: "v2" });
    });

    it("across runs (state file, a new provider host each time): one token per run, no call when unchanged", async () => {
        await stack.up([resume()]);
        stack = await stack.restart();
        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.up([resume()])), ["same resume"]);
        assert.strictEqual(emu.requests.length, 0);
        emu.setJobState(emu.seed.servicePrincipalId, emu.seed.pausedJobId, "Paused");
        assert.deepStrictEqual(summary(await stack.up([resume({ triggers: { secret: "v2" } })])), ["update resume"]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
        assert.deepStrictEqual([emu.count({ kind: "token" }), stack.outputs("resume").startCount], [1, 2]);
    });

    it("skips the start (1 call) when the job already runs; always starts with 2 calls", async () => {
        emu.setJobState(emu.seed.servicePrincipalId, emu.seed.pausedJobId, "Active");
        await stack.up([resume()]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob"]);
        assert.deepStrictEqual(
            [stack.outputs("resume").lastAction, stack.outputs("resume").startCount, stack.outputs("resume").startedAt],
            ["skipped", 0, undefined],
        );

        emu.clearLog();
        await stack.up([resume({ startPolicy: "always", triggers: { secret: "v3" } })]);
        assert.deepStrictEqual(emu.graphCalls(), ["POST start", "GET getJob"]);
        assert.deepStrictEqual([stack.outputs("resume").lastAction, stack.outputs("resume").startCount], ["started", 1]);
    });

    it("changing settings only is an update without a Graph call; changing jobId replaces", async () => {
        await stack.up([resume()]);
        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.up([resume({ waitTimeoutSeconds: 60, onDelete: "pause", apiVersion: "beta" })])), [
            "update resume",
        ]);
        assert.strictEqual(emu.requests.length, 0);
        assert.deepStrictEqual([stack.outputs("resume").waitTimeoutSeconds, stack.outputs("resume").status], [60, "Active"]);

        // A new deployment is a new provider host (one that did not touch the old job: see refresh-replace.test.ts).
        stack = await stack.restart();
        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.up([resume({ onDelete: "none" }, emu.seed.quarantinedJobId)])), ["replace resume"]);
        // Create the replacement first, then delete the old resource with its own settings (onDelete: pause).
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob", "POST pause"]);
        assert.strictEqual(emu.filter({ kind: "pause" })[0].jobId, emu.seed.pausedJobId);
        assert.strictEqual(Object.values(stack.engine.resources)[0].id, `${emu.seed.servicePrincipalId}/${emu.seed.quarantinedJobId}`);
    });

    it("resumes a quarantined job and reports the quarantine it cleared; refresh sees a new pause; ensureActive resumes it", async () => {
        const spec = resume({ ensureActive: true }, emu.seed.quarantinedJobId);
        await stack.up([spec]);
        assert.deepStrictEqual([stack.outputs("resume").status, stack.outputs("resume").quarantineReason], ["Active", undefined]);

        emu.setJobState(emu.seed.servicePrincipalId, emu.seed.quarantinedJobId, "Quarantine", "TooManyDeletes");
        emu.clearLog();
        const refreshed = await stack.refresh();
        assert.deepStrictEqual(
            refreshed.map((s) => [s.op, s.changed]),
            [["refresh", true]],
        );
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob"]);
        assert.deepStrictEqual(
            [stack.outputs("resume").status, stack.outputs("resume").quarantineReason],
            ["Quarantine", "TooManyDeletes"],
        );

        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.preview([spec])), ["update resume"]);
        assert.strictEqual(emu.requests.length, 0);
        assert.deepStrictEqual(summary(await stack.up([spec])), ["update resume"]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
        assert.deepStrictEqual([stack.outputs("resume").status, stack.outputs("resume").startCount], ["Active", 2]);

        // Without ensureActive, a paused job found by refresh is reported, not corrected.
        emu.setJobState(emu.seed.servicePrincipalId, emu.seed.quarantinedJobId, "Paused");
        await stack.refresh();
        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.up([resume({}, emu.seed.quarantinedJobId)])), ["update resume"]);
        assert.deepStrictEqual(emu.graphCalls(), []);
        assert.strictEqual(stack.outputs("resume").status, "Paused");
    });

    it("an unknown trigger in preview is reported as a change, without a call", async () => {
        await stack.up([resume()]);
        emu.clearLog();
        const spec = { ...resume(), triggersFromUpstream: true };
        assert.deepStrictEqual(summary(await stack.preview([spec])), ["update resume"]);
        assert.strictEqual(emu.requests.length, 0);
    });

    it("refresh of a deleted job removes it from state; delete pauses under onDelete pause, and tolerates a missing job", async () => {
        await stack.up([resume({ onDelete: "pause" })]);
        // destroy is its own deployment, on its own provider host.
        stack = await stack.restart();
        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.destroy()), ["delete resume"]);
        assert.deepStrictEqual(emu.graphCalls(), ["POST pause"]);
        assert.strictEqual(emu.job(emu.seed.servicePrincipalId, emu.seed.pausedJobId)!.statusCode, "Paused");

        await stack.up([resume({ onDelete: "pause", triggers: 2 })]);
        emu.deleteJob(emu.seed.servicePrincipalId, emu.seed.pausedJobId);
        emu.clearLog();
        const gone = await stack.refresh();
        assert.deepStrictEqual(summary(gone), ["removed resume"], JSON.stringify(gone));
        // Gone only once the service principal is found without the job (tests/engine/refresh-replace.test.ts).
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "GET getServicePrincipal", "GET listJobs"]);
        assert.deepStrictEqual(Object.keys(stack.engine.resources), []);

        await stack.up([resume({ onDelete: "pause" }, emu.seed.quarantinedJobId)]);
        emu.deleteJob(emu.seed.servicePrincipalId, emu.seed.quarantinedJobId);
        stack = await stack.restart();
        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.destroy()), ["delete resume"]);
        assert.deepStrictEqual(emu.graphCalls(), ["POST pause"]);
    });

    it("a secret triggers value stays secret in state; neither it nor the client secret is in __provider or host output", async () => {
        const spec = { ...resume({ triggers: { secret: "s3cr3t-trigger-value" } }), secretTriggers: true };
        await stack.up([spec]);
        const r = Object.values(stack.engine.resources)[0];
        // The provider's part: it returns the value under the input's own name (the engine's rule then
        // keeps that output secret) and copies it into no other output, which would be stored in clear.
        const outputs = stack.outputs("resume");
        assert.deepStrictEqual(outputs.triggers, { secret: "s3cr3t-trigger-value" });
        assert.deepStrictEqual(
            Object.keys(outputs).filter((k) => k !== "triggers" && JSON.stringify(outputs[k]).includes("s3cr3t-trigger-value")),
            [],
        );
        assert.deepStrictEqual(r.secretOutputs, ["triggers"]);
        const checkpoint = stack.engine.checkpoint();
        assert.ok(!checkpoint.includes("s3cr3t-trigger-value"), "the secret trigger must be encrypted in state");
        assert.ok(checkpoint.includes(SECRET_SIG));
        assert.ok(!checkpoint.includes(emu.clientSecret));
        assert.strictEqual(typeof r.inputs.__provider, "string", "__provider must not be a secret (nothing secret captured)");
        assert.ok(!stack.host.output.includes(emu.clientSecret));
    });
});
