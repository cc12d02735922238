import * as assert from "assert";
import { ClientCertificateCredential, ClientAssertionCredential, ClientSecretCredential } from "@azure/identity";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Emulator, FaultRule, generateClientCertificate } from "../../emulator";
import { checkFaultsUsed, startTestEmulator } from "../support/testEnv";
import { graphClient, graphError } from "../support/graphClient";

describe("emulator (real @azure/identity and Graph client over HTTPS)", function () {
    let emu: Emulator;
    beforeEach(async () => (emu = await startTestEmulator()));
    checkFaultsUsed(() => emu);
    afterEach(async () => emu.close());

    it("serves openid-configuration and client-credential tokens to ClientSecretCredential", async () => {
        const credential = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
            authorityHost: emu.authorityHost,
            disableInstanceDiscovery: true,
        });
        const token = await credential.getToken(`${emu.graphEndpoint}/.default`);
        assert.ok(token.token.split(".").length === 3);
        assert.deepStrictEqual(
            emu.requests.map((r) => `${r.method} ${r.kind} ${r.status}`),
            ["GET openid 200", "POST token 200"],
        );
    });

    it("a malformed percent-encoding in a path is a 404, not a crash: the server keeps answering", async () => {
        const client = graphClient(emu);
        const error = await graphError(client.api("/servicePrincipals/%E0%A4%A/synchronization/jobs/x").get());
        assert.deepStrictEqual([error.statusCode, error.code], [404, "Request_ResourceNotFound"]);
        const job = await client
            .api(`/servicePrincipals/${emu.seed.servicePrincipalId}/synchronization/jobs/${emu.seed.pausedJobId}`)
            .get();
        assert.strictEqual(job.id, emu.seed.pausedJobId);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "GET getJob"]);
    });

    it("refuses a wrong secret with an AADSTS error the credential reports", async () => {
        const credential = new ClientSecretCredential(emu.tenantId, emu.clientId, "wrong-secret", {
            authorityHost: emu.authorityHost,
            disableInstanceDiscovery: true,
        });
        await assert.rejects(credential.getToken(`${emu.graphEndpoint}/.default`), /AADSTS7000215/);
        const unknown = new ClientSecretCredential(emu.tenantId, "00000000-0000-4000-8000-000000000000", "x", {
            authorityHost: emu.authorityHost,
            disableInstanceDiscovery: true,
        });
        await assert.rejects(unknown.getToken(`${emu.graphEndpoint}/.default`), /AADSTS700016/);
    });

    it("accepts a certificate assertion (ClientCertificateCredential) and a federated token (ClientAssertionCredential)", async () => {
        const cert = generateClientCertificate("cert-client");
        const certClient = emu.addClient({ certificatePem: cert.certPem });
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cert-")), "client.pem");
        fs.writeFileSync(file, cert.pem);
        const c1 = new ClientCertificateCredential(
            emu.tenantId,
            certClient.clientId,
            { certificatePath: file },
            { authorityHost: emu.authorityHost, disableInstanceDiscovery: true },
        );
        assert.ok((await c1.getToken(`${emu.graphEndpoint}/.default`)).token);
        const fed = emu.addClient({ federatedToken: "github-oidc-token" });
        const c2 = new ClientAssertionCredential(emu.tenantId, fed.clientId, async () => "github-oidc-token", {
            authorityHost: emu.authorityHost,
            disableInstanceDiscovery: true,
        });
        assert.ok((await c2.getToken(`${emu.graphEndpoint}/.default`)).token);
        const c3 = new ClientAssertionCredential(emu.tenantId, fed.clientId, async () => "forged", {
            authorityHost: emu.authorityHost,
            disableInstanceDiscovery: true,
        });
        await assert.rejects(c3.getToken(`${emu.graphEndpoint}/.default`), /AADSTS700027/);
    });

    it("lists, reads, starts and pauses jobs in v1.0 and beta, with the state machine", async () => {
        const g = graphClient(emu);
        const { servicePrincipalId: sp, pausedJobId, quarantinedJobId } = emu.seed;
        const list = await g.api(`/servicePrincipals/${sp}/synchronization/jobs`).get();
        assert.deepStrictEqual(
            list.value.map((j: any) => [j.id, j.status.code, j.schedule.state]).sort(),
            [
                [pausedJobId, "Paused", "Paused"],
                [quarantinedJobId, "Quarantine", "Active"],
            ].sort(),
        );
        const q = await g.api(`/servicePrincipals/${sp}/synchronization/jobs/${quarantinedJobId}`).version("beta").get();
        assert.strictEqual(q.status.quarantine.reason, "EncounteredQuarantineException");
        assert.strictEqual(
            await g.api(`/servicePrincipals/${sp}/synchronization/jobs/${quarantinedJobId}/start`).post(undefined),
            undefined,
        );
        const after = await g.api(`/servicePrincipals/${sp}/synchronization/jobs/${quarantinedJobId}`).get();
        assert.deepStrictEqual([after.status.code, after.schedule.state, after.status.quarantine], ["Active", "Active", null]);
        await g.api(`/servicePrincipals/${sp}/synchronization/jobs/${quarantinedJobId}/pause`).post(undefined);
        assert.strictEqual(emu.job(sp, quarantinedJobId)!.statusCode, "Paused");
        await g
            .api(`/servicePrincipals/${sp}/synchronization/jobs/${pausedJobId}/restart`)
            .post({ criteria: { resetScope: "Watermark, Escrows, QuarantineState" } });
        assert.strictEqual(emu.job(sp, pausedJobId)!.lastResetScope, "Watermark, Escrows, QuarantineState");
        assert.strictEqual(emu.job(sp, pausedJobId)!.statusCode, "Active");
        const created = await g.api(`/servicePrincipals/${sp}/synchronization/jobs`).post({ templateId: "scim" });
        assert.deepStrictEqual([created.status.code, created.schedule.state], ["NotConfigured", "Disabled"]);
        await g.api(`/servicePrincipals/${sp}/synchronization/jobs/${created.id}`).delete();
        assert.strictEqual(emu.job(sp, created.id), undefined);
        const byApp = await g.api(`/servicePrincipals(appId='${emu.seed.appId}')`).get();
        assert.strictEqual(byApp.id, sp);
        assert.deepStrictEqual(emu.graphCalls(), [
            "GET listJobs",
            "GET getJob",
            "POST start",
            "GET getJob",
            "POST pause",
            "POST restart",
            "POST createJob",
            "DELETE deleteJob",
            "GET servicePrincipalByAppId",
        ]);
    });

    it("answers Graph-shaped errors: 401 without a token, 403 without the permission, 404 with request-id", async () => {
        const res = await fetch(`${emu.graphEndpoint}/v1.0/servicePrincipals/${emu.seed.servicePrincipalId}/synchronization/jobs`);
        assert.strictEqual(res.status, 401);
        const body = (await res.json()) as any;
        assert.strictEqual(body.error.code, "InvalidAuthenticationToken");
        assert.strictEqual(body.error.innerError["request-id"], res.headers.get("request-id"));

        const weak = graphClient(emu, emu.unprivilegedClient.clientId, emu.unprivilegedClient.clientSecret);
        const e403 = await graphError(weak.api(`/servicePrincipals/${emu.seed.servicePrincipalId}/synchronization/jobs`).get());
        assert.deepStrictEqual([e403.statusCode, e403.code], [403, "Authorization_RequestDenied"]);
        assert.match(e403.requestId!, /^[0-9a-f-]{36}$/);

        const e404 = await graphError(
            graphClient(emu).api(`/servicePrincipals/${emu.seed.servicePrincipalId}/synchronization/jobs/nope`).get(),
        );
        assert.deepStrictEqual([e404.statusCode, e404.code], [404, "UnknownError"]);
    });

    it("rejects a token issued for another audience (e.g. graph.microsoft.com)", async () => {
        const credential = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
            authorityHost: emu.authorityHost,
            disableInstanceDiscovery: true,
        });
        const token = await credential.getToken("https://graph.microsoft.com/.default");
        const res = await fetch(`${emu.graphEndpoint}/v1.0/servicePrincipals/${emu.seed.servicePrincipalId}`, {
            headers: { Authorization: `Bearer ${token.token}` },
        });
        assert.strictEqual(res.status, 401);
        assert.match(((await res.json()) as any).error.message, /Invalid audience 'https:\/\/graph\.microsoft\.com'/);
    });

    it("injects 429 with Retry-After (seconds and HTTP date), resets, and throttles with a token bucket", async () => {
        const g = graphClient(emu);
        const path1 = `/servicePrincipals/${emu.seed.servicePrincipalId}/synchronization/jobs/${emu.seed.pausedJobId}`;
        emu.inject({ fault: { kind: "status", status: 429, retryAfterSeconds: 1 }, routes: ["getJob"], times: 1 });
        await g.api(path1).get(); // the client's RetryHandler honours Retry-After
        // As the emulator saw it: the retry came no sooner than the Retry-After it sent (a slow machine only adds).
        const [first, retry] = emu.filter({ kind: "getJob" });
        assert.ok(retry.at - first.at >= 1000, `retried after ${retry.at - first.at} ms`);
        assert.deepStrictEqual(
            emu.filter({ kind: "getJob" }).map((r) => r.status),
            [429, 200],
        );

        emu.clearLog();
        emu.inject({ fault: { kind: "status", status: 503, retryAfterSeconds: 1, retryAfterAsDate: true }, routes: ["getJob"], times: 1 });
        const res = await fetch(`${emu.graphEndpoint}/v1.0${path1}`);
        assert.strictEqual(res.status, 503);
        assert.ok(!Number.isNaN(Date.parse(res.headers.get("retry-after")!)));

        emu.inject({ fault: { kind: "reset" }, routes: ["getJob"], times: 1 });
        await assert.rejects(fetch(`${emu.graphEndpoint}/v1.0${path1}`), /fetch failed/);

        emu.clearFaults();
        emu.throttle(5, 2);
        const statuses = await Promise.all([1, 2, 3, 4].map(() => fetch(`${emu.graphEndpoint}/v1.0${path1}`).then((r) => r.status)));
        assert.deepStrictEqual(statuses.sort(), [401, 401, 429, 429]);
    });

    it("pendingFaults: a fault with uses left or never used is pending, and assertNoPendingFaults names it", async () => {
        const path1 = `/servicePrincipals/${emu.seed.servicePrincipalId}/synchronization/jobs/${emu.seed.pausedJobId}`;
        emu.inject({ fault: { kind: "status", status: 503 }, routes: ["getJob"], times: 2 });
        const never: FaultRule = { fault: { kind: "reset" }, routes: ["start"] };
        emu.inject(never);
        const removed = emu.inject({ fault: { kind: "hang" }, routes: ["pause"] });
        removed();
        assert.strictEqual((await fetch(`${emu.graphEndpoint}/v1.0${path1}`)).status, 503);
        assert.deepStrictEqual(emu.pendingFaults(), [
            { rule: { fault: { kind: "status", status: 503 }, routes: ["getJob"], times: 1 }, used: 1, remaining: 1 },
            { rule: never, used: 0, remaining: undefined },
        ]);
        assert.throws(
            () => emu.assertNoPendingFaults(),
            (e: Error) =>
                e.message ===
                "2 declared fault(s) never met their request:\n" +
                    '  {"kind":"status","status":503} on getJob: 1 of 2 uses left\n' +
                    '  {"kind":"reset"} on start: never used',
        );
        assert.strictEqual((await fetch(`${emu.graphEndpoint}/v1.0${path1}`)).status, 503);
        // A rule without `times` is used once it met one request.
        await assert.rejects(fetch(`${emu.graphEndpoint}/v1.0${path1}/start`, { method: "POST" }), /fetch failed/);
        assert.deepStrictEqual(emu.pendingFaults(), []);
        emu.assertNoPendingFaults();
    });
});
