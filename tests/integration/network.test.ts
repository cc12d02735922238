/**
 * The network as it really behaves (design.md): each fault the emulator can inject, against the
 * provider's operations in this process with the real Graph client and @azure/identity. Each test
 * asserts the starts the service performed, what reached the other origin, the error class and
 * text, the requests by kind, and that the operation ended within timeoutSeconds plus a margin.
 * Elapsed times are logged ("[network] …") for docs/reliability.md.
 */
import * as assert from "assert";
import * as net from "net";
import { Emulator } from "../../emulator";
import { CredentialError, GraphRequestError, TransportError, TokenRejectedError } from "../../provider/errors";
import { checkInputs } from "../../provider/inputs";
import { TOKEN_RETRY } from "../../provider/auth/credential";
import * as ops from "../../provider/operations";
import { attemptsSaid, checkFaultsUsed, emulatorEnv, receivedAttempts, setEnv, startTestEmulator } from "../support/testEnv";
import { config, inputs } from "../support/operations";

/** Runs an operation; returns its error (or undefined) and the time it took, logged for the docs. */
async function timed<T>(label: string, p: Promise<T>): Promise<{ error?: Error; value?: T; ms: number }> {
    const t0 = Date.now();
    try {
        const value = await p;
        const ms = Date.now() - t0;
        console.log(`      [network] ${label}: done in ${ms} ms`);
        return { value, ms };
    } catch (e) {
        const ms = Date.now() - t0;
        console.log(`      [network] ${label}: ${(e as Error).name} in ${ms} ms`);
        return { error: e as Error, ms };
    }
}

describe("the network as it really behaves (operations in process)", function () {
    this.timeout(30_000);
    let emu: Emulator;
    let restore: () => void;
    let sp: string;
    const path = (jobId: string) => `/v1.0/servicePrincipals/${sp}/synchronization/jobs/${jobId}`;

    beforeEach(async () => {
        emu = await startTestEmulator();
        sp = emu.seed.servicePrincipalId;
        // Short per-attempt limit: slow faults end fast.
        restore = setEnv(emulatorEnv(emu, { ENTRA_SYNC_REQUEST_TIMEOUT_SECONDS: "0.5" }));
        await config({});
    });
    checkFaultsUsed(() => emu);
    afterEach(async () => {
        restore();
        await emu.close();
    });

    describe("never two starts per trigger change", () => {
        for (const kind of ["processThenReset", "processThenHang"] as const) {
            it(`start processed, then ${kind === "processThenReset" ? "reset" : "no answer"}: the job is read, not started again; state says one start`, async () => {
                emu.inject({ fault: { kind }, routes: ["start"], times: 1 });
                const r = await timed(`start ${kind}`, ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 5 })));
                assert.strictEqual(r.error, undefined);
                assert.strictEqual(emu.job(sp, emu.seed.pausedJobId)!.starts, 1);
                assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
                assert.deepStrictEqual(
                    emu.filter({ kind: "start" }).map((x) => x.status),
                    // Handled for real (the emulator logs the answer it then withheld).
                    [204],
                );
                assert.strictEqual(r.value!.outs!.startCount, 1);
                assert.strictEqual(r.value!.outs!.lastAction, "started");
                assert.strictEqual(r.value!.outs!.status, "Active");
                // Done under its 5 s timeoutSeconds (a later answer would have failed it); the calls above are the effect.
            });
        }

        it("start reset before it was processed: the read finds the job paused, so it is started (once)", async () => {
            emu.inject({ fault: { kind: "reset" }, routes: ["start"], times: 1 });
            const r = await timed("start reset", ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 5 })));
            assert.strictEqual(r.error, undefined);
            assert.strictEqual(emu.job(sp, emu.seed.pausedJobId)!.starts, 1);
            // The read after the lost answer shows the job paused: read again (Graph may lag), still paused, then sent again.
            assert.deepStrictEqual(emu.graphCalls(), [
                "GET getJob",
                "POST start",
                "GET getJob",
                "GET getJob",
                "GET getJob",
                "POST start",
                "GET getJob",
            ]);
            assert.strictEqual(r.value!.outs!.startCount, 1);
        });

        it("restart: a scheduled run that began while the POST waited out a 429 is not taken for the restart (reset before Graph saw it)", async () => {
            // Running; the last run ended 3599 s ago, so the next scheduled one begins ~1 s from now (and lasts 10 min).
            const job = emu.addJob(sp, {
                state: "Active",
                run: { intervalMs: 3_600_000, delayMs: 600_000 },
                history: { endedSecondsAgo: 3599 },
            });
            const created = await ops.create(inputs(sp, job.id, { restartTriggers: 1, timeoutSeconds: 15 }));
            assert.strictEqual(created.outs!.lastAction, "skipped");
            emu.clearLog();
            emu.inject({ fault: { kind: "status", status: 429, retryAfterSeconds: 4 }, routes: ["restart"], times: 1 });
            emu.inject({ fault: { kind: "reset" }, routes: ["restart"], times: 1 });
            const r = await timed(
                "restart 429 then reset",
                ops.update(created.id, created.outs!, inputs(sp, job.id, { restartTriggers: 2, timeoutSeconds: 15 })),
            );
            assert.strictEqual(r.error?.name, "RestartUnconfirmedError", r.error?.message);
            assert.match(
                r.error!.message,
                /Active\/Active, as a restart would leave it, but no provisioning run began after the restart was sent/,
            );
            // The scheduled run began between the two POSTs: it is there, and it is not the restart's.
            const began = emu.job(sp, job.id)!.runs.current!.timeBegan;
            const [first, second] = emu.filter({ kind: "restart" }).map((x) => x.at);
            assert.ok(first < began && began < second, `run began ${began}, restarts sent ${first} and ${second}`);
            // The read before the restart, then the reads after the lost answer (Graph may lag: three, none shows a new run).
            assert.deepStrictEqual(emu.graphCalls(), [
                "GET getJob",
                "POST restart",
                "POST restart",
                "GET getJob",
                "GET getJob",
                "GET getJob",
            ]);
            assert.strictEqual(emu.job(sp, job.id)!.restarts, 0);
        });

        it("504 from a gateway on start: read first; HTML 200 on start: read first", async () => {
            emu.inject({ fault: { kind: "status", status: 504, retryAfterSeconds: 0 }, routes: ["start"], times: 1 });
            emu.inject({ fault: { kind: "html", status: 200 }, routes: ["start"], times: 1 });
            const r = await timed("start 504 then html", ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 8 })));
            assert.strictEqual(r.error, undefined);
            assert.deepStrictEqual(
                emu.filter({ kind: "start" }).map((x) => x.status),
                [504, 200, 204],
            );
            assert.deepStrictEqual(emu.graphCalls(), [
                "GET getJob",
                "POST start",
                ...["GET getJob", "GET getJob", "GET getJob"],
                "POST start",
                ...["GET getJob", "GET getJob", "GET getJob"],
                "POST start",
                "GET getJob",
            ]);
            assert.strictEqual(emu.job(sp, emu.seed.pausedJobId)!.starts, 1);
        });
    });

    describe("no redirect is followed; the token stays with Graph", () => {
        for (const location of ["otherOrigin", "malformedSlash", "malformedBackslash"] as const) {
            it(`307 to ${location}: an error naming the Location's origin; nothing reached the other origin`, async () => {
                emu.inject({ fault: { kind: "redirect", status: 307, location }, routes: ["getJob"] });
                const r = await timed(`redirect ${location}`, ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 2 })));
                const e = r.error!;
                assert.ok(e instanceof GraphRequestError && e.name === "GraphRequestError", e?.message);
                const other = emu.otherOrigin.url;
                const otherPort = new URL(other).port;
                const raw = {
                    otherOrigin: `${other}`,
                    malformedSlash: `https:/127.0.0.1:${otherPort}`,
                    malformedBackslash: `https:\\\\127.0.0.1:${otherPort}`,
                }[location];
                // As fetch resolves it: "https:/host" is a path on the Graph origin; "https:\\host" is the other host.
                const resolved = location === "malformedSlash" ? emu.graphEndpoint : other;
                assert.strictEqual(
                    e.message,
                    `read job failed: GET ${path(emu.seed.pausedJobId)} -> 307: redirect to ${resolved} refused (Location: ${JSON.stringify((raw + path(emu.seed.pausedJobId)).slice(0, 120))}); ` +
                        e.message.match(/1 attempt in \d+\.\d s/)![0] +
                        ". The synchronization API never redirects, so no redirect is followed and no token left the Graph origin. Check graphEndpoint and any proxy in between.",
                );
                assert.strictEqual(emu.otherOrigin.requests.length, 0);
                assert.strictEqual(emu.otherOrigin.requests.filter((x) => x.authorization).length, 0);
                assert.deepStrictEqual(emu.graphCalls(), ["GET getJob"]);
                assert.strictEqual(emu.job(sp, emu.seed.pausedJobId)!.starts, 0);
            });
        }
    });

    describe("only a JSON job is state", () => {
        it("a proxy's HTML page with 200 on every read of an Active job: an error naming HTML and the origin; never started", async () => {
            const job = emu.addJob(sp, { state: "Active" });
            emu.inject({ fault: { kind: "html", status: 200 }, routes: ["getJob"] });
            const r = await timed("html 200 always, timeoutSeconds 1", ops.create(inputs(sp, job.id, { timeoutSeconds: 1 })));
            const e = r.error!;
            assert.strictEqual(e.name, "GraphRequestError");
            assert.match(
                e.message,
                new RegExp(
                    `^read job failed: GET ${path(job.id)} -> 200: HTML from ${emu.graphEndpoint} \\(a proxy's page\\?\\) with status 200; \\d+ attempts in \\d\\.\\d s\\. It was not read as the job's state\\.`,
                ),
            );
            assert.strictEqual(emu.count({ kind: "start" }), 0);
            assert.strictEqual(emu.job(sp, job.id)!.starts, 0);
            assert.ok(attemptsSaid(e.message) >= 2, "a GET is retried within the deadline");
            assert.ok(receivedAttempts(emu.count({ kind: "getJob" }), e.message), `${emu.count({ kind: "getJob" })} reads: ${e.message}`);
        });

        it("an empty 200 on the read after an unanswered start is not a stopped job: read again, and the start is not sent twice", async () => {
            emu.inject({ fault: { kind: "processThenReset" }, routes: ["start"], times: 1 });
            emu.inject({ fault: { kind: "empty", status: 200 }, routes: ["getJob"], times: 1 });
            // startPolicy "always" with allowHeldDeletes: no read before the start, so the empty answer is the read after the lost one.
            const r = await timed(
                "start reset, empty read",
                ops.create(inputs(sp, emu.seed.pausedJobId, { startPolicy: "always", allowHeldDeletes: true, timeoutSeconds: 8 })),
            );
            assert.strictEqual(r.error, undefined);
            // After the lost answer: empty, then Active (no second start), which is also the read after the start.
            assert.deepStrictEqual(
                emu.requests.filter((x) => x.kind === "getJob").map((x) => `${x.status} ${x.fault ?? "-"}`),
                ["200 empty", "200 -"],
            );
            assert.deepStrictEqual(emu.graphCalls(), ["POST start", "GET getJob", "GET getJob"]);
            assert.strictEqual(emu.job(sp, emu.seed.pausedJobId)!.starts, 1);
            assert.deepStrictEqual([r.value!.outs!.lastAction, r.value!.outs!.startCount, r.value!.outs!.status], ["started", 1, "Active"]);
        });

        it("one HTML page on a read is retried: the Active job is read and skipped, with its status", async () => {
            const job = emu.addJob(sp, { state: "Active" });
            emu.inject({ fault: { kind: "html", status: 502 }, routes: ["getJob"], times: 1 });
            const r = await ops.create(inputs(sp, job.id, { timeoutSeconds: 5 }));
            assert.strictEqual(r.outs!.lastAction, "skipped");
            assert.strictEqual(r.outs!.status, "Active");
            assert.deepStrictEqual(
                emu.filter({ kind: "getJob" }).map((x) => x.status),
                [502, 200],
            );
            assert.strictEqual(emu.count({ kind: "start" }), 0);
        });
    });

    describe("JSON that is not a job", () => {
        it("a 200 with JSON but no job's shape is not state: the read is retried; always: an error naming it", async () => {
            emu.inject({ fault: { kind: "status", status: 200 }, routes: ["getJob"], times: 1 });
            const ok = await ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 5 }));
            assert.strictEqual(ok.outs!.status, "Active");
            assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "GET getJob", "POST start", "GET getJob"]);

            const job = emu.addJob(sp, { state: "Paused" });
            emu.inject({ fault: { kind: "status", status: 200 }, routes: ["getJob"] });
            const r = await timed(
                "JSON without a job's shape always, timeoutSeconds 1",
                ops.create(inputs(sp, job.id, { timeoutSeconds: 1 })),
            );
            assert.strictEqual(r.error!.name, "GraphRequestError");
            assert.match(
                r.error!.message,
                /-> 200 \S+ \(request-id [0-9a-f-]{36}\): JSON without a synchronization job's id and status\.code from https:\/\/127\.0\.0\.1:\d+ \(a proxy's answer\?\) with status 200; \d+ attempts in \d\.\d s\. It was not read as the job's state\./,
            );
            assert.strictEqual(job.starts, 0);
        });

        it("a transport error keeps fetch's error as its cause, with the socket's code", async () => {
            emu.inject({ fault: { kind: "reset" }, routes: ["getJob"] });
            const r = await timed("every GET reset, timeoutSeconds 1", ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 1 })));
            const e = r.error as TransportError;
            assert.ok(e instanceof TransportError, e?.message);
            const cause = e.cause as { name?: string; message?: string; cause?: { code?: string } };
            assert.deepStrictEqual([cause.name, cause.message, cause.cause?.code], ["TypeError", "fetch failed", "ECONNRESET"]);
        });
    });

    describe("one deadline per operation", () => {
        it("every GET hangs: ends at timeoutSeconds with 'no answer within 0.5 s', the attempts and the time", async () => {
            emu.inject({ fault: { kind: "hang" }, routes: ["getJob"] });
            const r = await timed("every GET hangs, timeoutSeconds 1", ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 1 })));
            const e = r.error!;
            assert.ok(e instanceof TransportError, e?.message);
            assert.match(
                e.message,
                new RegExp(
                    `^read job failed: GET ${path(emu.seed.pausedJobId)} -> no response: no answer within 0\\.\\d+ s; [2-4] attempts in 1\\.\\d s\\. No time was left within the 1 s timeoutSeconds\\.`,
                ),
            );
            assert.strictEqual(emu.count({ kind: "start" }), 0);
            assert.ok(receivedAttempts(emu.count({ kind: "getJob" }), e.message), `${emu.count({ kind: "getJob" })} reads: ${e.message}`);
        });

        it("headers, then a stalled body: cut at the per-attempt limit and retried; always stalled: the deadline names it", async () => {
            emu.inject({ fault: { kind: "stallBody" }, routes: ["getJob"], times: 1 });
            const ok = await timed("stallBody once", ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 5 })));
            assert.strictEqual(ok.error, undefined);
            assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "GET getJob", "POST start", "GET getJob"]);
            // The stalled read was cut at the 0.5 s per-attempt limit (not the 5 s deadline): the second read above.

            emu.clearLog();
            const job = emu.addJob(sp, { state: "Paused" });
            emu.inject({ fault: { kind: "headersThenSilence" }, routes: ["getJob"] });
            const r = await timed("headersThenSilence always, timeoutSeconds 1", ops.create(inputs(sp, job.id, { timeoutSeconds: 1 })));
            const e = r.error!;
            assert.ok(e instanceof TransportError, e?.message);
            assert.match(
                e.message,
                /-> no response: the body stalled after the headers \(no complete body within 0\.\d+ s\); [2-4] attempts in 1\.\d s\. No time was left within the 1 s timeoutSeconds\./,
            );
            assert.strictEqual(emu.count({ kind: "start" }), 0);
            assert.ok(receivedAttempts(emu.count({ kind: "getJob" }), e.message), `${emu.count({ kind: "getJob" })} reads: ${e.message}`);
        });

        it("a Graph host whose TLS handshake never completes: ends at timeoutSeconds, naming the wait", async () => {
            const r = await timed(
                "Graph TLS never completes, timeoutSeconds 1",
                ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 1, graphEndpoint: emu.blackhole.url })),
            );
            const e = r.error!;
            assert.ok(e instanceof TransportError, e?.message);
            assert.match(
                e.message,
                /^read job failed: GET \S+ -> no response: no answer within 0\.\d+ s; [2-4] attempts in 1\.\d s\. No time was left within the 1 s timeoutSeconds\. Check the network path to Graph \(proxy, firewall, https:\/\/127\.0\.0\.1:\d+\)/,
            );
            assert.ok(receivedAttempts(emu.blackhole.connections, e.message), `${emu.blackhole.connections} connections: ${e.message}`);
            assert.strictEqual(emu.count({ kind: "token" }), 1);
            assert.deepStrictEqual(emu.graphCalls(), []);
        });

        it("a cut body and a closed connection on a read are retried", async () => {
            emu.inject({ fault: { kind: "cutBody" }, routes: ["getJob"], times: 1 });
            emu.inject({ fault: { kind: "close" }, routes: ["getJob"], times: 1 });
            const r = await ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 5 }));
            assert.strictEqual(r.outs!.lastAction, "started");
            assert.strictEqual(emu.count({ kind: "getJob" }), 4);
            assert.strictEqual(emu.job(sp, emu.seed.pausedJobId)!.starts, 1);
        });

        it("the token endpoint hangs: every waiter ends at its own deadline; the abandoned request is not reused", async () => {
            emu.inject({ fault: { kind: "hang" }, routes: ["token"] });
            const other = emu.addJob(sp, { state: "Paused" });
            const [short, long] = await Promise.all([
                timed("token hangs, timeoutSeconds 0.5", ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 0.5 }))),
                timed("token hangs, timeoutSeconds 1.5", ops.create(inputs(sp, other.id, { timeoutSeconds: 1.5 }))),
            ]);
            for (const [r, seconds] of [
                [short, 0.5],
                [long, 1.5],
            ] as const) {
                const e = r.error!;
                assert.ok(e instanceof CredentialError, e?.message);
                assert.match(
                    e.message,
                    new RegExp(
                        `^get token failed with DefaultAzureCredential .*: no token from ${emu.authorityHost.replace(/\./g, "\\.")} within the ${seconds} s timeoutSeconds \\(the token endpoint did not answer, or its TLS handshake never completed\\)\\.`,
                    ),
                );
                // Each waiter left at its own deadline: the message names it, and the token requests below count the abandonment.
            }
            // One shared request; abandoned at the first deadline, the second waiter asked anew.
            assert.strictEqual(emu.count({ kind: "token" }), 2);
            assert.deepStrictEqual(emu.graphCalls(), []);
        });

        it("an authority whose TLS handshake never completes: ends at timeoutSeconds", async () => {
            const r = await timed(
                "authority TLS never completes, timeoutSeconds 1",
                ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 1, authorityHost: emu.blackhole.url })),
            );
            const e = r.error!;
            assert.ok(e instanceof CredentialError, e?.message);
            assert.ok(e.message.includes(`no token from ${emu.blackhole.url} within the 1 s timeoutSeconds`), e.message);
            assert.ok(emu.blackhole.connections >= 1, "the authority was tried");
            assert.deepStrictEqual(emu.graphCalls(), []);
        });
    });

    describe("retries by cause, errors that tell the truth", () => {
        it("500 without a request-id: retried for a read; always: the status, the attempts, no request-id claimed", async () => {
            emu.inject({ fault: { kind: "status", status: 500 }, routes: ["getJob"], times: 2 });
            const ok = await ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 5 }));
            assert.strictEqual(ok.outs!.lastAction, "started");
            assert.deepStrictEqual(
                emu.filter({ kind: "getJob" }).map((x) => x.status),
                [500, 500, 200, 200],
            );

            const job = emu.addJob(sp, { state: "Paused" });
            emu.inject({ fault: { kind: "status", status: 502 }, routes: ["getJob"] });
            const r = await timed("502 always, timeoutSeconds 1", ops.create(inputs(sp, job.id, { timeoutSeconds: 1 })));
            const e = r.error!;
            assert.strictEqual(e.name, "GraphRequestError");
            assert.match(
                e.message,
                new RegExp(`^read job failed: GET ${path(job.id)} -> 502 UnknownError \\(request-id [0-9a-f-]{36}\\): `),
            );
            assert.match(e.message, /\(\d+ attempts in \d\.\d s\)|request-id identifies the call/);
            // Retried until the deadline: more than one read of this job reached Graph, and as many as the error says.
            const reads = emu.filter({ kind: "getJob" }).filter((x) => x.jobId === job.id).length;
            assert.ok(reads >= 2, `${reads} reads`);
            if (/ attempts in /.test(e.message)) assert.ok(receivedAttempts(reads, e.message), `${reads} reads: ${e.message}`);
            assert.strictEqual(emu.job(sp, job.id)!.starts, 0);
        });

        it("401 with a claims challenge: the claims reach the credential, one fresh token, the call succeeds", async () => {
            emu.inject({ fault: { kind: "unauthorized", claims: true }, routes: ["getJob"], times: 1 });
            const r = await ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 5 }));
            assert.strictEqual(r.outs!.lastAction, "started");
            assert.strictEqual(emu.count({ kind: "token" }), 2);
            assert.deepStrictEqual(
                emu.filter({ kind: "getJob" }).map((x) => x.status),
                [401, 200, 200],
            );
        });

        it("401 twice: TokenRejectedError after one refresh", async () => {
            emu.inject({ fault: { kind: "unauthorized", claims: true }, routes: ["getJob"] });
            const r = await timed("401 always", ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 5 })));
            assert.ok(r.error instanceof TokenRejectedError, r.error?.message);
            assert.strictEqual(emu.count({ kind: "token" }), 2);
            assert.strictEqual(emu.count({ kind: "getJob" }), 2);
        });

        it("the authority unreachable: reported as a network failure, not as a wrong secret", async () => {
            const closed = net.createServer();
            await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", () => resolve()));
            const port = (closed.address() as net.AddressInfo).port;
            await new Promise<void>((resolve) => closed.close(() => resolve()));
            const r = await timed(
                "authority refused",
                ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 5, authorityHost: `https://127.0.0.1:${port}` })),
            );
            const e = r.error!;
            assert.ok(e instanceof CredentialError, e?.message);
            assert.match(
                e.message,
                /: the authority https:\/\/127\.0\.0\.1:\d+ could not be reached \((ECONNREFUSED|endpoints_resolution_error: its OpenID metadata could not be fetched)\): a network failure, not a wrong secret\./,
            );
            assert.ok(!e.message.includes("Check the client id"), e.message);

            emu.inject({ fault: { kind: "reset" }, routes: ["token"] });
            const reset = await timed("token endpoint reset", ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 5 })));
            assert.ok(reset.error instanceof CredentialError, reset.error?.message);
            assert.match(
                reset.error.message,
                /could not be reached \((ECONNRESET|network error)\): a network failure, not a wrong secret\./,
            );
            assert.ok(!reset.error.message.includes("Check the client id"), reset.error.message);
            // Reset every time: the first request and @azure/identity's own retries, no more.
            assert.deepStrictEqual(
                emu.filter({ kind: "token" }).map((x) => x.status),
                Array<number>(1 + TOKEN_RETRY.maxRetries).fill(-1),
            );
            assert.deepStrictEqual(emu.graphCalls(), []);
        });

        it("timeoutSeconds: checked, echoed, and changing it is an update without a Graph call", async () => {
            const bad = checkInputs({ servicePrincipalId: sp, jobId: emu.seed.pausedJobId, timeoutSeconds: 0 });
            assert.deepStrictEqual(bad.failures, [
                {
                    property: "timeoutSeconds",
                    reason: "0 is not a positive number of seconds (at most 86400); give e.g. 120, or leave it out for ENTRA_SYNC_TIMEOUT_SECONDS (default 120)",
                },
            ]);
            const created = await ops.create(inputs(sp, emu.seed.pausedJobId));
            assert.strictEqual(created.outs!.timeoutSeconds, 120);
            emu.clearLog();
            const news = inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 30 });
            assert.deepStrictEqual((await ops.diff(created.id, created.outs!, news)).changes, true);
            const updated = await ops.update(created.id, created.outs!, news);
            assert.strictEqual(updated.outs!.timeoutSeconds, 30);
            assert.deepStrictEqual(emu.requests, []);
        });
    });
});
