/**
 * The provider's operations in this process against the emulator, with the real Graph client and
 * @azure/identity doing HTTPS. (tests/engine drives the same code through the provider host.)
 */
import * as assert from "assert";
import * as fc from "fast-check";
import { Emulator, generateClientCertificate, GRAPH_ROUTES } from "../../emulator";
import {
    TokenRejectedError,
    ConfigurationError,
    CredentialError,
    JobNotFoundError,
    PartialStartError,
    PermissionError,
    ServicePrincipalNotFoundError,
    ThrottledError,
} from "../../provider/errors";
import { checkInputs } from "../../provider/inputs";
import * as ops from "../../provider/operations";
import {
    checkFaultsUsed,
    emulatorEnv,
    maxReadsWhileWaiting,
    receivedAttempts,
    setEnv,
    startTestEmulator,
    withEnv,
} from "../support/testEnv";
import { setTimeout as sleep } from "timers/promises";
import { config, failure, inputs } from "../support/operations";

const CLEAR = {
    ARM_TENANT_ID: undefined,
    ARM_CLIENT_ID: undefined,
    ARM_CLIENT_SECRET: undefined,
    AZURE_TENANT_ID: undefined,
    AZURE_CLIENT_ID: undefined,
    AZURE_CLIENT_SECRET: undefined,
};

describe("provider operations against the emulator", function () {
    this.timeout(60_000);
    let emu: Emulator;
    let restore: () => void;
    beforeEach(async () => {
        emu = await startTestEmulator();
        restore = setEnv(emulatorEnv(emu));
        await config({});
    });
    checkFaultsUsed(() => emu);
    afterEach(async () => {
        restore();
        await emu.close();
    });

    describe("errors that say what to do", () => {
        it("403: names the credential and the permission or ownership needed, with Graph's request-id", async () => {
            await config({
                "azuread:tenantId": emu.tenantId,
                "azuread:clientId": emu.unprivilegedClient.clientId,
                "azuread:clientSecret": emu.unprivilegedClient.clientSecret,
            });
            const e = await failure(ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId)));
            assert.ok(e instanceof PermissionError);
            // The request-id the error names is the one the emulator sent with its 403.
            const requestId = emu.filter({ kind: "getJob" })[0].requestId;
            assert.match(requestId!, /^[0-9a-f-]{36}$/);
            assert.strictEqual((e as PermissionError).requestId, requestId);
            assert.strictEqual(
                e.message,
                `read job failed: GET /v1.0/servicePrincipals/${emu.seed.servicePrincipalId}/synchronization/jobs/${emu.seed.pausedJobId} -> 403 Authorization_RequestDenied (request-id ${requestId}): ` +
                    "Insufficient privileges to complete the operation. " +
                    `The identity (ClientSecretCredential (client ${emu.unprivilegedClient.clientId} from azuread:clientId, secret from azuread:clientSecret, tenant from azuread:tenantId)) lacks permission. ` +
                    "Grant the application permission Synchronization.ReadWrite.All (with admin consent), or Application.ReadWrite.OwnedBy and make the identity an owner of the service principal.",
            );
            assert.ok(!e.message.includes(emu.unprivilegedClient.clientSecret));
            assert.deepStrictEqual(emu.graphCalls(), ["GET getJob"], "no start after a failed read");
        });

        it("401 on a revoked token: the cached token is dropped and one fresh token succeeds", async () => {
            await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.quarantinedJobId));
            emu.revokeTokens();
            emu.clearLog();
            const r = await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId));
            assert.strictEqual(r.outs!.lastAction, "started");
            assert.strictEqual(emu.count({ kind: "token" }), 1);
            assert.deepStrictEqual(
                emu.filter({ kind: "getJob" }).map((x) => x.status),
                [401, 200, 200],
            );
        });

        it("401: says which credential and tenant when Graph refuses the token, also after a fresh one", async () => {
            emu.inject({ fault: { kind: "unauthorized" }, routes: ["getJob"] });
            const e = await failure(ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId)));
            assert.ok(e instanceof TokenRejectedError, e.message);
            assert.match(
                e.message,
                /^read job failed: GET \/v1\.0\/servicePrincipals\/.+ -> 401 InvalidAuthenticationToken \(request-id [0-9a-f-]{36}\): Access token has expired or is not yet valid\. Graph refused the token from DefaultAzureCredential .*, also after a fresh token was requested \(2 attempts in \d+\.\d s\)/,
            );
            assert.ok(e.message.includes(`tenant ${emu.tenantId}`), e.message);
            assert.strictEqual(emu.count({ kind: "token" }), 2);
            assert.strictEqual(emu.count({ kind: "getJob" }), 2);
        });

        it("404 with an application (client) id: says so and gives the service principal's object id", async () => {
            const e = await failure(ops.create(inputs(emu.seed.appId, emu.seed.pausedJobId)));
            assert.ok(e instanceof ServicePrincipalNotFoundError, e.message);
            assert.ok(
                e.message.includes(
                    `${emu.seed.appId} is the application (client) id of "SCIM app (emulated)", not a service principal object id. Use servicePrincipalId: "${emu.seed.servicePrincipalId}"`,
                ),
                e.message,
            );
            assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "GET listJobs", "GET servicePrincipalByAppId"]);
        });

        it("404 on an unknown service principal: says no such object id exists", async () => {
            const e = await failure(ops.create(inputs("11111111-2222-4333-8444-555555555555", emu.seed.pausedJobId)));
            assert.ok(e instanceof ServicePrincipalNotFoundError);
            assert.match(e.message, /No service principal with object id 11111111-2222-4333-8444-555555555555 exists in this tenant/);
        });

        it("404 on the job: lists the jobs that exist, with their status", async () => {
            const e = await failure(ops.create(inputs(emu.seed.servicePrincipalId, "scim.nope")));
            assert.ok(e instanceof JobNotFoundError);
            assert.ok(
                e.message.includes(`Job scim.nope does not exist on service principal ${emu.seed.servicePrincipalId}. Jobs that do: `),
                e.message,
            );
            assert.ok(
                e.message.includes(`${emu.seed.pausedJobId} (Paused)`) && e.message.includes(`${emu.seed.quarantinedJobId} (Quarantine)`),
                e.message,
            );
            assert.match(e.message, /-> 404 UnknownError \(request-id [0-9a-f-]{36}\)/);
        });

        it("a wrong secret fails with the AADSTS reason, the credential and the tenant, and without the secret", async () => {
            await withEnv(
                { ARM_TENANT_ID: emu.tenantId, ARM_CLIENT_ID: emu.clientId, ARM_CLIENT_SECRET: "wrong-secret-value" },
                async () => {
                    const e = await failure(ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId)));
                    assert.ok(e instanceof CredentialError, e.message);
                    assert.match(
                        e.message,
                        new RegExp(
                            `^get token failed with ClientSecretCredential \\(client ${emu.clientId} from ARM_CLIENT_ID, secret from ARM_CLIENT_SECRET, tenant from ARM_TENANT_ID\\) for tenant ${emu.tenantId}: .*AADSTS7000215`,
                        ),
                    );
                    assert.ok(!e.message.includes("wrong-secret-value"));
                    assert.deepStrictEqual(emu.graphCalls(), []);
                },
            );
        });
    });

    describe("credentials: azuread config, then ARM_*, then DefaultAzureCredential (AZURE_*)", () => {
        it("azuread:* config wins over ARM_* and AZURE_*", async () => {
            await withEnv(
                {
                    ARM_TENANT_ID: emu.tenantId,
                    ARM_CLIENT_ID: emu.unprivilegedClient.clientId,
                    ARM_CLIENT_SECRET: emu.unprivilegedClient.clientSecret,
                },
                async () => {
                    await config({
                        "azuread:tenantId": emu.tenantId,
                        "azuread:clientId": emu.clientId,
                        "azuread:clientSecret": emu.clientSecret,
                    });
                    const r = await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId));
                    assert.strictEqual(r.outs!.lastAction, "started");
                    assert.deepStrictEqual(
                        emu.filter({ kind: "token" }).map((t) => t.clientId),
                        [emu.clientId],
                    );
                },
            );
        });

        it("ARM_* wins over AZURE_* when there is no config", async () => {
            const other = emu.addClient({ displayName: "arm" });
            await withEnv({ ARM_TENANT_ID: emu.tenantId, ARM_CLIENT_ID: other.clientId, ARM_CLIENT_SECRET: other.secret }, async () => {
                await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId));
                assert.deepStrictEqual(
                    emu.filter({ kind: "token" }).map((t) => t.clientId),
                    [other.clientId],
                );
            });
        });

        it("falls back to DefaultAzureCredential (AZURE_* here), asking for the Graph origin's own scope", async () => {
            await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId));
            assert.deepStrictEqual(
                emu.filter({ kind: "token" }).map((t) => [t.clientId, t.scope]),
                [[emu.clientId, `${emu.graphEndpoint}/.default`]],
            );
        });

        it("client certificate: a PFX with password from azuread config, and a PEM from ARM_CLIENT_CERTIFICATE_PATH", async () => {
            const forge = await import("node-forge");
            const fs = await import("fs");
            const os = await import("os");
            const path = await import("path");
            const cert = generateClientCertificate("pfx-client");
            const client = emu.addClient({ certificatePem: cert.certPem });
            const pemClient = emu.addClient({ certificatePem: cert.certPem });
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cert-"));
            const key = forge.pki.privateKeyFromPem(cert.pem);
            const p12 = forge.pkcs12.toPkcs12Asn1(key, [forge.pki.certificateFromPem(cert.certPem)], "pfx-pass", { algorithm: "3des" });
            fs.writeFileSync(path.join(dir, "client.pfx"), Buffer.from(forge.asn1.toDer(p12).getBytes(), "binary"));
            fs.writeFileSync(path.join(dir, "client.pem"), cert.pem);
            await withEnv(CLEAR, async () => {
                await config({
                    "azuread:tenantId": emu.tenantId,
                    "azuread:clientId": client.clientId,
                    "azuread:clientCertificatePath": path.join(dir, "client.pfx"),
                    "azuread:clientCertificatePassword": "pfx-pass",
                });
                await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId));
                await config({});
                await withEnv(
                    {
                        ARM_TENANT_ID: emu.tenantId,
                        ARM_CLIENT_ID: pemClient.clientId,
                        ARM_CLIENT_CERTIFICATE_PATH: path.join(dir, "client.pem"),
                    },
                    async () => {
                        await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.quarantinedJobId));
                    },
                );
                assert.deepStrictEqual(
                    emu.filter({ kind: "token" }).map((t) => [t.clientId, t.status]),
                    [
                        [client.clientId, 200],
                        [pemClient.clientId, 200],
                    ],
                );
                const other = emu.addClient({ certificatePem: cert.certPem });
                await config({
                    "azuread:tenantId": emu.tenantId,
                    "azuread:clientId": other.clientId,
                    "azuread:clientCertificatePath": path.join(dir, "client.pfx"),
                    "azuread:clientCertificatePassword": "wrong",
                });
                const e = await failure(ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId, { triggers: 2 })));
                assert.match(
                    e.message,
                    /client\.pfx \(from azuread:clientCertificatePath\) is neither PEM nor a PFX that opens with the given password/,
                );
                assert.ok(!e.message.includes("wrong"));
            });
        });

        it("a settings-only update builds no credential: a certificate that cannot be read fails a create, not that update", async () => {
            const created = await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId));
            const missing = `${process.env.TMPDIR ?? "/tmp"}/no-such-dir/client.pem`;
            await withEnv(CLEAR, async () => {
                await config({
                    "azuread:tenantId": emu.tenantId,
                    "azuread:clientId": emu.clientId,
                    "azuread:clientCertificatePath": missing,
                });
                emu.clearLog();
                const e = await failure(ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.quarantinedJobId)));
                assert.strictEqual(
                    e.message,
                    `cannot read the client certificate ${missing} (from azuread:clientCertificatePath): ENOENT. Fix the path, or give the certificate inline (clientCertificate).`,
                );
                const updated = await ops.update(
                    created.id,
                    created.outs!,
                    inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId, { timeoutSeconds: 30 }),
                );
                assert.strictEqual(updated.outs!.timeoutSeconds, 30);
                assert.strictEqual(updated.outs!.lastAction, "started");
                assert.deepStrictEqual(emu.requests, []);
            });
        });

        it("OIDC: azuread:useOidc with a token file uses a client assertion", async () => {
            const fed = emu.addClient({ federatedToken: "federated-id-token" });
            const fs = await import("fs");
            const os = await import("os");
            const path = await import("path");
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "oidc-")), "token");
            fs.writeFileSync(file, "federated-id-token\n");
            await withEnv(CLEAR, async () => {
                await config({
                    "azuread:tenantId": emu.tenantId,
                    "azuread:clientId": fed.clientId,
                    "azuread:useOidc": "true",
                    "azuread:oidcTokenFilePath": file,
                });
                await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId));
                assert.deepStrictEqual(
                    emu.filter({ kind: "token" }).map((t) => [t.clientId, t.status]),
                    [[fed.clientId, 200]],
                );
            });
        });
    });

    describe("paths", () => {
        it("every jobId check accepts reaches exactly /servicePrincipals/{id}/synchronization/jobs/{jobId} (property)", async () => {
            const jobIds = fc.stringMatching(/^[A-Za-z0-9._-]{1,80}$/).filter((j) => j !== "." && j !== "..");
            await fc.assert(
                fc.asyncProperty(jobIds, async (jobId) => {
                    const { failures } = checkInputs({ servicePrincipalId: emu.seed.servicePrincipalId, jobId });
                    if (failures.length) return false;
                    if (!emu.job(emu.seed.servicePrincipalId, jobId))
                        emu.addJob(emu.seed.servicePrincipalId, { id: jobId, state: "Paused" });
                    emu.clearLog();
                    await ops.create(inputs(emu.seed.servicePrincipalId, jobId, { startPolicy: "always" }));
                    const base = `/v1.0/servicePrincipals/${emu.seed.servicePrincipalId}/synchronization/jobs/${jobId}`;
                    return (
                        JSON.stringify(emu.requests.filter((r) => r.kind !== "token" && r.kind !== "openid").map((r) => r.path)) ===
                        JSON.stringify([base, `${base}/start`, base])
                    );
                }),
                { numRuns: 40 },
            );
        });
    });

    describe("managed identity", () => {
        it("ARM_USE_MSI: ManagedIdentityCredential (App Service endpoint, emulated) gets the token", async () => {
            await withEnv(
                {
                    ...CLEAR,
                    ARM_USE_MSI: "true",
                    IDENTITY_ENDPOINT: emu.managedIdentity.endpoint,
                    IDENTITY_HEADER: emu.managedIdentity.header,
                },
                async () => {
                    const r = await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId));
                    assert.strictEqual(r.outs!.lastAction, "started");
                    assert.deepStrictEqual(
                        emu.requests
                            .filter((x) => x.kind === "managedIdentity" || x.kind === "token")
                            .map((x) => [x.kind, x.status, x.scope]),
                        [["managedIdentity", 200, emu.graphEndpoint]],
                    );
                    assert.deepStrictEqual(
                        new Set(emu.filter({ kind: "getJob" }).map((x) => x.clientId)),
                        new Set([emu.managedIdentity.clientId]),
                    );
                },
            );
        });
    });

    describe("GitHub Actions OIDC", () => {
        it("ARM_USE_OIDC with ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN: fetches GitHub's ID token for api://AzureADTokenExchange and uses it as the assertion", async () => {
            const fed = emu.addClient({ federatedToken: emu.githubOidc.idToken });
            await withEnv(
                {
                    ...CLEAR,
                    ARM_USE_OIDC: "true",
                    ARM_TENANT_ID: emu.tenantId,
                    ARM_CLIENT_ID: fed.clientId,
                    ACTIONS_ID_TOKEN_REQUEST_URL: `${emu.graphEndpoint}/github-oidc/token?api-version=2.0`,
                    ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.githubOidc.requestToken,
                },
                async () => {
                    const r = await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId));
                    assert.strictEqual(r.outs!.lastAction, "started");
                    assert.deepStrictEqual(
                        emu.requests
                            .filter((x) => x.kind === "githubOidc" || x.kind === "token")
                            .map((x) => `${x.kind} ${x.status} ${x.clientId ?? ""}`.trim()),
                        ["githubOidc 200", `token 200 ${fed.clientId}`],
                    );
                },
            );
        });
        it("ARM_USE_OIDC without any token source: a CredentialError that says where a token can come from", async () => {
            await withEnv({ ...CLEAR, ARM_USE_OIDC: "true", ARM_TENANT_ID: emu.tenantId, ARM_CLIENT_ID: emu.clientId }, async () => {
                const e = await failure(ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId)));
                assert.ok(e instanceof CredentialError, e.message);
                assert.match(
                    e.message,
                    /^get token failed with ClientAssertionCredential \(OIDC\) \(client \S+ from ARM_CLIENT_ID, token from none found, tenant from ARM_TENANT_ID\).*useOidc is set but there is no token: set azuread:oidcToken/,
                );
                assert.deepStrictEqual(emu.graphCalls(), []);
            });
        });
    });

    describe("sharing and concurrency", () => {
        it("50 concurrent creates on 50 paused jobs: one token request, exactly 3 Graph calls each", async () => {
            const jobs = Array.from({ length: 50 }, () => emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" }).id);
            const results = await Promise.all(jobs.map((j) => ops.create(inputs(emu.seed.servicePrincipalId, j))));
            assert.deepStrictEqual(new Set(results.map((r) => r.outs!.lastAction)), new Set(["started"]));
            assert.strictEqual(emu.count({ kind: "token" }), 1);
            assert.strictEqual(emu.count({ kind: "getJob" }), 100);
            assert.strictEqual(emu.count({ kind: "start" }), 50);
            for (const j of jobs) assert.strictEqual(emu.job(emu.seed.servicePrincipalId, j)!.starts, 1);
        });

        it("the first round of requests in flight is 64", async () => {
            // The first 64 reads are answered after 4 s: no answer is in before every first-round request has
            // arrived, even on a loaded machine (the 64 TLS handshakes share one event loop with the emulator).
            emu.inject({ fault: { kind: "latency", ms: 4000 }, routes: ["getJob"], times: 64 });
            const jobs = Array.from({ length: 100 }, () => emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" }).id);
            await Promise.all(jobs.map((j) => ops.create(inputs(emu.seed.servicePrincipalId, j))));
            const graph = emu.requests.filter((r) => GRAPH_ROUTES.includes(r.kind));
            const firstRound = graph.filter((r) => r.at < graph[0].at + 4000);
            assert.strictEqual(firstRound.length, 64);
            assert.strictEqual(emu.count({ kind: "start" }), 100);
        });

        it("ENTRA_SYNC_MAX_CONCURRENCY caps requests in flight", async () => {
            process.env.ENTRA_SYNC_MAX_CONCURRENCY = "8";
            emu.inject({ fault: { kind: "latency", ms: 30 } });
            const jobs = Array.from({ length: 40 }, () => emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" }).id);
            await Promise.all(jobs.map((j) => ops.create(inputs(emu.seed.servicePrincipalId, j))));
            assert.strictEqual(emu.stats().peakInFlight, 8);
            assert.strictEqual(emu.count({ kind: "start" }), 40);
        });

        it("resources on the same paused job never race: it is started once, the others skip", async () => {
            const results = await Promise.all(
                [1, 2, 3, 4, 5].map(() => ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId))),
            );
            assert.deepStrictEqual(results.map((r) => r.outs!.lastAction).sort(), ["skipped", "skipped", "skipped", "skipped", "started"]);
            assert.strictEqual(emu.job(emu.seed.servicePrincipalId, emu.seed.pausedJobId)!.starts, 1);
            assert.strictEqual(emu.count({ kind: "start" }), 1);
        });

        it("two resources naming one paused job with the GUID in different case are serialized too: one POST start", async () => {
            const spId = emu.seed.servicePrincipalId;
            assert.notStrictEqual(spId.toUpperCase(), spId);
            const results = await Promise.all([spId, spId.toUpperCase()].map((id) => ops.create(inputs(id, emu.seed.pausedJobId))));
            assert.deepStrictEqual(results.map((r) => r.outs!.lastAction).sort(), ["skipped", "started"]);
            assert.strictEqual(emu.count({ kind: "start" }), 1);
            assert.strictEqual(emu.job(spId, emu.seed.pausedJobId)!.starts, 1);
        });

        it("a settings-only update builds no credential: no token request, no credential file read", async () => {
            const created = await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId));
            const requests = emu.filter({}).length;
            // A credential that cannot be built: its certificate file does not exist.
            await config({
                "azuread:tenantId": emu.tenantId,
                "azuread:clientId": emu.clientId,
                "azuread:clientCertificatePath": "/nonexistent/settings-only.pfx",
            });
            const news = inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId, { onDelete: "pause" });
            const updated = await ops.update(created.id, created.outs!, news);
            assert.strictEqual(updated.outs!.onDelete, "pause");
            assert.strictEqual(updated.outs!.startCount, 1);
            assert.strictEqual(emu.filter({}).length, requests);
            assert.strictEqual(emu.count({ kind: "token" }), 1);
            // The same settings do build it, and fail, where a call is needed.
            const e = await failure(ops.read(created.id, updated.outs!));
            assert.ok(e instanceof ConfigurationError);
            assert.strictEqual(
                e.message,
                "cannot read the client certificate /nonexistent/settings-only.pfx (from azuread:clientCertificatePath): ENOENT. Fix the path, or give the certificate inline (clientCertificate).",
            );
            assert.strictEqual(emu.count({ kind: "token" }), 1);
        });

        it("a token about to expire is renewed, not reused", async () => {
            emu.tokenLifetimeSeconds = 2;
            await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId));
            await sleep(1500);
            await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.quarantinedJobId));
            assert.strictEqual(emu.count({ kind: "token" }), 2);
            assert.deepStrictEqual(emu.filter({ status: 401 }), []);
        });
    });

    describe("retries", () => {
        it("429 and 503 with Retry-After (seconds, HTTP date) are retried, honouring Retry-After", async () => {
            emu.inject({ fault: { kind: "status", status: 429, retryAfterSeconds: 1 }, routes: ["getJob"], times: 1 });
            emu.inject({
                fault: { kind: "status", status: 503, retryAfterSeconds: 1, retryAfterAsDate: true },
                routes: ["start"],
                times: 1,
            });
            const r = await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId));
            assert.strictEqual(r.outs!.lastAction, "started");
            assert.deepStrictEqual(
                emu
                    .filter({})
                    .filter((x) => x.kind !== "token" && x.kind !== "openid")
                    .map((x) => `${x.kind} ${x.status}`),
                ["getJob 429", "getJob 200", "start 503", "start 204", "getJob 200"],
            );
            assert.strictEqual(emu.job(emu.seed.servicePrincipalId, emu.seed.pausedJobId)!.starts, 1);
        });

        it("throttling is retried past the Graph client's 10 retries, for as long as timeoutSeconds allows", async () => {
            // The Graph client's RetryHandler stops after 10; here only the deadline stops retries.
            emu.inject({ fault: { kind: "status", status: 429, retryAfterSeconds: 0 }, routes: ["getJob"], times: 15 });
            emu.inject({ fault: { kind: "status", status: 503, retryAfterSeconds: 0 }, routes: ["start"], times: 12 });
            const r = await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId, { timeoutSeconds: 30 }));
            assert.strictEqual(r.outs!.lastAction, "started");
            assert.strictEqual(emu.count({ kind: "getJob", status: 429 }), 15);
            assert.strictEqual(emu.count({ kind: "start", status: 503 }), 12);
            assert.strictEqual(emu.count({ kind: "start", status: 204 }), 1);
            assert.strictEqual(emu.job(emu.seed.servicePrincipalId, emu.seed.pausedJobId)!.starts, 1);
        });

        it("slots held after throttling: an operation that finds none free says Graph throttled, not the network", async () => {
            process.env.ENTRA_SYNC_MAX_CONCURRENCY = "2";
            emu.inject({ fault: { kind: "status", status: 429, retryAfterSeconds: 60 }, routes: ["getJob"], times: 2 });
            const throttled = await Promise.all(
                [emu.seed.pausedJobId, emu.seed.quarantinedJobId].map((j) =>
                    failure(ops.create(inputs(emu.seed.servicePrincipalId, j, { timeoutSeconds: 1 }))),
                ),
            );
            for (const e of throttled) assert.ok(e instanceof ThrottledError, e.message);
            const third = emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" }).id;
            const e = await failure(ops.create(inputs(emu.seed.servicePrincipalId, third, { timeoutSeconds: 1 })));
            assert.match(
                e.message,
                /no request slot became free: Graph throttled this process, and 2 slots are held after its 429\/503\/504 answers \(for their Retry-After, at most 10 s\)/,
            );
            assert.strictEqual(emu.count({ kind: "getJob" }), 2);
        });

        it("throttling past timeoutSeconds fails naming the throttling and the request-id", async () => {
            {
                emu.inject({ fault: { kind: "status", status: 429, retryAfterSeconds: 1 }, routes: ["getJob"] });
                const e = await failure(ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId, { timeoutSeconds: 2 })));
                assert.ok(e instanceof ThrottledError, e.message);
                assert.match(
                    e.message,
                    /^read job failed: GET \S+ -> 429 TooManyRequests \(request-id [0-9a-f-]{36}\): Injected fault: TooManyRequests\. Graph kept throttling \([23] attempts in \d\.\d s\); its Retry-After did not fit in what was left of timeoutSeconds/,
                );
                assert.strictEqual(emu.count({ kind: "start" }), 0);
            }
        });

        it("504 bursts are retried like 429/503", async () => {
            emu.inject({ fault: { kind: "status", status: 504, retryAfterSeconds: 0 }, routes: ["getJob"], times: 2 });
            const r = await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId));
            assert.strictEqual(r.outs!.status, "Active");
            assert.deepStrictEqual(
                emu.filter({ kind: "getJob" }).map((x) => x.status),
                [504, 504, 200, 200],
            );
        });

        it("a connection reset on GET and on POST start is retried; the job is started once", async () => {
            emu.inject({ fault: { kind: "reset" }, routes: ["getJob"], times: 1 });
            emu.inject({ fault: { kind: "reset" }, routes: ["start"], times: 1 });
            const r = await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId));
            assert.strictEqual(r.outs!.lastAction, "started");
            assert.deepStrictEqual(
                emu.filter({ kind: "getJob" }).map((x) => x.status),
                // The unanswered start is followed by reads (three: Graph may lag): the job is not running, so it is started.
                [-1, 200, 200, 200, 200, 200],
            );
            assert.deepStrictEqual(
                emu.filter({ kind: "start" }).map((x) => x.status),
                [-1, 204],
            );
            assert.strictEqual(emu.job(emu.seed.servicePrincipalId, emu.seed.pausedJobId)!.starts, 1);
        });

        it("a hung request is cut at the request timeout and retried", async () => {
            await withEnv({ ENTRA_SYNC_REQUEST_TIMEOUT_SECONDS: "0.5" }, async () => {
                emu.inject({ fault: { kind: "hang" }, routes: ["getJob"], times: 1 });
                const r = await ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId));
                assert.strictEqual(r.outs!.lastAction, "started");
                // Cut at the 0.5 s request timeout (not the 120 s deadline) and retried: the -1 then 200 below.
                assert.deepStrictEqual(
                    emu.filter({ kind: "getJob" }).map((x) => x.status),
                    [-1, 200, 200],
                );
            });
        });

        it("a GET that is always reset fails within timeoutSeconds as a transport error naming ECONNRESET", async () => {
            await withEnv({ ENTRA_SYNC_REQUEST_TIMEOUT_SECONDS: "0.3" }, async () => {
                emu.inject({ fault: { kind: "reset" }, routes: ["getJob"] });
                const e = await failure(ops.create(inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId, { timeoutSeconds: 1 })));
                assert.strictEqual(e.name, "TransportError");
                // Retried until the deadline the message names: every attempt it counts reached the emulator.
                assert.ok(
                    receivedAttempts(emu.count({ kind: "getJob" }), e.message),
                    `${emu.count({ kind: "getJob" })} reads: ${e.message}`,
                );
                assert.match(
                    e.message,
                    new RegExp(
                        "^read job failed: GET /v1.0/servicePrincipals/\\S+ -> no response: ECONNRESET \\(connection reset\\); \\d+ attempts in \\d\\.\\d s\\. No time was left within the 1 s timeoutSeconds\\.",
                    ),
                );
            });
        });
    });

    describe("waitFor: active", () => {
        it("polls until the job is Active", async () => {
            const job = emu.addJob(emu.seed.servicePrincipalId, { state: "Paused", afterStart: { kind: "delayed", ms: 300 } });
            const r = await ops.create(inputs(emu.seed.servicePrincipalId, job.id, { waitFor: "active" }));
            assert.strictEqual(r.outs!.status, "Active");
            assert.ok(emu.count({ kind: "getJob" }) >= 3);
        });

        it("quarantined again after the start: a partial failure that records the start", async () => {
            const job = emu.addJob(emu.seed.servicePrincipalId, {
                state: "Quarantine",
                afterStart: { kind: "requarantine", ms: 100, reason: "EncounteredEscrowProportionThreshold" },
            });
            const e = await failure(ops.create(inputs(emu.seed.servicePrincipalId, job.id, { waitFor: "active", waitTimeoutSeconds: 10 })));
            assert.ok(e instanceof PartialStartError, e.message);
            assert.strictEqual(e.id, `${emu.seed.servicePrincipalId}/${job.id}`);
            assert.deepStrictEqual([e.properties.lastAction, e.properties.startCount, e.properties.status], ["started", 1, "NotRun"]);
            assert.match(
                e.message,
                /job was started, then: wait for job failed: \S+ is in quarantine again after the start \(reason EncounteredEscrowProportionThreshold\)/,
            );
        });

        it("never Active: fails at waitTimeoutSeconds, still recording the start", async () => {
            const job = emu.addJob(emu.seed.servicePrincipalId, { state: "Paused", afterStart: { kind: "stuck" } });
            const e = await failure(ops.create(inputs(emu.seed.servicePrincipalId, job.id, { waitFor: "active", waitTimeoutSeconds: 1 })));
            // Bounded by waitTimeoutSeconds (1 s), counted: no more reads than 1 s of polling allows.
            assert.ok(emu.count({ kind: "getJob" }) <= maxReadsWhileWaiting(1), `${emu.count({ kind: "getJob" })} reads`);
            assert.ok(e instanceof PartialStartError);
            assert.match(e.message, /did not become Active within 1s \(last status NotRun\/Active\)/);
            assert.strictEqual(emu.job(emu.seed.servicePrincipalId, job.id)!.starts, 1);
        });
    });
});
