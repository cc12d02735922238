import { Client, HTTPMessageHandler, Middleware, ResponseType } from "@microsoft/microsoft-graph-client";
import { Endpoints, isMicrosoftGraphHost } from "../clouds";
import type { CachedCredential } from "../credentials";
import { GraphRequestError, SyncJobStartError, TransportError } from "../errors";
import type { Limits } from "../settings";
import { attemptSignal, Deadline, remainingMs, sleepWithin } from "./deadline";
import { CallProgress, explainAnswer, GraphAnswer, infoOf, isOwnershipRefusal, spent } from "./explain";
import { isThrottle, Limiter, MAX_HOLD_MS, throttlePercentageOf } from "./limiter";
import { AttemptOptions, backoffMs, BodyReadingHandler, claimsOf, GraphOriginAuthHandler, retryAfterMs, transportCause } from "./transport";
import { proxyFetchOptions } from "./proxy";

/** One request to Graph, as the job code describes it. */
export interface GraphCall {
    /** What the provider is doing, for the error message, e.g. "start job". */
    operation: string;
    method: "GET" | "POST";
    /** Path below the version segment, e.g. /servicePrincipals/{id}/synchronization/jobs/{jobId}. */
    path: string;
    apiVersion: string;
    /** Where a particular shape is expected (a job): why a 2xx JSON body is not it, or undefined. */
    accept?: (body: unknown) => string | undefined;
    /** A POST's JSON body (restart's criteria); none for start and pause. */
    body?: unknown;
    /** Told the headers of the answer the call returns, and when it arrived (local clock). */
    onAnswer?: (headers: Headers, receivedAt: number) => void;
    /**
     * Counts shared by the calls of one action (a POST sent again after a lost answer), so that an
     * error says how many attempts were made and for how long in all, not in its own call only.
     */
    tally?: { attempts: number; startedAt: number };
}

/**
 * A POST failed in a way that leaves its effect unknown (reset, timeout or a non-Graph answer after
 * it was sent): jobs.ts reads the job before deciding to send it again. Never leaves the package.
 */
export class OutcomeUnknown extends SyncJobStartError {
    override name = "OutcomeUnknown";
    constructor(
        readonly error: Error,
        /** When the POST whose answer was lost was handed to fetch (after the token, the slot and any Retry-After wait). */
        readonly sentAt: number,
    ) {
        super(error.message, { cause: error });
    }
}

/**
 * One Graph client for one (Graph endpoint, authority, credential): shared by every resource in the
 * provider process, so there is one token cache and one connection pool.
 *
 * Retries are ours, not the Graph client's RetryHandler: that handler sees only responses (a reset
 * is a thrown `TypeError: fetch failed` below it), stops after 10 retries whatever the deadline,
 * and would repeat a POST whose effect is unknown. Here each cause has its rule, every wait is
 * clipped to the operation's deadline, and a limiter slot is held per attempt.
 */
export class GraphSession {
    private readonly client: Client;
    readonly limiter: Limiter;
    private readonly origin: string;

    constructor(
        readonly endpoints: Endpoints,
        readonly credential: CachedCredential,
        readonly limits: Limits,
    ) {
        this.limiter = new Limiter(limits.maxConcurrency);
        this.origin = new URL(endpoints.graphEndpoint).origin;
        const chain: Middleware[] = [new GraphOriginAuthHandler(), new BodyReadingHandler(), new HTTPMessageHandler()];
        const host = new URL(endpoints.graphEndpoint).hostname;
        this.client = Client.initWithMiddleware({
            baseUrl: endpoints.graphEndpoint,
            middleware: chain,
            customHosts: isMicrosoftGraphHost(endpoints.graphEndpoint) ? undefined : new Set([host]),
            // fetchOptions are copied into every request's fetch options (a proxy's dispatcher, if any).
            fetchOptions: proxyFetchOptions() as RequestInit,
        });
    }

    /** Makes one Graph call within `deadline`, retrying by cause; failures become errors that say what to do. */
    async call<T>(call: GraphCall, deadline: Deadline): Promise<T> {
        const tally = call.tally ?? { attempts: 0, startedAt: Date.now() };
        const started = tally.startedAt;
        const progress: CallProgress = { attempts: tally.attempts, elapsedMs: 0 };
        const context = { endpoints: this.endpoints, credential: this.credential };
        let claims: string | undefined;
        let refreshed = false;
        let lastCause: string | undefined;
        let lastAnswer: GraphAnswer | undefined;
        // What fetch threw last (e.g. TypeError "fetch failed" with cause ECONNRESET): the errors' `cause`; it holds no token.
        let lastThrown: unknown;
        const elapsed = () => ((progress.elapsedMs = Date.now() - started), progress);
        const outOfTime = (): Error => {
            elapsed();
            if (lastAnswer && isThrottle(lastAnswer.status)) return explainAnswer(call, lastAnswer, progress, context);
            return new TransportError(
                { ...infoOf(call), requestId: lastAnswer?.headers.get("request-id") ?? undefined },
                `No time was left within the ${deadline.seconds} s timeoutSeconds. Check the network path to Graph (proxy, firewall, ${this.endpoints.graphEndpoint}), ` +
                    "or raise timeoutSeconds (ENTRA_SYNC_TIMEOUT_SECONDS); the job is started at most once per trigger change, so running the update again is safe.",
                `${lastCause ?? "no attempt could be made"}; ${spent(progress)}`,
                lastThrown === undefined ? undefined : { cause: lastThrown },
            );
        };
        /** Waits `ms` before the next attempt; false when the deadline comes first. */
        const pause = async (ms: number): Promise<boolean> => {
            if (ms >= remainingMs(deadline)) return false;
            try {
                await sleepWithin(ms, deadline.signal);
                return true;
            } catch {
                return false;
            }
        };

        for (;;) {
            if (deadline.signal.aborted) throw outOfTime();
            // Token first, so a credential failure surfaces as itself; it is bounded by the deadline too.
            const token = await this.credential.getToken(this.endpoints.scope, { abortSignal: deadline.signal, claims });
            let slot;
            try {
                slot = await this.limiter.acquire(deadline.signal);
            } catch {
                lastCause ??=
                    this.limiter.heldForThrottling > 0
                        ? `no request slot became free: Graph throttled this process, and ${this.limiter.heldForThrottling} slots are held after its 429/503/504 answers (for their Retry-After, at most ${MAX_HOLD_MS / 1000} s)`
                        : "no request slot became free (ENTRA_SYNC_MAX_CONCURRENCY)";
                throw outOfTime();
            }
            const limitMs = Math.min(this.limits.requestTimeoutMs, remainingMs(deadline));
            const attemptLimit = attemptSignal(deadline.signal, limitMs);
            const attempt = new AttemptOptions(token.token, this.origin, attemptLimit.signal);
            progress.attempts++;
            tally.attempts = progress.attempts;
            const attemptStarted = Date.now();
            let response: Response | undefined;
            try {
                const request = this.client
                    .api(call.path)
                    .version(call.apiVersion)
                    .responseType(ResponseType.RAW)
                    .middlewareOptions([attempt]);
                response = (await (call.method === "GET" ? request.get() : request.post(call.body))) as Response;
            } catch (e) {
                if (!attempt.thrown) attempt.thrown = e;
            } finally {
                attemptLimit.dispose();
            }
            const latencyMs = Date.now() - attemptStarted;
            // A throttled answer keeps its slot for as long as Graph asked (Retry-After), not a guess.
            slot.release({
                status: response?.status,
                latencyMs,
                retryAfterMs: response && isThrottle(response.status) ? retryAfterMs(response.headers) : undefined,
                throttlePercentage: throttlePercentageOf(response?.headers),
            });

            if (!response) {
                lastCause = transportCause(attempt, limitMs, deadline.signal.aborted);
                lastAnswer = undefined;
                lastThrown = attempt.thrown;
                if (call.method === "POST" && attempt.sent)
                    throw new OutcomeUnknown(outOfTimeOr(outOfTime, deadline, call, lastCause, elapsed(), lastThrown), attemptStarted);
                // An oversized answer is not a passing failure: reading it again costs as much and says no more.
                if (attempt.oversized) {
                    throw new GraphRequestError(
                        { ...infoOf(call), statusCode: attempt.oversized.status },
                        `It was not read as the job's state. Check what answers for ${this.endpoints.graphEndpoint} (a proxy, a wrong graphEndpoint).`,
                        `${lastCause}; ${spent(elapsed())}`,
                    );
                }
                if (!(await pause(backoffMs(progress.attempts)))) throw outOfTime();
                continue;
            }

            const answer: GraphAnswer = { status: response.status, headers: response.headers, text: attempt.body };
            lastAnswer = answer;
            const requestOrigin = this.origin;
            if (answer.status >= 300 && answer.status < 400) {
                throw redirectRefused(call, answer, requestOrigin, `/${call.apiVersion}${call.path}`, elapsed());
            }
            if (answer.status >= 200 && answer.status < 300) {
                // start, restart and pause answer 204 without a body; where a job is expected, no body is not one.
                if (answer.text.trim() === "" && !call.accept) return undefined as T;
                const parsed = parseJson(answer);
                const problem = parsed.ok ? call.accept?.(parsed.value) : undefined;
                if (parsed.ok && !problem) {
                    call.onAnswer?.(answer.headers, Date.now());
                    return parsed.value as T;
                }
                lastCause = parsed.ok
                    ? `${problem} from ${requestOrigin} (a proxy's answer?) with status ${answer.status}`
                    : `${parsed.what} from ${requestOrigin} (a proxy's page?) with status ${answer.status}`;
                const error = new GraphRequestError(
                    infoOf(call, answer),
                    `It was not read as the job's state. Check what answers for ${this.endpoints.graphEndpoint} (a proxy, a captive portal, a wrong graphEndpoint).`,
                    `${lastCause}; ${spent(elapsed())}`,
                );
                if (call.method === "POST") throw new OutcomeUnknown(error, attemptStarted);
                if (!(await pause(backoffMs(progress.attempts)))) throw error;
                continue;
            }
            // Not for the ownership refusal (401 UnknownError, empty message): the token is fine, a fresh one changes nothing.
            if (answer.status === 401 && !refreshed && !isOwnershipRefusal(answer)) {
                // A revoked token or a claims challenge (CAE): drop the cached token, ask for a fresh one once.
                refreshed = true;
                claims = claimsOf(answer.headers);
                this.credential.invalidate(token.token);
                continue;
            }
            if (isThrottle(answer.status)) {
                lastCause = `${answer.status} (throttled)`;
                if (call.method === "POST" && answer.status === 504) {
                    // A gateway timeout may have reached the service: do not send the start again blindly.
                    throw new OutcomeUnknown(explainAnswer(call, answer, elapsed(), context), attemptStarted);
                }
                const wait = retryAfterMs(answer.headers) ?? backoffMs(progress.attempts) + 750;
                if (!(await pause(wait))) throw explainAnswer(call, answer, elapsed(), context);
                continue;
            }
            if (answer.status === 500 || answer.status === 502) {
                lastCause = `${answer.status}${answer.headers.get("request-id") ? "" : " without a request-id"}`;
                if (call.method === "POST") throw new OutcomeUnknown(explainAnswer(call, answer, elapsed(), context), attemptStarted);
                if (!(await pause(backoffMs(progress.attempts)))) throw explainAnswer(call, answer, elapsed(), context);
                continue;
            }
            throw explainAnswer(call, answer, elapsed(), context);
        }
    }
}

/** A POST's transport failure: the deadline's wording when it ran out, else the cause itself. */
function outOfTimeOr(
    outOfTime: () => Error,
    deadline: Deadline,
    call: GraphCall,
    cause: string,
    progress: CallProgress,
    thrown: unknown,
): Error {
    if (deadline.signal.aborted) return outOfTime();
    return new TransportError(
        infoOf(call),
        "The request may or may not have reached Graph; the job is read before it is sent again.",
        `${cause}; ${spent(progress)}`,
        { cause: thrown },
    );
}

/** The body as JSON, or what it is instead ("an empty body", "HTML", "a non-JSON answer"). */
function parseJson(answer: GraphAnswer): { ok: true; value: unknown } | { ok: false; what: string } {
    if (answer.text.trim() === "") return { ok: false, what: "an empty body" };
    const type = answer.headers.get("content-type") ?? "";
    const what = /html/i.test(type) || /^\s*</.test(answer.text) ? "HTML" : "a non-JSON answer";
    if (what === "HTML" || (type && !/json/i.test(type))) return { ok: false, what };
    try {
        return { ok: true, value: JSON.parse(answer.text) };
    } catch {
        return { ok: false, what };
    }
}

/**
 * A 3xx: never followed (the synchronization API does not redirect). The Location is resolved as
 * fetch (undici) would resolve it, and both the raw value and its origin are named, so a malformed
 * `https:/host` is visible as what it is.
 */
function redirectRefused(call: GraphCall, answer: GraphAnswer, base: string, path: string, progress: CallProgress): Error {
    const location = answer.headers.get("location") ?? "";
    let target = "(no Location)";
    try {
        if (location) target = new URL(location, `${base}${path}`).origin;
    } catch {
        target = "(an unparsable Location)";
    }
    const shown = location.split("?")[0].slice(0, 120);
    return new GraphRequestError(
        infoOf(call, answer),
        "The synchronization API never redirects, so no redirect is followed and no token left the Graph origin. Check graphEndpoint and any proxy in between.",
        `redirect to ${target} refused${location ? ` (Location: ${JSON.stringify(shown)})` : ""}; ${spent(progress)}`,
    );
}
