/**
 * What the emulator models of a start's and a restart's consequences (notes: "Safety facts"),
 * through the real @azure/identity and Graph client: held deletions, staged inbound uploads, read
 * lag, a new job's sentinels, the OwnedBy ownership rule, the throttle-percentage header, and the
 * faults that answer another job or an oversized body.
 */
import * as assert from "assert";
import { Client, ResponseType } from "@microsoft/microsoft-graph-client";
import { Emulator, NEVER_INTERVAL, SENTINEL_TIME } from "../../emulator";
import { startTestEmulator } from "../support/testEnv";
import { graphClient, graphError } from "../support/graphClient";

describe("emulator: what a start or restart does to a tenant", function () {
    this.timeout(30_000);
    let emu: Emulator;
    let g: Client;
    beforeEach(async () => {
        emu = await startTestEmulator();
        g = graphClient(emu);
    });
    afterEach(async () => emu.close());

    const sp = () => emu.seed.servicePrincipalId;
    const jobPath = (jobId: string) => `/servicePrincipals/${sp()}/synchronization/jobs/${jobId}`;
    const restart = (jobId: string, resetScope: string) => g.api(`${jobPath(jobId)}/restart`).post({ criteria: { resetScope } });

    it("held deletions: quarantined with TooManyDeletes and the threshold in the settings; a plain restart releases none, ForceDeletes releases them", async () => {
        const job = emu.addJob(sp(), { state: "Active", deleteThreshold: 1000, heldDeletions: 1200 });
        const read = await g.api(jobPath(job.id)).get();
        assert.deepStrictEqual(
            [read.status.code, read.status.quarantine.reason, read.synchronizationJobSettings],
            ["Quarantine", "TooManyDeletes", [{ name: "QuarantineTooManyDeletesThreshold", value: "1000" }]],
        );
        await restart(job.id, "Watermark, Escrows, QuarantineState");
        assert.deepStrictEqual(
            [job.statusCode, job.quarantine?.reason, job.deletions],
            ["Quarantine", "TooManyDeletes", { threshold: 1000, held: 1200, released: 0 }],
        );
        await restart(job.id, "ForceDeletes");
        assert.deepStrictEqual(
            [job.statusCode, job.quarantine, job.deletions],
            ["Active", undefined, { threshold: 1000, held: 0, released: 1200 }],
        );
        assert.strictEqual(job.restarts, 2);
    });

    it("held deletions: a start performs them; after the cause is fixed a restart releases none; a job without the setting shows none", async () => {
        const started = emu.addJob(sp(), { heldDeletions: 40 });
        await g.api(`${jobPath(started.id)}/start`).post(undefined);
        assert.deepStrictEqual([started.statusCode, started.deletions.released, started.deletions.held], ["Active", 40, 0]);

        const fixed = emu.addJob(sp(), { deleteThreshold: null });
        emu.holdDeletions(sp(), fixed.id, 700);
        emu.fixDeletionCause(sp(), fixed.id);
        assert.strictEqual(emu.job(sp(), fixed.id)!.quarantine?.reason, "TooManyDeletes");
        await restart(fixed.id, "Watermark, Escrows, QuarantineState");
        assert.deepStrictEqual([fixed.statusCode, fixed.deletions.released], ["Active", 0]);
        assert.deepStrictEqual((await g.api(jobPath(fixed.id)).get()).synchronizationJobSettings, []);
    });

    it("inbound (API2AAD): bulkUpload stages SCIM requests; a restart of the paused job purges them, a running job's run processes them", async () => {
        const paused = emu.addJob(sp(), { templateId: "API2AAD", state: "Paused" });
        assert.match(paused.id, /^API2AAD\./);
        const bulk = {
            schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
            Operations: [{ method: "POST" }, { method: "POST" }],
        };
        const upload = (jobId: string) =>
            g
                .api(`${jobPath(jobId)}/bulkUpload`)
                .header("Content-Type", "application/scim+json")
                .responseType(ResponseType.RAW)
                .post(JSON.stringify(bulk));
        assert.strictEqual(((await upload(paused.id)) as Response).status, 202);
        assert.deepStrictEqual(paused.uploads, { staged: 2, processed: 0, purged: 0 });
        await restart(paused.id, "Watermark, Escrows, QuarantineState");
        assert.deepStrictEqual(paused.uploads, { staged: 0, processed: 0, purged: 2 });

        const running = emu.addJob(sp(), { templateId: "API2AAD", state: "Active", stagedUploads: 3 });
        await restart(running.id, "Watermark");
        assert.deepStrictEqual(running.uploads, { staged: 0, processed: 3, purged: 0 });

        const notInbound = (await upload(emu.seed.pausedJobId)) as Response;
        assert.deepStrictEqual(
            [notInbound.status, ((await notInbound.json()) as { error: { code: string } }).error.code],
            [400, "BadRequest"],
        );
    });

    it("read lag: after a start, the next reads show the job as it was before", async () => {
        const job = emu.addJob(sp(), { state: "Paused", readLag: { reads: 2 } });
        await g.api(`${jobPath(job.id)}/start`).post(undefined);
        const seen = [];
        for (let i = 0; i < 3; i++) {
            const read = await g.api(jobPath(job.id)).get();
            seen.push(`${read.status.code}/${read.schedule.state}`);
        }
        assert.deepStrictEqual(seen, ["Paused/Paused", "Paused/Paused", "Active/Active"]);
        assert.strictEqual(job.starts, 1);
    });

    it("a new job carries Graph's sentinels: no-date times, the never interval, a quarantine of empty strings", async () => {
        const created = await g.api(`/servicePrincipals/${sp()}/synchronization/jobs`).post({ templateId: "scim" });
        const read = await g.api(jobPath(created.id)).get();
        assert.strictEqual(read.schedule.interval, NEVER_INTERVAL);
        assert.deepStrictEqual(read.status.quarantine, {
            currentBegan: SENTINEL_TIME,
            nextAttempt: SENTINEL_TIME,
            reason: "",
            seriesBegan: SENTINEL_TIME,
            seriesCount: 0,
            error: { code: "", message: "", tenantActionable: false },
        });
        assert.deepStrictEqual([read.status.lastExecution.timeBegan, read.status.lastExecution.state], [SENTINEL_TIME, ""]);
        assert.strictEqual(read.status.steadyStateLastAchievedTime, SENTINEL_TIME);
    });

    it("Application.ReadWrite.OwnedBy: 401 UnknownError with an empty message on a service principal it does not own; 200 once it owns it", async () => {
        const owned = emu.addClient({ ownedBy: true, displayName: "owned-by" });
        const client = graphClient(emu, owned.clientId, owned.secret);
        const refused = await graphError(client.api(jobPath(emu.seed.pausedJobId)).get());
        assert.deepStrictEqual([refused.statusCode, refused.code, refused.message], [401, "UnknownError", ""]);
        assert.match(refused.requestId ?? "", /^[0-9a-f-]{36}$/);
        emu.addOwner(sp(), owned.clientId);
        assert.strictEqual((await client.api(jobPath(emu.seed.pausedJobId)).get()).id, emu.seed.pausedJobId);
        assert.deepStrictEqual(
            emu.filter({ kind: "getJob" }).map((entry) => entry.status),
            [401, 200],
        );
    });

    it("x-ms-throttle-limit-percentage: sent once a caller has spent 80% of its budget, and by the throttleWarning fault", async () => {
        emu.throttleLikeEntra({ unitsPerWindow: 10, windowSeconds: 3600 });
        const percentages: (string | null)[] = [];
        for (let i = 0; i < 10; i++) {
            const response = (await g.api(jobPath(emu.seed.pausedJobId)).responseType(ResponseType.RAW).get()) as Response;
            percentages.push(response.headers.get("x-ms-throttle-limit-percentage"));
        }
        assert.deepStrictEqual(percentages, [null, null, null, null, null, null, null, "0.80", "0.90", "1.00"]);

        emu.clearFaults();
        emu.inject({ fault: { kind: "throttleWarning", percentage: 1.2 }, routes: ["start"], times: 1 });
        const started = (await g
            .api(`${jobPath(emu.seed.pausedJobId)}/start`)
            .responseType(ResponseType.RAW)
            .post(undefined)) as Response;
        assert.deepStrictEqual([started.status, started.headers.get("x-ms-throttle-limit-percentage")], [204, "1.2"]);
        assert.strictEqual(emu.job(sp(), emu.seed.pausedJobId)!.starts, 1, "the request was handled");
    });

    it("faults otherJob and oversized: a 200 with another job's JSON, a 200 with a body of the given size", async () => {
        emu.inject({ fault: { kind: "otherJob" }, routes: ["getJob"], times: 1 });
        const other = await g.api(jobPath(emu.seed.pausedJobId)).get();
        assert.notStrictEqual(other.id, emu.seed.pausedJobId);
        assert.deepStrictEqual([other.status.code, other.schedule.state], ["Active", "Active"]);

        emu.inject({ fault: { kind: "oversized", bytes: 3 * 1024 * 1024 }, routes: ["getJob"], times: 1 });
        const response = (await g.api(jobPath(emu.seed.pausedJobId)).responseType(ResponseType.RAW).get()) as Response;
        const text = await response.text();
        assert.strictEqual(Buffer.byteLength(text), 3 * 1024 * 1024);
        assert.strictEqual(JSON.parse(text).id, "padded");
        assert.deepStrictEqual(
            emu.filter({ kind: "getJob" }).map((entry) => [entry.status, entry.fault]),
            [
                [200, "otherJob"],
                [200, "oversized"],
            ],
        );
    });
});
