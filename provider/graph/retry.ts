/**
 * The retry decision: what one failed attempt means for the call, as a pure function of what the
 * attempt met and where the call stands (as ky's retry decision and @azure/core-rest-pipeline's
 * per-cause RetryStrategy, `retry(state) → { retryAfterInMs } | { errorToThrow }`, are). No
 * sockets, clocks or randomness here: session.ts's loop measures them and passes them in.
 *
 * The rules, by cause:
 * - no answer (reset, refused, timed out, a stalled body): a GET is sent again after a backoff; a
 *   POST that reached fetch has an unknown effect (OutcomeUnknown: the job code reads the job first);
 * - 429, 503, 504: wait Graph's Retry-After (or a backoff plus THROTTLE_EXTRA_MS), for a POST too,
 *   except a POST's 504 (a gateway timeout may have reached the service: OutcomeUnknown);
 * - 500, 502: a GET after a backoff; a POST's effect is unknown;
 * - 401: once, with a fresh token (and the claims of a CAE challenge); the second is the answer;
 * - 2xx that is not what was expected (HTML, a proxy's JSON): as a 500 (a proxy's page);
 * - 3xx: never followed; any other status: the answer.
 * A wait that does not fit in what is left of the deadline gives up now, with the error the wait
 * would have ended in.
 */
import { GraphRequestError, TransportError } from "../errors";
import { GraphCall, OutcomeUnknown } from "./call";
import { CallProgress, explainAnswer, ExplainContext, GraphAnswer, infoOf, spent } from "./explain";
import { isThrottle } from "./limiter";
import { AttemptOptions, claimsOf, retryAfterMs, transportCause } from "./transport";

/** The first backoff (attempt 1); each further attempt doubles it. */
export const BACKOFF_FIRST_MS = 250;
/** The longest backoff, however many attempts. */
export const BACKOFF_MAX_MS = 4000;
/** Added to the backoff when a 429/503/504 did not say how long to wait: the service asked for less, not for a quick retry. */
export const THROTTLE_EXTRA_MS = 750;

/**
 * Exponential backoff with ±25 % jitter for transport failures and 500/502 (attempt counts from
 * 1). `jitter` is a draw in [0, 1): 0.5 gives the backoff itself.
 */
export function backoffMs(attempt: number, jitter = Math.random()): number {
    return Math.min(BACKOFF_FIRST_MS * 2 ** (attempt - 1), BACKOFF_MAX_MS) * (0.75 + jitter / 2);
}

/** What a session knows that a decision needs: its endpoints and credential (for messages), and the Graph origin. */
export interface RetryContext extends ExplainContext {
    origin: string;
}

/** Where the call stands when an attempt ends: everything `decide` reads, measured by the loop. */
export interface Attempt {
    call: GraphCall;
    /** Attempts made, this one included (1 for the first). */
    attempts: number;
    /** Epoch ms now (an HTTP-date Retry-After is counted from it). */
    now: number;
    /** Since the call began, for "after N attempts in X s". */
    elapsedMs: number;
    /** Until the deadline: a wait at least this long gives up. */
    remainingMs: number;
    /** The deadline as the user gave it (timeoutSeconds), and whether it has passed. */
    deadlineSeconds: number;
    deadlineHit: boolean;
    /** Whether a 401 already led to a fresh token in this call. */
    tokenRefreshed: boolean;
    /** When this attempt was handed to the Graph client (a POST's OutcomeUnknown carries it). */
    sentAt: number;
    /** A draw in [0, 1) for the backoff's jitter. */
    jitter: number;
    context: RetryContext;
}

/** What one attempt met. */
export type Outcome =
    /** No answer: what fetch or the body read threw, where, whether the request reached fetch, and the attempt's time limit. */
    | ({ kind: "no answer"; attemptLimitMs: number } & Pick<AttemptOptions, "thrown" | "phase" | "sent">)
    /** An answer that is not a value: a status other than 2xx, or a 2xx body `readAnswer` found unreadable. */
    | { kind: "answer"; answer: GraphAnswer; unreadable?: Unreadable };

/** Why a 2xx body is not what the call expected, and what it likely came from. */
export interface Unreadable {
    what: string;
    /** JSON of another shape is "a proxy's answer?"; a page or no JSON at all, "a proxy's page?". */
    guess: "a proxy's answer?" | "a proxy's page?";
}

export type Decision =
    /**
     * Try again after `retryAfterMs` (it fits in the deadline). `cause` is this attempt's failure in
     * words, for the error if a later attempt finds no time; `refreshToken`: drop the token and ask
     * for a fresh one (with a CAE challenge's claims).
     */
    { retryAfterMs: number; cause?: string; refreshToken?: { claims?: string } } | { giveUp: Error };

/** What the failed attempts left, for the error when time runs out before the next one. */
export interface LastFailure {
    cause?: string;
    answer?: GraphAnswer;
    /** What fetch threw last (e.g. TypeError "fetch failed" with cause ECONNRESET): the error's `cause`; it holds no token. */
    thrown?: unknown;
}

/**
 * A 2xx answer read: the value (JSON, or nothing for an empty answer where no shape is expected),
 * or why it is not one. Undefined for any other status.
 */
export function readAnswer(call: GraphCall, answer: GraphAnswer): { value: unknown } | { unreadable: Unreadable } | undefined {
    if (answer.status < 200 || answer.status >= 300) return undefined;
    // start, restart and pause answer 204 without a body; where a job is expected, no body is not one.
    if (answer.text.trim() === "" && !call.accept) return { value: undefined };
    const parsed = parseJson(answer);
    if (!parsed.ok) return { unreadable: { what: parsed.what, guess: "a proxy's page?" } };
    const problem = call.accept?.(parsed.value);
    return problem ? { unreadable: { what: problem, guess: "a proxy's answer?" } } : { value: parsed.value };
}

/** What one failed attempt means: try again after N ms, or give up with this error. Pure. */
export function decide(attempt: Attempt, outcome: Outcome): Decision {
    const { call, context } = attempt;
    const progress: CallProgress = { attempts: attempt.attempts, elapsedMs: attempt.elapsedMs };
    const post = call.method === "POST";
    const backoff = backoffMs(attempt.attempts, attempt.jitter);
    /** Waits `ms` if that fits before the deadline; else gives up now with what the wait would have ended in. */
    const retryAfter = (ms: number, cause: string, otherwise: () => Error): Decision =>
        ms >= attempt.remainingMs ? { giveUp: otherwise() } : { retryAfterMs: ms, cause };

    if (outcome.kind === "no answer") {
        const cause = transportCause(outcome, outcome.attemptLimitMs, attempt.deadlineHit);
        const noTime = () => outOfTime(call, attempt.deadlineSeconds, context, progress, { cause, thrown: outcome.thrown });
        if (post && outcome.sent) {
            const error = attempt.deadlineHit
                ? noTime()
                : new TransportError(
                      infoOf(call),
                      "The request may or may not have reached Graph; the job is read before it is sent again.",
                      `${cause}; ${spent(progress)}`,
                      { cause: outcome.thrown },
                  );
            return { giveUp: new OutcomeUnknown(error, attempt.sentAt) };
        }
        return retryAfter(backoff, cause, noTime);
    }

    const { answer } = outcome;
    const explained = () => explainAnswer(call, answer, progress, context);
    if (answer.status >= 300 && answer.status < 400) {
        return { giveUp: redirectRefused(call, answer, context.origin, `/${call.apiVersion}${call.path}`, progress) };
    }
    if (answer.status >= 200 && answer.status < 300) {
        const unreadable = outcome.unreadable ?? { what: "an unreadable body", guess: "a proxy's page?" };
        const cause = `${unreadable.what} from ${context.origin} (${unreadable.guess}) with status ${answer.status}`;
        const error = () =>
            new GraphRequestError(
                infoOf(call, answer),
                `It was not read as the job's state. Check what answers for ${context.endpoints.graphEndpoint} (a proxy, a captive portal, a wrong graphEndpoint).`,
                `${cause}; ${spent(progress)}`,
            );
        if (post) return { giveUp: new OutcomeUnknown(error(), attempt.sentAt) };
        return retryAfter(backoff, cause, error);
    }
    if (answer.status === 401 && !attempt.tokenRefreshed) {
        // A revoked token or a claims challenge (CAE): drop the cached token, ask for a fresh one once.
        return { retryAfterMs: 0, refreshToken: { claims: claimsOf(answer.headers) } };
    }
    if (isThrottle(answer.status)) {
        const cause = `${answer.status} (throttled)`;
        // A gateway timeout may have reached the service: do not send the start again blindly.
        if (post && answer.status === 504) return { giveUp: new OutcomeUnknown(explained(), attempt.sentAt) };
        return retryAfter(retryAfterMs(answer.headers, attempt.now) ?? backoff + THROTTLE_EXTRA_MS, cause, explained);
    }
    if (answer.status === 500 || answer.status === 502) {
        const cause = `${answer.status}${answer.headers.get("request-id") ? "" : " without a request-id"}`;
        if (post) return { giveUp: new OutcomeUnknown(explained(), attempt.sentAt) };
        return retryAfter(backoff, cause, explained);
    }
    return { giveUp: explained() };
}

/**
 * No time was left for another attempt (or for a request slot, or a token): the last throttled
 * answer if that is what used the time, else the last cause.
 */
export function outOfTime(
    call: GraphCall,
    deadlineSeconds: number,
    context: ExplainContext,
    progress: CallProgress,
    last: LastFailure,
): Error {
    if (last.answer && isThrottle(last.answer.status)) return explainAnswer(call, last.answer, progress, context);
    return new TransportError(
        { ...infoOf(call), requestId: last.answer?.headers.get("request-id") ?? undefined },
        `No time was left within the ${deadlineSeconds} s timeoutSeconds. Check the network path to Graph (proxy, firewall, ${context.endpoints.graphEndpoint}), ` +
            "or raise timeoutSeconds (ENTRA_SYNC_TIMEOUT_SECONDS); the job is started at most once per trigger change, so running the update again is safe.",
        `${last.cause ?? "no attempt could be made"}; ${spent(progress)}`,
        last.thrown === undefined ? undefined : { cause: last.thrown },
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

/** How much of a Location header a redirect error shows. */
const LOCATION_SHOWN_CHARS = 120;

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
    const shown = location.split("?")[0].slice(0, LOCATION_SHOWN_CHARS);
    return new GraphRequestError(
        infoOf(call, answer),
        "The synchronization API never redirects, so no redirect is followed and no token left the Graph origin. Check graphEndpoint and any proxy in between.",
        `redirect to ${target} refused${location ? ` (Location: ${JSON.stringify(shown)})` : ""}; ${spent(progress)}`,
    );
}
