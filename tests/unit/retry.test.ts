/**
 * graph/retry.ts's decide: every cause of a failed attempt gives one exact decision, without a
 * socket, a clock or a random draw (the attempt says what time it is and what the jitter drew).
 */
import * as assert from "assert";
import { OutcomeUnknown } from "../../provider/graph/call";
import type { GraphCall } from "../../provider/graph/call";
import type { GraphAnswer } from "../../provider/graph/explain";
import { Attempt, backoffMs, decide, Decision, Outcome, outOfTime, readAnswer, RetryContext } from "../../provider/graph/retry";
import { jobShapeProblem } from "../../provider/job/view";

const GRAPH = "https://graph.example.test";
const JOB_PATH = "/servicePrincipals/sp-1/synchronization/jobs/job-1";
const NOW = Date.parse("2026-01-01T00:00:00Z");

const context: RetryContext = {
    endpoints: { environment: "global", graphEndpoint: GRAPH, authorityHost: "https://login.example.test", scope: `${GRAPH}/.default` },
    credential: { description: "ClientSecretCredential (ARM_CLIENT_ID, ARM_CLIENT_SECRET)", tenantId: "tenant-1" },
    origin: GRAPH,
};
const get: GraphCall = { operation: "read job", method: "GET", path: JOB_PATH, apiVersion: "v1.0", accept: jobShapeProblem };
const post: GraphCall = { operation: "start job", method: "POST", path: `${JOB_PATH}/start`, apiVersion: "v1.0" };

/** The attempt: the first of a call 1.5 s old with 60 s left, jitter 0.5 (the backoff itself: 250 ms). */
function attempt(call: GraphCall, over: Partial<Attempt> = {}): Attempt {
    return {
        call,
        attempts: 1,
        now: NOW,
        elapsedMs: 1500,
        remainingMs: 60_000,
        deadlineSeconds: 120,
        deadlineHit: false,
        tokenRefreshed: false,
        sentAt: NOW - 100,
        jitter: 0.5,
        context,
        ...over,
    };
}

function answer(status: number, headers: Record<string, string> = {}, text = ""): Outcome {
    return { kind: "answer", answer: { status, headers: new Headers(headers), text } };
}

function noAnswer(thrown: unknown, over: Partial<Extract<Outcome, { kind: "no answer" }>> = {}): Outcome {
    return { kind: "no answer", thrown, phase: "headers", sent: true, attemptLimitMs: 30_000, ...over };
}

/** fetch's failure as undici throws it: TypeError "fetch failed" with the socket's error as cause. */
function fetchFailed(code: string): Error {
    return new TypeError("fetch failed", { cause: Object.assign(new Error(`${code} error`), { code }) });
}

const timeout = new DOMException("The operation was aborted due to timeout", "TimeoutError");

/** A give-up decision as "<name>: <message>", and for OutcomeUnknown the error it carries and when the POST was sent. */
function gaveUp(decision: Decision): string {
    assert.ok("giveUp" in decision, `expected a give-up, got ${JSON.stringify(decision)}`);
    const error = decision.giveUp;
    if (error instanceof OutcomeUnknown)
        return `OutcomeUnknown(sent ${error.sentAt - NOW} ms) of ${error.error.name}: ${error.error.message}`;
    return `${error.name}: ${error.message}`;
}

const GRAPH_ERROR = (code: string, message: string) => JSON.stringify({ error: { code, message } });
const REQUEST_ID = { "request-id": "req-1", "content-type": "application/json" };

describe("retry: decide(attempt, outcome)", () => {
    describe("429, 503, 504: throttled", () => {
        for (const status of [429, 503, 504]) {
            it(`${status} with Retry-After: waits what Graph asked, for a GET and (but 504) a POST`, () => {
                assert.deepStrictEqual(decide(attempt(get), answer(status, { "Retry-After": "7" })), {
                    retryAfterMs: 7000,
                    cause: `${status} (throttled)`,
                });
                if (status !== 504) {
                    assert.deepStrictEqual(decide(attempt(post, { attempts: 4 }), answer(status, { "Retry-After": "0" })), {
                        retryAfterMs: 0,
                        cause: `${status} (throttled)`,
                    });
                }
            });

            it(`${status} without Retry-After: the backoff plus 750 ms`, () => {
                assert.deepStrictEqual(decide(attempt(get), answer(status)), { retryAfterMs: 250 + 750, cause: `${status} (throttled)` });
                assert.deepStrictEqual(decide(attempt(get, { attempts: 3 }), answer(status)), {
                    retryAfterMs: 1000 + 750,
                    cause: `${status} (throttled)`,
                });
                assert.deepStrictEqual(decide(attempt(get, { attempts: 3, jitter: 0 }), answer(status)), {
                    retryAfterMs: 750 + 750,
                    cause: `${status} (throttled)`,
                });
            });
        }

        it("Retry-After as an HTTP date counts from the attempt's now; a date past is 0", () => {
            assert.deepStrictEqual(decide(attempt(get), answer(429, { "Retry-After": "Thu, 01 Jan 2026 00:00:05 GMT" })), {
                retryAfterMs: 5000,
                cause: "429 (throttled)",
            });
            assert.deepStrictEqual(decide(attempt(get), answer(429, { "Retry-After": "Wed, 31 Dec 2025 23:00:00 GMT" })), {
                retryAfterMs: 0,
                cause: "429 (throttled)",
            });
        });

        it("a wait the deadline cannot hold gives up now with ThrottledError (equal is too long too)", () => {
            const throttled = answer(429, { "Retry-After": "30", ...REQUEST_ID }, GRAPH_ERROR("TooManyRequests", "Too many requests."));
            const expected =
                "ThrottledError: read job failed: GET /v1.0" +
                JOB_PATH +
                " -> 429 TooManyRequests (request-id req-1): Too many requests. Graph kept throttling (3 attempts in 1.5 s); its Retry-After did not fit in what was left of timeoutSeconds. " +
                "Lower the deployment's parallelism (pulumi up --parallel), spread pipelines sharing this app registration, or raise timeoutSeconds (ENTRA_SYNC_TIMEOUT_SECONDS).";
            assert.strictEqual(gaveUp(decide(attempt(get, { attempts: 3, remainingMs: 29_999 }), throttled)), expected);
            assert.strictEqual(gaveUp(decide(attempt(get, { attempts: 3, remainingMs: 30_000 }), throttled)), expected);
            assert.deepStrictEqual(decide(attempt(get, { attempts: 3, remainingMs: 30_001 }), throttled), {
                retryAfterMs: 30_000,
                cause: "429 (throttled)",
            });
        });

        it("504 on a POST: the gateway may have passed it on, so its outcome is unknown (never sent again blindly)", () => {
            assert.strictEqual(
                gaveUp(decide(attempt(post), answer(504, { "Retry-After": "1" }))),
                "OutcomeUnknown(sent -100 ms) of ThrottledError: start job failed: POST /v1.0" +
                    JOB_PATH +
                    "/start -> 504. Graph kept throttling (1 attempt in 1.5 s); its Retry-After did not fit in what was left of timeoutSeconds. " +
                    "Lower the deployment's parallelism (pulumi up --parallel), spread pipelines sharing this app registration, or raise timeoutSeconds (ENTRA_SYNC_TIMEOUT_SECONDS).",
            );
        });
    });

    describe("no answer: reset, refused, timed out, a stalled body", () => {
        const causes: [string, Outcome, string][] = [
            ["reset", noAnswer(fetchFailed("ECONNRESET")), "ECONNRESET (connection reset)"],
            ["refused", noAnswer(fetchFailed("ECONNREFUSED")), "ECONNREFUSED (connection refused)"],
            ["timed out", noAnswer(timeout, { attemptLimitMs: 500 }), "no answer within 0.5 s"],
            ["stalled body", noAnswer(timeout, { phase: "body" }), "the body stalled after the headers (no complete body within 30 s)"],
            [
                "cut body",
                noAnswer(fetchFailed("UND_ERR_SOCKET"), { phase: "body" }),
                "the body was cut: UND_ERR_SOCKET (connection closed)",
            ],
        ];
        for (const [name, outcome, cause] of causes) {
            it(`${name}: a GET is sent again after the backoff`, () => {
                assert.deepStrictEqual(decide(attempt(get), outcome), { retryAfterMs: 250, cause });
                assert.deepStrictEqual(decide(attempt(get, { attempts: 2, jitter: 0.999 }), outcome), {
                    retryAfterMs: 500 * 1.2495,
                    cause,
                });
            });

            it(`${name}: a POST that reached fetch has an unknown outcome, the cause kept`, () => {
                const decision = decide(attempt(post), outcome);
                assert.strictEqual(
                    gaveUp(decision),
                    `OutcomeUnknown(sent -100 ms) of TransportError: start job failed: POST /v1.0${JOB_PATH}/start -> no response: ${cause}; 1 attempt in 1.5 s. ` +
                        "The request may or may not have reached Graph; the job is read before it is sent again.",
                );
                const unknown = (decision as { giveUp: OutcomeUnknown }).giveUp;
                assert.strictEqual(unknown.error.cause, (outcome as { thrown: unknown }).thrown);
            });
        }

        it("a POST that never reached fetch is sent again like a GET", () => {
            assert.deepStrictEqual(decide(attempt(post), noAnswer(fetchFailed("ECONNREFUSED"), { sent: false })), {
                retryAfterMs: 250,
                cause: "ECONNREFUSED (connection refused)",
            });
        });

        const noTime = (call: GraphCall, cause: string, attempts: number) =>
            `TransportError: ${call.operation} failed: ${call.method} /v1.0${call.path} -> no response: ${cause}; ${attempts} attempt${attempts === 1 ? "" : "s"} in 1.5 s. ` +
            `No time was left within the 120 s timeoutSeconds. Check the network path to Graph (proxy, firewall, ${GRAPH}), ` +
            "or raise timeoutSeconds (ENTRA_SYNC_TIMEOUT_SECONDS); the job is started at most once per trigger change, so running the update again is safe.";

        it("a backoff longer than what is left: no time, naming the cause", () => {
            assert.strictEqual(
                gaveUp(decide(attempt(get, { attempts: 5, remainingMs: 4000 }), noAnswer(fetchFailed("ECONNRESET")))),
                noTime(get, "ECONNRESET (connection reset)", 5),
            );
            assert.deepStrictEqual(decide(attempt(get, { attempts: 5, remainingMs: 4001 }), noAnswer(fetchFailed("ECONNRESET"))), {
                retryAfterMs: 4000,
                cause: "ECONNRESET (connection reset)",
            });
        });

        it("the deadline ended the attempt: a GET has no time; a POST's unknown outcome says so", () => {
            const ended = noAnswer(new Error("the operation's 120 s timeoutSeconds ran out"), { attemptLimitMs: 2000 });
            assert.strictEqual(
                gaveUp(decide(attempt(get, { attempts: 2, deadlineHit: true, remainingMs: 0 }), ended)),
                noTime(get, "no answer within 2 s", 2),
            );
            assert.strictEqual(
                gaveUp(decide(attempt(post, { deadlineHit: true, remainingMs: 0 }), ended)),
                `OutcomeUnknown(sent -100 ms) of ${noTime(post, "no answer within 2 s", 1)}`,
            );
        });
    });

    describe("500, 502", () => {
        for (const status of [500, 502]) {
            it(`${status}: a GET after the backoff (the cause says whether Graph's request-id came), a POST's outcome is unknown`, () => {
                assert.deepStrictEqual(decide(attempt(get, { attempts: 2 }), answer(status)), {
                    retryAfterMs: 500,
                    cause: `${status} without a request-id`,
                });
                assert.deepStrictEqual(decide(attempt(get), answer(status, REQUEST_ID)), { retryAfterMs: 250, cause: `${status}` });
                assert.strictEqual(
                    gaveUp(decide(attempt(post), answer(status, REQUEST_ID, GRAPH_ERROR("InternalServerError", "Boom.")))),
                    `OutcomeUnknown(sent -100 ms) of GraphRequestError: start job failed: POST /v1.0${JOB_PATH}/start -> ${status} InternalServerError (request-id req-1): Boom. ` +
                        "See Graph's message above; the request-id identifies the call for Microsoft support.",
                );
            });
        }

        it("no time for the backoff: the answer itself", () => {
            assert.strictEqual(
                gaveUp(decide(attempt(get, { remainingMs: 250 }), answer(502, {}, "Bad Gateway"))),
                `GraphRequestError: read job failed: GET /v1.0${JOB_PATH} -> 502: Bad Gateway. The answer carried no request-id, so it may not come from Graph (a proxy or gateway in between?) (1 attempt in 1.5 s).`,
            );
        });
    });

    describe("401", () => {
        it("the first: no wait, a fresh token, with a CAE challenge's claims", () => {
            const claims = '{"access_token":{"nbf":{"essential":true,"value":"1"}}}';
            const challenge = `Bearer realm="", error="insufficient_claims", claims="${Buffer.from(claims).toString("base64")}"`;
            assert.deepStrictEqual(decide(attempt(get), answer(401, { "WWW-Authenticate": challenge })), {
                retryAfterMs: 0,
                refreshToken: { claims },
            });
            assert.deepStrictEqual(decide(attempt(post, { remainingMs: 0 }), answer(401)), {
                retryAfterMs: 0,
                refreshToken: { claims: undefined },
            });
        });

        it("the second: TokenRejectedError", () => {
            assert.strictEqual(
                gaveUp(
                    decide(
                        attempt(get, { attempts: 2, tokenRefreshed: true }),
                        answer(401, REQUEST_ID, GRAPH_ERROR("InvalidAuthenticationToken", "Token expired.")),
                    ),
                ),
                `TokenRejectedError: read job failed: GET /v1.0${JOB_PATH} -> 401 InvalidAuthenticationToken (request-id req-1): Token expired. ` +
                    "Graph refused the token from ClientSecretCredential (ARM_CLIENT_ID, ARM_CLIENT_SECRET), also after a fresh token was requested (2 attempts in 1.5 s). " +
                    `Check that this client exists in tenant tenant-1, that it was not disabled or its token revoked, and that the environment (global, Graph ${GRAPH}) is the cloud the tenant lives in.`,
            );
        });
    });

    describe("3xx: never followed", () => {
        it("names the Location's origin, for a GET and a POST alike", () => {
            for (const call of [get, post]) {
                assert.strictEqual(
                    gaveUp(decide(attempt(call), answer(307, { location: "https:/elsewhere.test/x?token=1" }))),
                    `GraphRequestError: ${call.operation} failed: ${call.method} /v1.0${call.path} -> 307: redirect to ${GRAPH} refused (Location: "https:/elsewhere.test/x"); 1 attempt in 1.5 s. ` +
                        "The synchronization API never redirects, so no redirect is followed and no token left the Graph origin. Check graphEndpoint and any proxy in between.",
                );
            }
            assert.match(gaveUp(decide(attempt(get), answer(302))), /-> 302: redirect to \(no Location\) refused; 1 attempt in 1\.5 s\./);
        });
    });

    describe("2xx that is not what was expected", () => {
        const page = { status: 200, headers: new Headers({ "content-type": "text/html" }), text: "<html>Sign in to the Wi-Fi</html>" };
        const notJob = { status: 200, headers: new Headers({ "content-type": "application/json" }), text: '{"value":[]}' };

        it("readAnswer: HTML, JSON of another shape, an empty body where a job is expected; an empty 204 is a value", () => {
            assert.deepStrictEqual(readAnswer(get, page), { unreadable: { what: "HTML", guess: "a proxy's page?" } });
            assert.deepStrictEqual(readAnswer(get, notJob), {
                unreadable: { what: "JSON without a synchronization job's id and status.code", guess: "a proxy's answer?" },
            });
            assert.deepStrictEqual(readAnswer(get, { status: 200, headers: new Headers(), text: " " }), {
                unreadable: { what: "an empty body", guess: "a proxy's page?" },
            });
            assert.deepStrictEqual(readAnswer(post, { status: 204, headers: new Headers(), text: "" }), { value: undefined });
            const job = { id: "job-1", status: { code: "Active" } };
            assert.deepStrictEqual(readAnswer(get, { ...notJob, text: JSON.stringify(job) }), { value: job });
            assert.strictEqual(readAnswer(get, { ...notJob, status: 404 }), undefined);
        });

        function unreadable(a: GraphAnswer, call: GraphCall): Outcome {
            const read = readAnswer(call, a);
            assert.ok(read && "unreadable" in read);
            return { kind: "answer", answer: a, unreadable: read.unreadable };
        }

        it("HTML on a GET: read again after the backoff; no time left: an error naming HTML and the origin", () => {
            const cause = `HTML from ${GRAPH} (a proxy's page?) with status 200`;
            assert.deepStrictEqual(decide(attempt(get), unreadable(page, get)), { retryAfterMs: 250, cause });
            assert.strictEqual(
                gaveUp(decide(attempt(get, { remainingMs: 100 }), unreadable(page, get))),
                `GraphRequestError: read job failed: GET /v1.0${JOB_PATH} -> 200: ${cause}; 1 attempt in 1.5 s. ` +
                    `It was not read as the job's state. Check what answers for ${GRAPH} (a proxy, a captive portal, a wrong graphEndpoint).`,
            );
        });

        it("JSON that is not a job names the shape; on a POST, the outcome is unknown", () => {
            assert.deepStrictEqual(decide(attempt(get), unreadable(notJob, get)), {
                retryAfterMs: 250,
                cause: `JSON without a synchronization job's id and status.code from ${GRAPH} (a proxy's answer?) with status 200`,
            });
            assert.strictEqual(
                gaveUp(decide(attempt(post), unreadable(page, post))),
                `OutcomeUnknown(sent -100 ms) of GraphRequestError: start job failed: POST /v1.0${JOB_PATH}/start -> 200: HTML from ${GRAPH} (a proxy's page?) with status 200; 1 attempt in 1.5 s. ` +
                    `It was not read as the job's state. Check what answers for ${GRAPH} (a proxy, a captive portal, a wrong graphEndpoint).`,
            );
        });
    });

    describe("any other status: the answer", () => {
        it("403, 404, 400 give up at once, for a GET and a POST", () => {
            assert.match(
                gaveUp(decide(attempt(post), answer(403, REQUEST_ID))),
                /^PermissionError: start job failed: POST \S+ -> 403 \(request-id req-1\)\. The identity/,
            );
            assert.match(
                gaveUp(decide(attempt(get), answer(404, REQUEST_ID))),
                /^GraphRequestError: read job failed: GET \S+ -> 404 \(request-id req-1\)\. See Graph's message/,
            );
            assert.match(gaveUp(decide(attempt(get), answer(400, REQUEST_ID))), /^GraphRequestError: read job failed: GET \S+ -> 400 /);
        });
    });

    describe("outOfTime: no time for the next attempt", () => {
        it("after a throttled answer: ThrottledError; else the last cause, with fetch's error as cause", () => {
            const progress = { attempts: 2, elapsedMs: 1500 };
            const throttled = { status: 503, headers: new Headers(), text: "" };
            assert.match(
                `${outOfTime(get, 120, context, progress, { cause: "503 (throttled)", answer: throttled }).name}`,
                /^ThrottledError$/,
            );
            const thrown = fetchFailed("ECONNRESET");
            const error = outOfTime(get, 120, context, progress, { cause: "ECONNRESET (connection reset)", thrown });
            assert.strictEqual(error.cause, thrown);
            assert.match(
                error.message,
                /-> no response: ECONNRESET \(connection reset\); 2 attempts in 1\.5 s\. No time was left within the 120 s timeoutSeconds\./,
            );
            assert.match(
                outOfTime(get, 5, context, { attempts: 0, elapsedMs: 0 }, {}).message,
                /no attempt could be made; 0 attempts in 0\.0 s\./,
            );
        });
    });

    it("backoffMs: 250 ms doubling to 4 s, ±25 % by the jitter", () => {
        assert.deepStrictEqual(
            [1, 2, 3, 4, 5, 6, 12].map((n) => backoffMs(n, 0.5)),
            [250, 500, 1000, 2000, 4000, 4000, 4000],
        );
        assert.strictEqual(backoffMs(1, 0), 187.5);
        assert.ok(backoffMs(5, 0.999999) < 5000 && backoffMs(5, 0.999999) > 4999);
    });
});
