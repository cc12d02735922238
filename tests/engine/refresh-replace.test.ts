/**
 * Through the real provider host: a refresh drops a resource only when Graph confirms the job is
 * gone; azuread 6's id forms are accepted; a rename (create new, then delete old, one host) never
 * leaves the job paused.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { setTimeout as sleep } from "timers/promises";
import { Emulator } from "../../emulator";
import { ResourceSpec, Stack, summary } from "../../harness";
import { freshStackPerTest, startTestStack } from "../support/testStack";
import { checkFaultsUsed, receivedAttempts, startTestEmulator } from "../support/testEnv";

describe("refresh keeps state on a doubt; azuread 6 id forms; a rename does not pause", function () {
    this.timeout(120_000);
    let emu: Emulator;
    let stack: Stack;
    const others: Emulator[] = [];
    freshStackPerTest(
        (e, s) => {
            emu = e;
            stack = s;
        },
        () => stack,
    );
    checkFaultsUsed(() => others);
    afterEach(async () => {
        await Promise.all(others.splice(0).map((other) => other.close()));
    });

    const spec = (name = "resume", extra: Record<string, unknown> = {}): ResourceSpec => ({
        name,
        args: { servicePrincipalId: emu.seed.servicePrincipalId, jobId: emu.seed.pausedJobId, triggers: 1, ...extra },
    });

    /** The same state on a new provider host whose environment points elsewhere (as a second `pulumi refresh`). */
    async function reopen(target: Emulator, env: NodeJS.ProcessEnv = {}): Promise<void> {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "entra-sync-state-")), "state.json");
        stack.engine.save(file);
        await stack.stop();
        stack = await startTestStack(target, { env });
        stack.engine.load(file);
    }

    const state = () => JSON.stringify(stack.engine.resources);

    it("a deleted job leaves state only after its service principal answers 200 without it (3 GETs)", async () => {
        await stack.up([spec()]);
        emu.deleteJob(emu.seed.servicePrincipalId, emu.seed.pausedJobId);
        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.refresh()), ["removed resume"]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "GET getServicePrincipal", "GET listJobs"]);
        assert.deepStrictEqual(stack.engine.resources, {});
    });

    it("an identity that may not read service principals (403) still confirms the deletion by the job list", async () => {
        await stack.up([spec()]);
        emu.deleteJob(emu.seed.servicePrincipalId, emu.seed.pausedJobId);
        emu.inject({ fault: { kind: "status", status: 403, code: "Authorization_RequestDenied" }, routes: ["getServicePrincipal"] });
        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.refresh()), ["removed resume"]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "GET getServicePrincipal", "GET listJobs"]);
    });

    it("another tenant (an emulator's variables sourced by mistake): the service principal is not found either; refresh fails, state unchanged", async () => {
        await stack.up([spec()]);
        const before = state();
        const other = await startTestEmulator({ seed: "another-tenant" });
        others.push(other);
        await reopen(other);
        const steps = await stack.refresh();
        assert.deepStrictEqual(summary(steps), ["refresh resume FAILED"]);
        const sp = emu.seed.servicePrincipalId;
        assert.strictEqual(
            steps[0].error,
            `refresh failed: job ${emu.seed.pausedJobId} answered 404 and service principal ${sp} was not found either at ${other.graphEndpoint} (tenant ${other.tenantId}): ` +
                "wrong tenant or credentials (ARM_TENANT_ID, azuread:tenantId, an emulator's variables still set)? " +
                "The resource is kept in state. If you deleted it on purpose, remove the resource from the program or run `pulumi state delete`.",
        );
        assert.deepStrictEqual(other.graphCalls(), ["GET getJob", "GET getServicePrincipal"]);
        assert.strictEqual(state(), before);
    });

    it("403 on the job, or no answer at all: refresh fails with the cause, state unchanged", async () => {
        // A refresh is bounded by the timeoutSeconds in state (the input), here 1 s.
        await stack.up([spec("resume", { timeoutSeconds: 1 })]);
        const before = state();
        await reopen(emu, { AZURE_CLIENT_ID: emu.unprivilegedClient.clientId, AZURE_CLIENT_SECRET: emu.unprivilegedClient.clientSecret });
        emu.clearLog();
        let steps = await stack.refresh();
        assert.deepStrictEqual(summary(steps), ["refresh resume FAILED"]);
        assert.match(steps[0].error!, /^refresh job failed: GET \/v1\.0\/servicePrincipals\/[^ ]+ -> 403 Authorization_RequestDenied/);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob"]);
        assert.strictEqual(state(), before);

        await reopen(emu);
        emu.inject({ fault: { kind: "reset" }, routes: ["getJob"] });
        emu.clearLog();
        steps = await stack.refresh();
        assert.deepStrictEqual(summary(steps), ["refresh resume FAILED"]);
        assert.match(steps[0].error!, /^refresh job failed: GET \/v1\.0\/servicePrincipals\/[^ ]+ -> no response/);
        // Bounded by the 1 s timeoutSeconds in state, counted: the error names it, and every attempt it counts reached Graph.
        assert.match(steps[0].error!, /No time was left within the 1 s timeoutSeconds/);
        assert.ok(
            receivedAttempts(emu.count({ kind: "getJob" }), steps[0].error!),
            `${emu.count({ kind: "getJob" })} reads: ${steps[0].error}`,
        );
        assert.strictEqual(emu.count({ kind: "getServicePrincipal" }), 0);
        assert.strictEqual(state(), before);
    });

    it("accepts azuread 6's /servicePrincipals/{guid} and job id forms (any case), stores the GUID; a different GUID is a check failure", async () => {
        const sp = emu.seed.servicePrincipalId;
        const azureadSp = `/servicePrincipals/${sp}`;
        const azureadJob = `/servicePrincipals/${sp.toUpperCase()}/synchronization/jobs/${emu.seed.pausedJobId}`;
        assert.deepStrictEqual(summary(await stack.up([spec("resume", { servicePrincipalId: azureadSp, jobId: azureadJob })])), [
            "create resume",
        ]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
        const r = Object.values(stack.engine.resources)[0];
        assert.strictEqual(r.id, `${sp}/${emu.seed.pausedJobId}`);
        assert.deepStrictEqual([r.outputs.servicePrincipalId, r.outputs.jobId], [sp, emu.seed.pausedJobId]);
        // The same job written the other way is no change.
        assert.deepStrictEqual(summary(await stack.up([spec("resume")])), ["same resume"]);

        const other = "00000000-0000-4000-8000-000000000001";
        const steps = await stack.up([spec("resume", { servicePrincipalId: `/servicePrincipals/${other}`, jobId: azureadJob })]);
        assert.deepStrictEqual(steps[0].failures, [
            {
                property: "jobId",
                reason: `belongs to service principal ${sp.toUpperCase()}, but servicePrincipalId is ${other}; pass the same service principal to both`,
            },
        ]);
    });

    it("a rename under onDelete pause (create new, then delete old, one host) leaves the job running; the next deployment's delete pauses", async () => {
        await stack.up([spec("old", { onDelete: "pause" })]);
        emu.clearLog();
        const steps = await stack.up([spec("new", { onDelete: "pause", startPolicy: "always" })]);
        assert.deepStrictEqual(summary(steps), ["create new", "delete old"]);
        assert.deepStrictEqual(emu.graphCalls(), ["POST start", "GET getJob"]);
        const job = emu.job(emu.seed.servicePrincipalId, emu.seed.pausedJobId)!;
        assert.strictEqual(job.statusCode, "Active");
        assert.strictEqual(job.starts, 2);
        // The host's stderr is a pipe: the line may arrive just after the delete's answer.
        const said = /delete of [^ ]+ did not pause job [^ ]+: another SyncJobStart created, started or updated it/;
        for (let i = 0; i < 100 && !said.test(stack.host.output); i++) await sleep(20);
        assert.match(stack.host.output, said);

        stack = await stack.restart();
        emu.clearLog();
        assert.deepStrictEqual(summary(await stack.destroy()), ["delete new"]);
        assert.deepStrictEqual(emu.graphCalls(), ["POST pause"]);
        assert.strictEqual(job.statusCode, "Paused");
    });
});
