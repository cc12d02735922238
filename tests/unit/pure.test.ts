import { Limiter } from "../../provider/graph/limiter";
import { claimsOf, retryAfterMs } from "../../provider/graph/transport";
import { attemptSignal, deadlineIn, DeadlineExceeded } from "../../provider/graph/deadline";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as fc from "fast-check";
import { endpointProblem, isMicrosoftAuthority, resolveEndpoints } from "../../provider/clouds";
import { planCredential, resolveAuthSettings, scrub } from "../../provider/auth";
import { refreshTimes } from "../../provider/auth/token-cache";
import { check } from "../../provider/operations";
import { readSettings, SETTING_DEFAULTS } from "../../provider/settings";
import { decide, isStopped } from "../../provider/diff";
import { checkInputs, DEFAULTS, normalizeRestartScope, UNKNOWN } from "../../provider/inputs";
import { isLaterRun, runBeganAfter } from "../../provider/job/view";
import { canonicalize, canonicalJson, MAX_TRIGGERS_BYTES, triggersEqual, TriggersValueError } from "../../provider/triggers";

const SP = "1b9e6a3e-0c8f-4a56-9a57-2b1f3c4d5e6f";
const JOB = "scim.0123456789abcdef0123456789abcdef.1b9e6a3e-0c8f-4a56-9a57-2b1f3c4d5e6f";

function failuresOf(news: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(checkInputs(news).failures.map((f) => [f.property, f.reason]));
}

describe("triggers: canonical JSON", () => {
    it("sorts keys at every level and drops undefined members", () => {
        assert.strictEqual(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
        assert.strictEqual(canonicalJson(new Date("2026-01-02T03:04:05Z")), '"2026-01-02T03:04:05.000Z"');
        // A "__proto__" key (as JSON.parse makes it) is data, not a prototype (found by the property below).
        assert.strictEqual(canonicalJson(JSON.parse('{"__proto__":[1],"a":1}')), '{"__proto__":[1],"a":1}');
    });

    it("the same data in any key order is equal (property)", () => {
        fc.assert(
            fc.property(fc.jsonValue(), (v) => {
                const shuffled = JSON.parse(JSON.stringify(v), function (_k, x) {
                    if (x && typeof x === "object" && !Array.isArray(x)) return Object.fromEntries(Object.entries(x).reverse());
                    return x;
                });
                return triggersEqual(v, shuffled) && canonicalJson(v) === canonicalJson(canonicalize(shuffled));
            }),
            { numRuns: 300 },
        );
    });

    it("rejects what JSON cannot hold, naming where", () => {
        const cyclic: Record<string, unknown> = { a: 1 };
        cyclic.self = cyclic;
        const cases: [unknown, RegExp][] = [
            [{ f: () => 1 }, /^triggers\.f is a function/],
            [{ n: 10n }, /^triggers\.n is a bigint/],
            [cyclic, /^triggers\.self refers back to itself/],
            [[1, undefined], /^triggers\[1\] is undefined/],
            [{ x: NaN }, /^triggers\.x is NaN/],
            [{ m: new Map() }, /^triggers\.m is a Map instance/],
            [{ s: Symbol("x") }, /^triggers\.s is a symbol/],
            [{ "a b": { c: Infinity } }, /^triggers\["a b"\]\.c is Infinity/],
        ];
        for (const [value, re] of cases) {
            assert.throws(
                () => canonicalize(value),
                (e: unknown) => e instanceof TriggersValueError && re.test((e as Error).message),
            );
        }
        let deep: unknown = 1;
        for (let i = 0; i < 100; i++) deep = { d: deep };
        assert.throws(() => canonicalize(deep), /nested deeper than 64 levels/);
    });

    it("check rejects triggers over 64 KiB with the fix, and canonicalizes accepted ones", () => {
        const big = { blob: "x".repeat(MAX_TRIGGERS_BYTES) };
        assert.match(
            failuresOf({ servicePrincipalId: SP, jobId: JOB, triggers: big }).triggers,
            /over the 65536-byte limit; pass a digest instead/,
        );
        assert.deepStrictEqual(
            JSON.stringify(checkInputs({ servicePrincipalId: SP, jobId: JOB, triggers: { b: 1, a: 2 } }).inputs.triggers),
            '{"a":2,"b":1}',
        );
    });
});

describe("check: inputs", () => {
    it("fills defaults and accepts a minimal resource", () => {
        const { inputs, failures } = checkInputs({ servicePrincipalId: SP, jobId: JOB, __provider: "x" });
        assert.deepStrictEqual(failures, []);
        assert.deepStrictEqual(inputs, { servicePrincipalId: SP, jobId: JOB, __provider: "x", ...DEFAULTS, timeoutSeconds: 120 });
    });

    it("timeoutSeconds: its default comes from ENTRA_SYNC_TIMEOUT_SECONDS; a non-positive value names the fix", async () => {
        // Pure: the settings are passed in (process.env is not read) ...
        const settings = readSettings({ ENTRA_SYNC_TIMEOUT_SECONDS: "45" });
        assert.strictEqual(checkInputs({ servicePrincipalId: SP, jobId: JOB }, settings).inputs.timeoutSeconds, 45);
        assert.strictEqual(checkInputs({ servicePrincipalId: SP, jobId: JOB }).inputs.timeoutSeconds, 120);
        // ... a state written before timeoutSeconds existed compares equal to today's default ...
        const before = { servicePrincipalId: SP, jobId: JOB, ...DEFAULTS };
        assert.deepStrictEqual(decide(before, { ...before, timeoutSeconds: 45 }, settings).changed, []);
        assert.deepStrictEqual(decide(before, { ...before, timeoutSeconds: 45 }).changed, ["timeoutSeconds"]);
        // ... and the provider's check reads its process's ENTRA_SYNC_TIMEOUT_SECONDS.
        const saved = process.env.ENTRA_SYNC_TIMEOUT_SECONDS;
        process.env.ENTRA_SYNC_TIMEOUT_SECONDS = "45";
        try {
            assert.strictEqual((await check({}, { servicePrincipalId: SP, jobId: JOB })).inputs?.timeoutSeconds, 45);
        } finally {
            if (saved === undefined) delete process.env.ENTRA_SYNC_TIMEOUT_SECONDS;
            else process.env.ENTRA_SYNC_TIMEOUT_SECONDS = saved;
        }
        assert.strictEqual(checkInputs({ servicePrincipalId: SP, jobId: JOB, timeoutSeconds: 2.5 }).failures.length, 0);
        for (const bad of [0, -1, "10", Number.NaN]) {
            assert.match(
                failuresOf({ servicePrincipalId: SP, jobId: JOB, timeoutSeconds: bad }).timeoutSeconds,
                /is not a positive number of seconds \(at most 86400\); give e\.g\. 120, or leave it out for ENTRA_SYNC_TIMEOUT_SECONDS \(default 120\)$/,
            );
        }
    });

    it("names each bad property and how to fix it", () => {
        assert.deepStrictEqual(
            failuresOf({
                servicePrincipalId: "my-app",
                jobId: "../../applications",
                startPolicy: "sometimes",
                waitFor: "forever",
                waitTimeoutSeconds: -1,
                ensureActive: "yes",
                onDelete: "destroy",
                environment: "mars",
                apiVersion: "v2",
                graphEndpoint: "http://graph.example",
                authorityHost: "https://user:pw@login.example",
                trigers: {},
            }),
            {
                servicePrincipalId:
                    "\"my-app\" is not a GUID; give the service principal's object id, such as 1b9e6a3e-0c8f-4a56-9a57-2b1f3c4d5e6f, or azuread's id form /servicePrincipals/1b9e6a3e-0c8f-4a56-9a57-2b1f3c4d5e6f",
                jobId: '"../../applications" has characters a job id never has; use letters, digits, ".", "-" and "_" only (e.g. scim.0123456789abcdef0123456789abcdef)',
                startPolicy: '"sometimes" is not one of "ifNotActive", "always"',
                waitFor: '"forever" is not one of "none", "active", "cycle"',
                waitTimeoutSeconds: "-1 is not a number of seconds from 1 to 86400",
                ensureActive: '"yes" is not true or false',
                onDelete: '"destroy" is not one of "none", "pause"',
                environment: '"mars" is not one of "global", "usgovernmentl4", "usgovernmentl5", "china"',
                apiVersion: '"v2" is not one of "v1.0", "beta"',
                graphEndpoint: "must use https (got http); tokens are only sent over https",
                authorityHost:
                    "must not carry credentials in the URL; configure the credential through azuread:* config, ARM_* or AZURE_* variables",
                trigers:
                    "is not an input of SyncJobStart; known inputs: servicePrincipalId, jobId, triggers, restartTriggers, restartScope, startPolicy, waitFor, waitTimeoutSeconds, timeoutSeconds, ensureActive, onDelete, environment, apiVersion, graphEndpoint, authorityHost",
            },
        );
        assert.match(failuresOf({ jobId: JOB }).servicePrincipalId, /^is required/);
        assert.match(failuresOf({ servicePrincipalId: SP, jobId: "" }).jobId, /^is required/);
        assert.match(endpointProblem("not a url")!, /is not a URL/);
        assert.match(endpointProblem("https://graph.example/v1.0")!, /must be an origin only/);
    });

    it("random strings: a jobId is accepted only when it is [A-Za-z0-9._-]+ (no path can be formed)", () => {
        const weird = fc.oneof(
            fc.string(),
            fc.string({ unit: "grapheme" }),
            fc.constantFrom("..", ".", "a/b", "a%2Fb", "a b", " ", "\u0000", "é", "a?b", "a#b", "x".repeat(300)),
        );
        fc.assert(
            fc.property(weird, (jobId) => {
                const accepted = !failuresOf({ servicePrincipalId: SP, jobId }).jobId;
                const safe = /^[A-Za-z0-9._-]{1,256}$/.test(jobId) && jobId !== "." && jobId !== "..";
                return accepted === safe;
            }),
            { numRuns: 500 },
        );
        fc.assert(
            fc.property(
                fc.string(),
                (sp) =>
                    !!failuresOf({ servicePrincipalId: sp, jobId: JOB }).servicePrincipalId ===
                    !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(sp),
            ),
            { numRuns: 300 },
        );
    });

    it("accepts azuread.SynchronizationJob's id (/servicePrincipals/{sp}/synchronization/jobs/{jobId}) and keeps the job id", () => {
        const { inputs, failures } = checkInputs({ servicePrincipalId: SP, jobId: `/servicePrincipals/${SP}/synchronization/jobs/${JOB}` });
        assert.deepStrictEqual([inputs.jobId, failures], [JOB, []]);
        const other = "2b9e6a3e-0c8f-4a56-9a57-2b1f3c4d5e6f";
        assert.strictEqual(
            failuresOf({ servicePrincipalId: other, jobId: `/servicePrincipals/${SP}/synchronization/jobs/${JOB}` }).jobId,
            `belongs to service principal ${SP}, but servicePrincipalId is ${other}; pass the same service principal to both`,
        );
        assert.match(
            failuresOf({ servicePrincipalId: SP, jobId: `/servicePrincipals/${SP}/synchronization/jobs/a%2F..` }).jobId,
            /has characters a job id never has/,
        );
    });

    it("accepts azuread 6's /servicePrincipals/{guid} (check gives the GUID); a job id of the same GUID in another case is no mismatch", () => {
        const azureadSp = `/servicePrincipals/${SP}`;
        const { inputs, failures } = checkInputs({
            servicePrincipalId: azureadSp,
            jobId: `/servicePrincipals/${SP.toUpperCase()}/synchronization/jobs/${JOB}`,
        });
        assert.deepStrictEqual([inputs.servicePrincipalId, inputs.jobId, failures], [SP, JOB, []]);
        assert.match(failuresOf({ servicePrincipalId: "/servicePrincipals/my-app", jobId: JOB }).servicePrincipalId, /is not a GUID/);
        assert.match(failuresOf({ servicePrincipalId: `${azureadSp}/extra`, jobId: JOB }).servicePrincipalId, /is not a GUID/);
    });

    it("passes unknown (preview) values through unchecked", () => {
        assert.deepStrictEqual(checkInputs({ servicePrincipalId: UNKNOWN, jobId: UNKNOWN, triggers: { a: UNKNOWN } }).failures, []);
    });
});

describe("diff decisions (olds are the previous outputs)", () => {
    const olds = {
        servicePrincipalId: SP,
        jobId: JOB,
        triggers: { a: 1, b: 2 },
        ...DEFAULTS,
        status: "Active",
        scheduleState: "Active",
        startCount: 1,
    };
    const news = (extra: Record<string, unknown> = {}) => ({
        servicePrincipalId: SP,
        jobId: JOB,
        triggers: { b: 2, a: 1 },
        ...DEFAULTS,
        ...extra,
    });

    it("no change, whatever the key order", () => {
        assert.deepStrictEqual(decide(olds, news()), { changes: false, replaces: [], changed: [], start: false, restart: false });
    });
    it("a trigger change is an update that starts; an unknown trigger is a change", () => {
        assert.deepStrictEqual(decide(olds, news({ triggers: { a: 1, b: 3 } })), {
            changes: true,
            replaces: [],
            changed: ["triggers"],
            start: true,
            restart: false,
        });
        assert.deepStrictEqual(decide(olds, news({ triggers: UNKNOWN })).changed, ["triggers"]);
        assert.deepStrictEqual(decide(olds, news({ triggers: { a: UNKNOWN } })).changed, ["triggers"]);
        assert.deepStrictEqual(decide(olds, news({ triggers: undefined })).changed, ["triggers"]);
    });
    it("servicePrincipalId and jobId replace; settings update without a start", () => {
        assert.deepStrictEqual(decide(olds, news({ jobId: "scim.other" })).replaces, ["jobId"]);
        assert.deepStrictEqual(decide(olds, news({ servicePrincipalId: UNKNOWN })).replaces, ["servicePrincipalId"]);
        assert.deepStrictEqual(decide(olds, news({ onDelete: "pause", waitFor: "active" })), {
            changes: true,
            replaces: [],
            changed: ["waitFor", "onDelete"],
            start: false,
            restart: false,
        });
    });
    it("drift: a stopped job is a change only under ensureActive", () => {
        const paused = { ...olds, status: "Paused", scheduleState: "Paused" };
        assert.strictEqual(isStopped(paused), true);
        assert.deepStrictEqual(decide(paused, news()).changes, false);
        assert.deepStrictEqual(decide({ ...paused, ensureActive: true }, news({ ensureActive: true })), {
            changes: true,
            replaces: [],
            changed: ["status"],
            start: true,
            restart: false,
        });
        assert.deepStrictEqual(decide({ ...olds, status: "Quarantine", ensureActive: true }, news({ ensureActive: true })).start, true);
    });
    it("outputs written before defaults existed compare equal to the defaults", () => {
        const { startPolicy, ...rest } = olds;
        void startPolicy;
        assert.strictEqual(decide(rest, news()).changes, false);
    });
});

describe("clouds and endpoints", () => {
    it("maps environments (and azuread aliases) to Graph and authority hosts, scope from the Graph origin", () => {
        assert.deepStrictEqual(resolveEndpoints({}, undefined, {}), {
            environment: "global",
            graphEndpoint: "https://graph.microsoft.com",
            authorityHost: "https://login.microsoftonline.com",
            scope: "https://graph.microsoft.com/.default",
        });
        assert.deepStrictEqual(
            resolveEndpoints({ environment: "usgovernmentl5" }, undefined, {}).graphEndpoint,
            "https://dod-graph.microsoft.us",
        );
        assert.deepStrictEqual(resolveEndpoints({}, "usgovernment", {}).authorityHost, "https://login.microsoftonline.us");
        assert.deepStrictEqual(resolveEndpoints({}, "china", {}).scope, "https://microsoftgraph.chinacloudapi.cn/.default");
    });
    it("inputs beat ENTRA_SYNC_* variables, which beat the environment's hosts", () => {
        const env = { ENTRA_SYNC_GRAPH_ENDPOINT: "https://127.0.0.1:8443", ENTRA_SYNC_AUTHORITY_HOST: "https://127.0.0.1:8443" };
        assert.strictEqual(resolveEndpoints({}, "china", env).scope, "https://127.0.0.1:8443/.default");
        assert.strictEqual(
            resolveEndpoints({ graphEndpoint: "https://graph.proxy.example" }, undefined, env).graphEndpoint,
            "https://graph.proxy.example",
        );
        assert.throws(
            () => resolveEndpoints({}, undefined, { ENTRA_SYNC_GRAPH_ENDPOINT: "http://127.0.0.1:1" }),
            /ENTRA_SYNC_GRAPH_ENDPOINT\) must use https/,
        );
        assert.throws(() => resolveEndpoints({}, "mars", {}), /unknown environment "mars"/);
    });
    it("knows Microsoft authorities (instance discovery stays on only for them)", () => {
        assert.strictEqual(isMicrosoftAuthority("https://login.microsoftonline.us"), true);
        assert.strictEqual(isMicrosoftAuthority("https://127.0.0.1:9"), false);
    });
});

describe("credential settings", () => {
    it("per setting, azuread config first, then ARM_*; booleans parsed", () => {
        const s = resolveAuthSettings(
            { "azuread:clientId": "cfg-client", "azuread:useOidc": "true" },
            { ARM_CLIENT_ID: "env-client", ARM_TENANT_ID: "t", ARM_OIDC_TOKEN: "tok" },
        );
        assert.deepStrictEqual(s, {
            clientId: "cfg-client",
            useOidc: true,
            tenantId: "t",
            oidcToken: "tok",
            sources: { clientId: "azuread:clientId", useOidc: "azuread:useOidc", tenantId: "ARM_TENANT_ID", oidcToken: "ARM_OIDC_TOKEN" },
        });
        assert.strictEqual(
            resolveAuthSettings({}, { ACTIONS_ID_TOKEN_REQUEST_URL: "https://x" }).sources.oidcRequestUrl,
            "ACTIONS_ID_TOKEN_REQUEST_URL",
        );
    });
    it("plans the azuread provider's order: certificate, secret, OIDC, MSI, CLI, then DefaultAzureCredential", () => {
        const base = {
            tenantId: "t",
            clientId: "c",
            sources: { tenantId: "ARM_TENANT_ID", clientId: "ARM_CLIENT_ID", clientSecret: "ARM_CLIENT_SECRET" },
        };
        assert.strictEqual(planCredential({ ...base, clientSecret: "s", clientCertificatePath: "/p" }).kind, "ClientCertificateCredential");
        assert.deepStrictEqual(planCredential({ ...base, clientSecret: "s" }), {
            kind: "ClientSecretCredential",
            tenantId: "t",
            clientId: "c",
            description: "ClientSecretCredential (client c from ARM_CLIENT_ID, secret from ARM_CLIENT_SECRET, tenant from ARM_TENANT_ID)",
        });
        assert.strictEqual(planCredential({ ...base, useOidc: true }).kind, "ClientAssertionCredential (OIDC)");
        assert.strictEqual(planCredential({ useMsi: true, sources: {} }).kind, "ManagedIdentityCredential");
        assert.strictEqual(planCredential({ useCli: true, sources: {} }).kind, "AzureCliCredential");
        assert.strictEqual(planCredential({ sources: {} }).kind, "DefaultAzureCredential");
    });
    it("reads AZURE_* from the environment it is given, never from process.env", () => {
        const env = { AZURE_TENANT_ID: "env-tenant", AZURE_CLIENT_ID: "env-client" };
        const saved = { ...process.env };
        process.env.AZURE_TENANT_ID = "process-tenant";
        process.env.AZURE_CLIENT_ID = "process-client";
        try {
            const aks = planCredential(
                { useAksWorkloadIdentity: true, sources: { useAksWorkloadIdentity: "ARM_USE_AKS_WORKLOAD_IDENTITY" } },
                env,
            );
            assert.deepStrictEqual([aks.kind, aks.tenantId, aks.clientId], ["WorkloadIdentityCredential", "env-tenant", "env-client"]);
            const fallback = planCredential({ sources: {} }, env);
            assert.deepStrictEqual([fallback.tenantId, fallback.clientId], ["env-tenant", "env-client"]);
            assert.deepStrictEqual(
                [planCredential({ sources: {} }).tenantId, planCredential({ sources: {} }).clientId],
                [undefined, undefined],
            );
        } finally {
            for (const key of ["AZURE_TENANT_ID", "AZURE_CLIENT_ID"]) {
                if (saved[key] === undefined) delete process.env[key];
                else process.env[key] = saved[key];
            }
        }
    });
    it("a token is refreshed in the background from its refresh time, and waited for only near its end (as tokenCycler)", () => {
        const hour = 3_600_000;
        // An hour's token: refresh 5 minutes before the end, must refresh 1 minute before.
        assert.deepStrictEqual(refreshTimes({ token: "t", expiresOnTimestamp: hour }, 0), {
            refreshAt: hour - 300_000,
            mustRefreshAt: hour - 60_000,
        });
        // refreshAfterTimestamp (MSAL's refresh_in) wins for the background refresh.
        assert.deepStrictEqual(refreshTimes({ token: "t", expiresOnTimestamp: hour, refreshAfterTimestamp: hour / 2 }, 0), {
            refreshAt: hour / 2,
            mustRefreshAt: hour - 60_000,
        });
        // A short token (2 s): both at half its life, so it is never handed out in its last second.
        assert.deepStrictEqual(refreshTimes({ token: "t", expiresOnTimestamp: 2000 }, 0), { refreshAt: 1000, mustRefreshAt: 1000 });
    });
    it("every ENTRA_SYNC_* default comes from one table", () => {
        assert.deepStrictEqual(readSettings({}), {
            maxConcurrency: SETTING_DEFAULTS.maxConcurrency,
            requestTimeoutMs: SETTING_DEFAULTS.requestTimeoutSeconds * 1000,
            timeoutSeconds: SETTING_DEFAULTS.timeoutSeconds,
            pollIntervalMs: SETTING_DEFAULTS.pollIntervalSeconds * 1000,
            graphEndpoint: undefined,
            authorityHost: undefined,
        });
        assert.deepStrictEqual([SETTING_DEFAULTS.maxConcurrency, SETTING_DEFAULTS.timeoutSeconds], [256, 120]);
    });
    it("scrubs secrets and bearer tokens from text", () => {
        const s = { clientSecret: "hunter2-secret", sources: {} };
        assert.strictEqual(scrub("bad hunter2-secret; Authorization: Bearer eyJabc.def.ghi", s), "bad ***; Authorization: Bearer ***");
    });
});

describe("limiter: acquire(signal) / release(outcome)", () => {
    it("queues past its limit, hands a released slot to the next waiter, and drops a waiter whose deadline passes", async () => {
        const limiter = new Limiter(1);
        const first = await limiter.acquire();
        const order: string[] = [];
        const expired = limiter.acquire(AbortSignal.timeout(20)).then(
            () => order.push("expired got a slot"),
            (e: Error) => order.push(`expired: ${e.name}`),
        );
        const waiting = limiter.acquire(AbortSignal.timeout(5_000)).then((slot) => (order.push("waiting got a slot"), slot));
        await expired;
        assert.deepStrictEqual(order, ["expired: TimeoutError"]);
        first.release({ status: 200, latencyMs: 1 });
        const second = await waiting;
        assert.deepStrictEqual(order, ["expired: TimeoutError", "waiting got a slot"]);
        second.release({ latencyMs: 1 });
        second.release({ latencyMs: 1 }); // a second release of one slot frees nothing more
        const third = await limiter.acquire();
        let fourthGranted = false;
        const fourth = limiter.acquire().then((slot) => ((fourthGranted = true), slot));
        await new Promise((resolve) => setTimeout(resolve, 10));
        assert.strictEqual(fourthGranted, false, "the limit is still 1");
        third.release({ latencyMs: 1 });
        (await fourth).release({ latencyMs: 1 });
    });
});

describe("transport helpers", () => {
    it("Retry-After in seconds or as an HTTP date; absent or unparsable says nothing", () => {
        const now = Date.parse("2026-01-01T00:00:00Z");
        const h = (value?: string) => new Headers(value === undefined ? {} : { "Retry-After": value });
        assert.strictEqual(retryAfterMs(h("3"), now), 3000);
        assert.strictEqual(retryAfterMs(h("0"), now), 0);
        assert.strictEqual(retryAfterMs(h("Thu, 01 Jan 2026 00:00:05 GMT"), now), 5000);
        assert.strictEqual(retryAfterMs(h("Wed, 31 Dec 2025 23:59:00 GMT"), now), 0);
        assert.strictEqual(retryAfterMs(h(), now), undefined);
        assert.strictEqual(retryAfterMs(h("soon"), now), undefined);
    });

    it("an attempt's signal: the deadline's reason when it passes first, a TimeoutError at its own limit, nothing after dispose", async () => {
        const deadline = deadlineIn(0.02);
        const early = attemptSignal(deadline.signal, 5000);
        const own = attemptSignal(new AbortController().signal, 10);
        const disposed = attemptSignal(deadline.signal, 10);
        disposed.dispose();
        await new Promise((resolve) => setTimeout(resolve, 60));
        assert.ok(early.signal.reason instanceof DeadlineExceeded, String(early.signal.reason));
        assert.strictEqual((own.signal.reason as DOMException).name, "TimeoutError");
        assert.strictEqual(disposed.signal.aborted, false);
        early.dispose();
        const already = attemptSignal(deadline.signal, 5000);
        assert.ok(already.signal.aborted && already.signal.reason instanceof DeadlineExceeded);
    });

    it("the claims of a WWW-Authenticate challenge, decoded", () => {
        const claims = '{"access_token":{"nbf":{"essential":true,"value":"1"}}}';
        const header = `Bearer realm="", error="insufficient_claims", claims="${Buffer.from(claims).toString("base64")}"`;
        assert.strictEqual(claimsOf(new Headers({ "WWW-Authenticate": header })), claims);
        assert.strictEqual(claimsOf(new Headers({ "WWW-Authenticate": 'Bearer realm=""' })), undefined);
        assert.strictEqual(claimsOf(new Headers()), undefined);
    });
});

describe("docs", () => {
    it("the README's quick start is examples/quickstart/index.ts (the program the engine test deploys)", () => {
        const root = path.resolve(__dirname, "../..");
        const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
        const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf("In your own Pulumi TypeScript program")))?.[1];
        assert.strictEqual(block?.trim(), fs.readFileSync(path.join(root, "examples/quickstart/index.ts"), "utf8").trim());
    });

    it("the README's performance figures are those in docs/benchmark/results.json", () => {
        const root = path.resolve(__dirname, "../..");
        const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
        const results = JSON.parse(fs.readFileSync(path.join(root, "docs/benchmark/results.json"), "utf8"));
        const at = (variant: string, n: number) =>
            results.runs
                .filter((r: { variant: string; n: number; latencyMs: number }) => r.variant === variant && r.n === n && r.latencyMs === 50)
                .map((r: { wallMs: number }) => Math.round(r.wallMs));
        for (const n of [200, 1000]) {
            const raw = Math.min(...at("raw-HTTP", n));
            const [sync] = at("SyncJobStart", n);
            const [naive] = at("naive", n);
            const row = `| ${n.toLocaleString("en-US")} | ${raw} ms | ${sync} ms | ${(sync / raw).toFixed(2)} | ${naive} ms |`;
            assert.ok(readme.includes(row), `README lacks ${row}`);
        }
    });
});

describe("restart: restartScope, the restart decision, the run to wait for", () => {
    const SP = "1b9e6a3e-0c8f-4a56-9a57-2b1f3c4d5e6f";
    const base = { servicePrincipalId: SP, jobId: "scim.1", ...DEFAULTS, timeoutSeconds: 120 };

    it("restartScope: any case and spacing, in canonical order; None, ConnectorDataStore and unknown names refused", () => {
        assert.deepStrictEqual(normalizeRestartScope(" escrows,WATERMARK "), { scope: "Watermark, Escrows" });
        assert.deepStrictEqual(normalizeRestartScope("Full"), { scope: "Full" });
        assert.match(String(normalizeRestartScope("None").problem), /^None is documented by Microsoft as "DO NOT USE"/);
        assert.match(String(normalizeRestartScope("connectordatastore").problem), /DO NOT USE/);
        assert.match(
            String(normalizeRestartScope("Watermark, Cache").problem),
            /^"Cache" is not one of Watermark, Escrows, QuarantineState, ForceDeletes, Full/,
        );
        assert.match(String(normalizeRestartScope("").problem), /is not a comma-separated list/);
        assert.deepStrictEqual(
            checkInputs({ ...base, restartScope: "None" }).failures.map((f) => f.property),
            ["restartScope"],
        );
    });

    it("restartTriggers: a change of a value in state restarts; absent → set records; with triggers: one restart, no start; unknown in preview is a change", () => {
        const olds = { ...base, restartTriggers: { m: 1 }, status: "Active", scheduleState: "Active", startCount: 1 };
        assert.deepStrictEqual(decide(olds, { ...base, restartTriggers: { m: 1 } }).changes, false);
        assert.deepStrictEqual(decide(olds, { ...base, restartTriggers: { m: 2 } }), {
            changes: true,
            replaces: [],
            changed: ["restartTriggers"],
            start: false,
            restart: true,
        });
        const together = decide(olds, { ...base, triggers: 2, restartTriggers: { m: 2 } });
        assert.deepStrictEqual([together.start, together.restart], [false, true]);
        const absent = decide({ ...olds, restartTriggers: undefined }, { ...base, restartTriggers: { m: 1 } });
        assert.deepStrictEqual([absent.changes, absent.start, absent.restart], [true, false, false]);
        assert.deepStrictEqual(decide(olds, { ...base, restartTriggers: UNKNOWN }).changed, ["restartTriggers"]);
        assert.deepStrictEqual(decide(olds, { ...base, restartTriggers: { m: 1 }, restartScope: "Full" }), {
            changes: true,
            replaces: [],
            changed: ["restartScope"],
            start: false,
            restart: false,
        });
    });

    it("the run to wait for is one that began after the run read before the action", () => {
        const before = { timeBegan: "2026-11-23T01:00:00Z", timeEnded: "2026-11-23T01:05:00Z" };
        assert.strictEqual(isLaterRun({ timeBegan: "2026-11-23T01:00:00Z" }, before), false);
        assert.strictEqual(isLaterRun({ timeBegan: "2026-11-23T01:06:00.000Z" }, before), true);
        assert.strictEqual(isLaterRun({ timeBegan: "2026-11-23T00:59:00Z" }, undefined), true);
        assert.strictEqual(isLaterRun(undefined, before), false);
    });

    it("an unanswered restart counts as done only for a run begun after it, on Graph's clock (its Date header)", () => {
        const job = (timeBegan?: string) => ({
            id: "j",
            status: "Active",
            scheduleState: "Active",
            lastRun: timeBegan ? { timeBegan } : undefined,
        });
        const sentAt = Date.parse("2026-11-23T10:00:00.000Z");
        const receivedAt = sentAt + 300;
        // Graph's clock 1 h ahead of ours: its Date header says 11:00:00 when our clock reads 10:00:00.300.
        const ahead = "Mon, 23 Nov 2026 11:00:00 GMT";
        assert.strictEqual(runBeganAfter(job("2026-11-23T11:00:00.100Z"), sentAt, ahead, receivedAt), true);
        assert.strictEqual(
            runBeganAfter(job("2026-11-23T10:00:00.100Z"), sentAt, ahead, receivedAt),
            false,
            "on our clock it is after, on Graph's an hour before",
        );
        // Graph's clock 1 h behind: a run stamped 09:00:00.1 began after the POST.
        const behind = "Mon, 23 Nov 2026 09:00:00 GMT";
        assert.strictEqual(runBeganAfter(job("2026-11-23T09:00:00.100Z"), sentAt, behind, receivedAt), true);
        assert.strictEqual(runBeganAfter(job("2026-11-23T08:59:00.000Z"), sentAt, behind, receivedAt), false);
        // Same clocks: the bar is ~1.3 s before the POST (whole-second Date, the read's latency, 1 s stamp slack), never after it.
        const same = "Mon, 23 Nov 2026 10:00:00 GMT";
        assert.strictEqual(runBeganAfter(job("2026-11-23T09:59:58.800Z"), sentAt, same, receivedAt), true);
        assert.strictEqual(runBeganAfter(job("2026-11-23T09:59:58.600Z"), sentAt, same, receivedAt), false);
        assert.strictEqual(runBeganAfter(job("2026-11-23T09:50:00Z"), sentAt, same, receivedAt), false);
        // No run, no Date header, an unparsable one: no proof.
        assert.strictEqual(runBeganAfter(job(), sentAt, same, receivedAt), false);
        assert.strictEqual(runBeganAfter(job("2026-11-23T10:00:01Z"), sentAt, null, receivedAt), false);
        assert.strictEqual(runBeganAfter(job("2026-11-23T10:00:01Z"), sentAt, "soon", receivedAt), false);
    });
});
