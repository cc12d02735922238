import { Client, HTTPMessageHandler, Middleware, ResponseType } from "@microsoft/microsoft-graph-client";
import { Endpoints, isMicrosoftGraphHost } from "../clouds";
import type { CachedCredential } from "../auth";
import type { Limits } from "../settings";
import type { GraphCall } from "./call";
import { attemptSignal, Deadline, remainingMs, sleepWithin } from "./deadline";
import type { GraphAnswer } from "./explain";
import { isThrottle, Limiter, MAX_HOLD_MS } from "./limiter";
import { proxyFetchOptions } from "./proxy";
import { Attempt, decide, LastFailure, Outcome, outOfTime, readAnswer, RetryContext } from "./retry";
import { AttemptOptions, BodyReadingHandler, GraphOriginAuthHandler, retryAfterMs } from "./transport";

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

    /**
     * Makes one Graph call within `deadline`, retrying by cause; failures become errors that say what
     * to do. The loop makes attempts and waits; what each failure means is retry.ts's `decide`.
     */
    async call<T>(call: GraphCall, deadline: Deadline): Promise<T> {
        const started = Date.now();
        const context: RetryContext = { endpoints: this.endpoints, credential: this.credential, origin: this.origin };
        let attempts = 0;
        let claims: string | undefined;
        let tokenRefreshed = false;
        const last: LastFailure = {};
        const noTime = () => outOfTime(call, deadline.seconds, context, { attempts, elapsedMs: Date.now() - started }, last);

        for (;;) {
            if (deadline.signal.aborted) throw noTime();
            // Token first, so a credential failure surfaces as itself; it is bounded by the deadline too.
            const token = await this.credential.getToken(this.endpoints.scope, { abortSignal: deadline.signal, claims });
            let slot;
            try {
                slot = await this.limiter.acquire(deadline.signal);
            } catch {
                last.cause ??=
                    this.limiter.heldForThrottling > 0
                        ? `no request slot became free: Graph throttled this process, and ${this.limiter.heldForThrottling} slots are held after its 429/503/504 answers (for their Retry-After, at most ${MAX_HOLD_MS / 1000} s)`
                        : "no request slot became free (ENTRA_SYNC_MAX_CONCURRENCY)";
                throw noTime();
            }
            const limitMs = Math.min(this.limits.requestTimeoutMs, remainingMs(deadline));
            const attemptLimit = attemptSignal(deadline.signal, limitMs);
            const options = new AttemptOptions(token.token, this.origin, attemptLimit.signal);
            attempts++;
            const sentAt = Date.now();
            let response: Response | undefined;
            try {
                const request = this.client
                    .api(call.path)
                    .version(call.apiVersion)
                    .responseType(ResponseType.RAW)
                    .middlewareOptions([options]);
                response = (await (call.method === "GET" ? request.get() : request.post(call.body))) as Response;
            } catch (e) {
                if (!options.thrown) options.thrown = e;
            } finally {
                attemptLimit.dispose();
            }
            // A throttled answer keeps its slot for as long as Graph asked (Retry-After), not a guess.
            slot.release({
                status: response?.status,
                latencyMs: Date.now() - sentAt,
                retryAfterMs: response && isThrottle(response.status) ? retryAfterMs(response.headers) : undefined,
            });

            let outcome: Outcome;
            if (response) {
                const answer: GraphAnswer = { status: response.status, headers: response.headers, text: options.body };
                const read = readAnswer(call, answer);
                if (read && "value" in read) {
                    call.onAnswer?.(answer.headers, Date.now());
                    return read.value as T;
                }
                outcome = { kind: "answer", answer, unreadable: read?.unreadable };
                last.answer = answer;
            } else {
                outcome = { kind: "no answer", thrown: options.thrown, phase: options.phase, sent: options.sent, attemptLimitMs: limitMs };
                last.answer = undefined;
                last.thrown = options.thrown;
            }
            const attempt: Attempt = {
                call,
                attempts,
                now: Date.now(),
                elapsedMs: Date.now() - started,
                remainingMs: remainingMs(deadline),
                deadlineSeconds: deadline.seconds,
                deadlineHit: deadline.signal.aborted,
                tokenRefreshed,
                sentAt,
                jitter: Math.random(),
                context,
            };
            const decision = decide(attempt, outcome);
            if ("giveUp" in decision) throw decision.giveUp;
            if (decision.cause !== undefined) last.cause = decision.cause;
            if (decision.refreshToken) {
                // No wait: the next attempt asks for a fresh token.
                tokenRefreshed = true;
                claims = decision.refreshToken.claims;
                this.credential.invalidate(token.token);
            } else {
                try {
                    await sleepWithin(decision.retryAfterMs, deadline.signal);
                } catch {
                    // The deadline came during the wait: the decision with no time left.
                    const late = decide({ ...attempt, elapsedMs: Date.now() - started, remainingMs: 0 }, outcome);
                    throw "giveUp" in late ? late.giveUp : noTime();
                }
            }
        }
    }
}
