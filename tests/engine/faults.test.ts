/**
 * Faults, bad input and secrets, through the real provider host: each run either succeeds or fails
 * with a clear error, in bounded time, with the job started exactly once per trigger change.
 */
import * as assert from "assert";
import * as fc from "fast-check";
import { TOKEN_RETRY } from "../../provider/auth/credential";
import { Emulator } from "../../emulator";
import { ResourceSpec, Stack, summary } from "../../harness";
import { startTestStack } from "../support/testStack";
import { checkFaultsUsed, maxReadsWhileWaiting, startTestEmulator } from "../support/testEnv";

describe("engine protocol: faults, bad input and secrets", function () {
    this.timeout(180_000);
    let emu: Emulator;
    let stack: Stack | undefined;
    beforeEach(async () => (emu = await startTestEmulator()));
    checkFaultsUsed(() => emu);
    afterEach(async () => {
        await stack?.stop();
        stack = undefined;
        await emu.close();
    });

    it("50 resources created concurrently: all succeed, one token request, each job started once", async () => {
        stack = await startTestStack(emu);
        const specs: ResourceSpec[] = Array.from({ length: 50 }, (_, i) => ({
            name: `job${i}`,
            args: {
                servicePrincipalId: emu.seed.servicePrincipalId,
                jobId: emu.addJob(emu.seed.servicePrincipalId, { state: i % 2 ? "Paused" : "Quarantine" }).id,
                triggers: { i },
            },
        }));
        const steps = await stack.up(specs);
        assert.deepStrictEqual(
            steps.filter((s) => !s.ok),
            [],
        );
        assert.strictEqual(steps.length, 50);
        assert.strictEqual(emu.count({ kind: "token" }), 1);
        assert.strictEqual(emu.count({ kind: "start" }), 50);
        assert.strictEqual(emu.count({ kind: "getJob" }), 100);
        for (const s of specs) assert.strictEqual(emu.job(emu.seed.servicePrincipalId, s.args.jobId as string)!.starts, 1);
        emu.clearLog();
        assert.deepStrictEqual(new Set(summary(await stack.up(specs)).map((s) => s.split(" ")[0])), new Set(["same"]));
        assert.strictEqual(emu.requests.length, 0);
    });

    it("waitFor active, quarantined again: a partial failure records the start; the next up does not start again", async () => {
        stack = await startTestStack(emu);
        const job = emu.addJob(emu.seed.servicePrincipalId, {
            state: "Quarantine",
            afterStart: { kind: "requarantine", ms: 100, reason: "TooManyDeletes" },
        });
        const spec: ResourceSpec = {
            name: "resume",
            args: {
                servicePrincipalId: emu.seed.servicePrincipalId,
                jobId: job.id,
                triggers: { v: 1 },
                waitFor: "active",
                waitTimeoutSeconds: 10,
            },
        };
        const [step] = await stack.up([spec]);
        assert.strictEqual(step.ok, false);
        assert.match(
            step.error!,
            /job was started, then: wait for job failed: \/v1\.0\/servicePrincipals\/\S+ is in quarantine again after the start \(reason TooManyDeletes\)/,
        );
        const outs = stack.outputs("resume");
        assert.deepStrictEqual([outs.lastAction, outs.startCount, outs.triggers], ["started", 1, { v: 1 }]);
        assert.strictEqual(job.starts, 1);

        emu.clearLog();
        // The real engine updates a resource with initErrors although nothing changed (tests/e2e/partial.test.ts): no call.
        assert.deepStrictEqual(summary(await stack.up([spec])), ["update resume"]);
        assert.strictEqual(emu.requests.length, 0);
        assert.strictEqual(job.starts, 1);
    });

    it("never active within waitTimeoutSeconds: fails in bounded time, start recorded", async () => {
        stack = await startTestStack(emu);
        const job = emu.addJob(emu.seed.servicePrincipalId, { state: "Paused", afterStart: { kind: "stuck" } });
        const [step] = await stack.up([
            {
                name: "resume",
                args: { servicePrincipalId: emu.seed.servicePrincipalId, jobId: job.id, waitFor: "active", waitTimeoutSeconds: 1 },
            },
        ]);
        // Bounded by count, not by time: polls at least POLL_SECONDS apart for 1 s, then the error.
        assert.ok(emu.count({ kind: "getJob" }) <= maxReadsWhileWaiting(1), `${emu.count({ kind: "getJob" })} reads`);
        assert.match(step.error!, /did not become Active within 1s \(last status NotRun\/Active\)\. Raise waitTimeoutSeconds/);
        assert.strictEqual(stack.outputs("resume").startCount, 1);
    });

    it("a job deleted between runs: refresh removes it; up then fails with the jobs that do exist", async () => {
        stack = await startTestStack(emu);
        const spec: ResourceSpec = {
            name: "resume",
            args: { servicePrincipalId: emu.seed.servicePrincipalId, jobId: emu.seed.pausedJobId },
        };
        await stack.up([spec]);
        emu.deleteJob(emu.seed.servicePrincipalId, emu.seed.pausedJobId);
        assert.deepStrictEqual(summary(await stack.refresh()), ["removed resume"]);
        const [step] = await stack.up([spec]);
        assert.strictEqual(step.ok, false);
        assert.ok(
            step.error!.includes(
                `Job ${emu.seed.pausedJobId} does not exist on service principal ${emu.seed.servicePrincipalId}. Jobs that do: ${emu.seed.quarantinedJobId} (Quarantine). Use one of these as jobId.`,
            ),
            step.error,
        );
    });

    it("the token endpoint failing once is survived; failing for good is a clear, bounded error", async () => {
        stack = await startTestStack(emu);
        emu.inject({ fault: { kind: "status", status: 503, retryAfterSeconds: 0 }, routes: ["token"], times: 1 });
        const spec = (jobId: string): ResourceSpec => ({
            name: "resume",
            args: { servicePrincipalId: emu.seed.servicePrincipalId, jobId },
        });
        const [ok] = await stack.up([spec(emu.seed.pausedJobId)]);
        // @azure/identity's own pipeline retries the token request.
        assert.ok(ok.ok, ok.error);
        assert.deepStrictEqual(
            emu.filter({ kind: "token" }).map((r) => r.status),
            [503, 200],
        );
        assert.strictEqual(emu.job(emu.seed.servicePrincipalId, emu.seed.pausedJobId)!.starts, 1);

        await stack.stop();
        stack = await startTestStack(emu);
        emu.inject({ fault: { kind: "status", status: 500 }, routes: ["token"] });
        const [failed] = await stack.up([spec(emu.seed.quarantinedJobId)]);
        // Bounded by count, not by time: the first request and @azure/identity's own retries, then the error.
        assert.deepStrictEqual(
            emu.filter({ kind: "token" }).map((r) => r.status),
            [503, 200, ...Array<number>(1 + TOKEN_RETRY.maxRetries).fill(500)],
        );
        assert.strictEqual(failed.ok, false);
        assert.match(
            failed.error!,
            /^get token failed with DefaultAzureCredential \(AZURE_\* variables, workload identity, managed identity or az login; no azuread:\* or ARM_\* client credentials were found\)/,
        );
        assert.strictEqual(emu.count({ kind: "start" }), 1);
    });

    it("configure races: stack config is in place for concurrent first calls (the host caches the provider before configure resolves)", async () => {
        // The environment names the unprivileged client; the stack config names the permitted one and must win.
        stack = await startTestStack(emu, {
            env: { AZURE_CLIENT_ID: emu.unprivilegedClient.clientId, AZURE_CLIENT_SECRET: emu.unprivilegedClient.clientSecret },
            config: { "azuread:tenantId": emu.tenantId, "azuread:clientId": emu.clientId, "azuread:clientSecret": emu.clientSecret },
            secretConfig: ["azuread:clientSecret"],
        });
        const jobs = Array.from({ length: 10 }, () => emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" }).id);
        const program = await stack.program(
            jobs.map((jobId, i) => ({ name: `r${i}`, args: { servicePrincipalId: emu.seed.servicePrincipalId, jobId } })),
            "up",
        );
        const urn = (name: string) => stack!.engine.urn(program.resources[0].type, name);
        // No check first: ten creates are the host's very first calls, all at once.
        const results = await Promise.all(
            program.resources.map((r) =>
                stack!.host.create(urn(r.name), {
                    ...r.inputs,
                    startPolicy: "ifNotActive",
                    waitFor: "none",
                    waitTimeoutSeconds: 300,
                    ensureActive: false,
                    onDelete: "none",
                    apiVersion: "v1.0",
                }),
            ),
        );
        assert.deepStrictEqual(
            results.map((r) => r.outputs.lastAction),
            Array(10).fill("started"),
        );
        assert.deepStrictEqual(
            emu.filter({ kind: "token" }).map((t) => t.clientId),
            [emu.clientId],
        );
    });

    it("random bad jobId / servicePrincipalId / endpoints are check failures, and no request reaches the emulator", async () => {
        stack = await startTestStack(emu);
        const program = await stack.program(
            [{ name: "r", args: { servicePrincipalId: emu.seed.servicePrincipalId, jobId: emu.seed.pausedJobId } }],
            "up",
        );
        const provider = program.resources[0].inputs.__provider;
        const urn = stack.engine.urn(program.resources[0].type, "r");
        const badJobId = fc.oneof(
            fc.constantFrom(
                "..",
                ".",
                "a/b",
                "../../../applications",
                "a%2Fb",
                "job id",
                "",
                " ",
                "jöb",
                "a?x=1",
                "a#b",
                "a\\b",
                "x".repeat(300),
                "$batch",
            ),
            fc.string({ minLength: 1 }).filter((s) => !/^[A-Za-z0-9._-]+$/.test(s)),
        );
        await fc.assert(
            fc.asyncProperty(badJobId, async (jobId) => {
                const r = await stack!.host.check(
                    urn,
                    {},
                    { __provider: provider, servicePrincipalId: emu.seed.servicePrincipalId, jobId },
                );
                return r.failures.length === 1 && r.failures[0].property === "jobId";
            }),
            { numRuns: 60 },
        );
        await fc.assert(
            fc.asyncProperty(
                fc.string().filter((s) => !/^[0-9a-f-]{36}$/i.test(s)),
                async (servicePrincipalId) => {
                    const r = await stack!.host.check(urn, {}, { __provider: provider, servicePrincipalId, jobId: "scim.1" });
                    return r.failures.map((f) => f.property).join() === "servicePrincipalId";
                },
            ),
            { numRuns: 40 },
        );
        for (const graphEndpoint of [
            "http://127.0.0.1:1",
            "https://user:pass@graph.example",
            "graph.microsoft.com",
            "https://graph.example/v1.0?x=1",
        ]) {
            const r = await stack.host.check(
                urn,
                {},
                { __provider: provider, servicePrincipalId: emu.seed.servicePrincipalId, jobId: "scim.1", graphEndpoint },
            );
            assert.deepStrictEqual(
                r.failures.map((f) => f.property),
                ["graphEndpoint"],
                graphEndpoint,
            );
            assert.ok(!r.failures[0].reason.includes("pass"), "credentials in a URL are not echoed");
        }
        const steps = await stack.engine.up({
            resources: [{ ...program.resources[0], inputs: { ...program.resources[0].inputs, jobId: "../../applications" } }],
        });
        assert.deepStrictEqual(
            steps.map((s) => s.failures?.map((f) => f.property)),
            [["jobId"]],
        );
        assert.strictEqual(emu.requests.length, 0, "nothing reached the emulator");
    });

    it("no secret anywhere: not the client secret, a bearer token or a secret trigger, in __provider, state, errors or host output", async () => {
        const secretTrigger = "trigger-secret-9f8e7d";
        stack = await startTestStack(emu, {
            config: { "azuread:tenantId": emu.tenantId, "azuread:clientId": emu.clientId, "azuread:clientSecret": emu.clientSecret },
            secretConfig: ["azuread:clientSecret"],
        });
        const ok: ResourceSpec = {
            name: "ok",
            args: { servicePrincipalId: emu.seed.servicePrincipalId, jobId: emu.seed.pausedJobId, triggers: { t: secretTrigger } },
            secretTriggers: true,
        };
        const missing: ResourceSpec = { name: "missing", args: { servicePrincipalId: emu.seed.servicePrincipalId, jobId: "scim.missing" } };
        const program = await stack.program([ok, missing], "up");
        const steps = await stack.engine.up(program);
        assert.deepStrictEqual(steps.map((s) => `${s.name} ${s.ok}`).sort(), ["missing false", "ok true"]);
        // Refused even after a fresh token (a revoked token alone is now survived with one refresh).
        emu.inject({ fault: { kind: "unauthorized" }, routes: ["getJob"] });
        const [unauthorized] = await stack.up([ok, missing]).then((s) => s.filter((x) => x.name === "missing"));
        const tokens = emu.requests.filter((r) => r.kind === "token").length;
        // One token for the first run; in the second, the 401 drops it and one fresh token is refused too.
        assert.strictEqual(tokens, 2);
        assert.deepStrictEqual(
            emu
                .filter({ kind: "getJob" })
                .map((r) => r.status)
                .slice(-2),
            [401, 401],
        );

        const haystack = [
            ...program.resources.map((r) => String(r.inputs.__provider)),
            stack.engine.checkpoint(),
            stack.host.output,
            ...steps.map((s) => s.error ?? ""),
            unauthorized.error ?? "",
        ].join("\n");
        for (const needle of [emu.clientSecret, secretTrigger, ...emu.issuedTokens()]) {
            assert.ok(!haystack.includes(needle), `found a secret (${needle.slice(0, 6)}…)`);
        }
        // The same check must be able to fail: the trigger is in the program's (secret-wrapped) inputs.
        assert.ok(JSON.stringify(program).includes(secretTrigger));
        assert.match(
            unauthorized.error!,
            /-> 401 InvalidAuthenticationToken .*Graph refused the token from ClientSecretCredential \(client \S+ from azuread:clientId, secret from azuread:clientSecret/,
        );
    });
});
