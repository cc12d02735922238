import { Context, Middleware, MiddlewareOptions } from "@microsoft/microsoft-graph-client";

/**
 * What one attempt needs from the middleware chain, and what the chain reports back. Passed with
 * `middlewareOptions`, which is how the Graph client carries per-request state.
 */
export class AttemptOptions implements MiddlewareOptions {
    /** What fetch (or the body read) threw, unwrapped: the Graph client turns it into a GraphError and loses `cause.code`. */
    thrown?: unknown;
    /** Where it failed: before the response headers, or while reading the body. */
    phase: "headers" | "body" = "headers";
    /** Whether the request was handed to fetch (a POST's outcome is unknown only after that). */
    sent = false;
    /** The whole body, read inside the attempt (the Response itself is left consumed). */
    body = "";
    constructor(
        readonly token: string,
        /** The only origin a token may be sent to. */
        readonly graphOrigin: string,
        /** The attempt's signal: the operation's deadline combined with the per-attempt limit. */
        readonly signal: AbortSignal,
    ) {}
}

function attemptOf(context: Context): AttemptOptions {
    const options = context.middlewareControl?.getMiddlewareOptions(AttemptOptions) as AttemptOptions | undefined;
    if (!options) throw new Error("internal: a Graph request was sent without AttemptOptions");
    return options;
}

function urlOf(request: string | URL | Request): URL {
    return new URL(typeof request === "string" ? request : request instanceof URL ? request.href : request.url);
}

/**
 * In place of the Graph client's AuthenticationHandler and RedirectHandler: attaches the token only
 * when the request goes to the Graph origin, and asks fetch not to follow redirects. The Graph
 * client's RedirectHandler decides "relative or absolute" by looking for "://", so a malformed
 * `Location: https:/host` or `https:\\host` sent the token elsewhere; the synchronization API never
 * redirects, so no redirect is followed at all and a 3xx becomes an error in session.ts.
 */
export class GraphOriginAuthHandler implements Middleware {
    private next?: Middleware;

    setNext(next: Middleware): void {
        this.next = next;
    }

    async execute(context: Context): Promise<void> {
        const attempt = attemptOf(context);
        const origin = urlOf(context.request).origin;
        if (origin !== attempt.graphOrigin) {
            throw new Error(`refused to send a token to ${origin}: only ${attempt.graphOrigin} receives it`);
        }
        const headers = new Headers(context.options?.headers as ConstructorParameters<typeof Headers>[0]);
        headers.set("Authorization", `Bearer ${attempt.token}`);
        context.options = { ...(context.options ?? {}), headers, redirect: "manual", signal: attempt.signal };
        await this.next!.execute(context);
    }
}

/**
 * Reads the whole body inside the attempt. The Graph client reads it only after the middleware
 * chain has returned (GraphResponseHandler), outside any timer: a server that sends headers and
 * then stalls held a call for undici's 300 s body timeout. Read here, the attempt's signal (given to
 * fetch, which also aborts the body stream) cuts a stalled or slow body at the per-attempt limit.
 */
export class BodyReadingHandler implements Middleware {
    private next?: Middleware;

    setNext(next: Middleware): void {
        this.next = next;
    }

    async execute(context: Context): Promise<void> {
        const attempt = attemptOf(context);
        attempt.sent = true;
        try {
            await this.next!.execute(context);
        } catch (e) {
            attempt.thrown = e;
            throw e;
        }
        attempt.phase = "body";
        try {
            // Kept as text on the attempt rather than re-wrapped in a new Response: one stream per
            // request instead of two (ResponseType.RAW hands session.ts the consumed Response).
            attempt.body = await context.response!.text();
        } catch (e) {
            attempt.thrown = e;
            throw e;
        }
    }
}

/** How long a 429/503/504 asks to wait (Retry-After in seconds or as an HTTP date); undefined when it does not say. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
    const header = headers?.get("Retry-After");
    if (!header) return undefined;
    const seconds = Number(header);
    if (header.trim() !== "" && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = new Date(header).getTime();
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The claims of a `WWW-Authenticate: Bearer … claims="<base64>"` challenge, decoded (what
 * getToken's `claims` option takes, as @azure/core-rest-pipeline's challenge handling passes it).
 */
export function claimsOf(headers: Headers | undefined): string | undefined {
    const header = headers?.get("WWW-Authenticate");
    const match = header ? /claims="([^"]+)"/i.exec(header) : null;
    if (!match) return undefined;
    try {
        return Buffer.from(match[1], "base64").toString("utf8");
    } catch {
        return undefined;
    }
}

/** The transport-level cause of a failed attempt, in words (never a token: URLs and codes only). */
export function transportCause(attempt: Pick<AttemptOptions, "thrown" | "phase">, attemptLimitMs: number, deadlineHit: boolean): string {
    const thrown = attempt.thrown as { name?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
    const timedOut = thrown?.name === "TimeoutError" || thrown?.name === "AbortError" || thrown?.name === "DeadlineExceeded";
    const seconds = `${Number((attemptLimitMs / 1000).toFixed(2))} s`;
    if (timedOut || deadlineHit) {
        if (attempt.phase === "body") return `the body stalled after the headers (no complete body within ${seconds})`;
        return `no answer within ${seconds}`;
    }
    const code =
        thrown?.cause?.code ??
        (thrown instanceof Error && !(thrown.name === "GraphError") ? (thrown as { code?: string }).code : undefined);
    const what: Record<string, string> = {
        ECONNRESET: "connection reset",
        UND_ERR_SOCKET: "connection closed",
        ECONNREFUSED: "connection refused",
        ETIMEDOUT: "connection timed out",
        ENOTFOUND: "host not found",
        EPIPE: "connection closed",
    };
    const label = code
        ? `${code}${what[code] ? ` (${what[code]})` : ""}`
        : thrown?.cause?.message || thrown?.message || thrown?.name || "unknown transport failure";
    return attempt.phase === "body" ? `the body was cut: ${label}` : label;
}
