/**
 * The token cache in front of the @azure/identity credential, modelled on @azure/core-rest-pipeline's
 * tokenCycler.ts (util/tokenCycler.js in node_modules): one token shared by every caller, refreshed
 * in the background once it *should* be (its refreshAfterTimestamp, or near its end) while it is
 * still good, and waited for only when it *must* be (none yet, or about to expire). Unlike the
 * cycler, each caller's wait is bounded by its own operation's deadline (see CachedCredential), and
 * a background refresh that fails is tried again by a later caller, at most every few seconds.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import { CredentialError } from "../errors";
import { scrub, type AuthSettings, type CredentialPlan } from "./settings";

/** Refresh in the background from this long before expiry (or half the lifetime if shorter), unless the token says when (refreshAfterTimestamp). */
export const REFRESH_WINDOW_MS = 5 * 60_000;
/**
 * Stop handing the token out this long before expiry (or half the lifetime if shorter): a request
 * sent with it, waiting for a slot or a Retry-After, could otherwise reach Graph after it expired.
 */
export const FORCED_REFRESH_WINDOW_MS = 60_000;
/** After a failed background refresh, the next one starts no sooner than this (tokenCycler's retryIntervalInMs). */
export const REFRESH_RETRY_INTERVAL_MS = 3_000;

/** A cached token with the two instants the cycler works from. */
interface CachedToken extends AccessToken {
    /** From here a refresh starts in the background; the token is still handed out. */
    refreshAt: number;
    /** From here callers wait for a new token. */
    mustRefreshAt: number;
}

/** When a token fetched at `requestedAt` should and must be refreshed. */
export function refreshTimes(token: AccessToken, requestedAt: number): { refreshAt: number; mustRefreshAt: number } {
    const half = (token.expiresOnTimestamp - requestedAt) / 2;
    const mustRefreshAt = token.expiresOnTimestamp - Math.min(FORCED_REFRESH_WINDOW_MS, half);
    const refreshAt = Math.min(token.refreshAfterTimestamp ?? token.expiresOnTimestamp - Math.min(REFRESH_WINDOW_MS, half), mustRefreshAt);
    return { refreshAt, mustRefreshAt };
}

/** A token request shared by concurrent callers, and whether it has been given up on. */
interface SharedRequest {
    promise: Promise<AccessToken>;
    /** Aborts when the caller that started it reaches its deadline: the others stop waiting on it. */
    abandoned: AbortController;
}

/**
 * A TokenCredential that shares one token among all callers: concurrent requests wait for one token
 * request, and the token is renewed before it expires. @azure/identity does not de-duplicate
 * concurrent getToken calls, so without this 50 parallel creates would ask for 50 tokens.
 *
 * Each caller waits at most until its own `abortSignal` (its operation's deadline). The signal is
 * not handed to @azure/identity: for client secret, certificate and assertion flows,
 * msalClient.js calls MSAL's acquireTokenByClientCredential without it, and MSAL's network client
 * (IdentityClient) aborts only through its own per-correlation controllers, so a hung authority
 * (or a TLS handshake that never completes) would hold the call for as long as the socket lives.
 * Hence the race here: a waiter leaves at its deadline; the shared request is abandoned (never
 * reused) once the deadline of the caller that started it passes, and the next caller starts anew.
 */
/**
 * A TokenCredential that shares one token among all callers: concurrent requests wait for one token
 * request, and the token is renewed before it expires. @azure/identity does not de-duplicate
 * concurrent getToken calls, so without this 50 parallel creates would ask for 50 tokens.
 *
 * Each caller waits at most until its own `abortSignal` (its operation's deadline). The signal is
 * not handed to @azure/identity: for client secret, certificate and assertion flows,
 * msalClient.js calls MSAL's acquireTokenByClientCredential without it, and MSAL's network client
 * (IdentityClient) aborts only through its own per-correlation controllers, so a hung authority
 * (or a TLS handshake that never completes) would hold the call for as long as the socket lives.
 * Hence the race here: a waiter leaves at its deadline; the shared request is abandoned (never
 * reused) once the deadline of the caller that started it passes, and the next caller starts anew.
 *
 * The @azure/identity credential is built on the first token request, not before: an operation
 * that calls nothing (a settings-only update) builds none (and reads no certificate or secret file).
 */
export class CachedCredential implements TokenCredential {
    private token?: CachedToken;
    private shared?: SharedRequest;
    private inner?: TokenCredential;
    /** When the last background refresh failed (REFRESH_RETRY_INTERVAL_MS). */
    private refreshFailedAt = -Infinity;

    /** `create` builds the @azure/identity credential; called again after a rejected token, because MSAL's own cache would hand the same token back. */
    constructor(
        private readonly create: () => TokenCredential,
        readonly plan: CredentialPlan,
        private readonly settings: AuthSettings,
        /** The authority's origin, for "no answer from …" messages. */
        readonly authorityHost?: string,
    ) {}

    get description(): string {
        return this.plan.description;
    }

    get tenantId(): string | undefined {
        return this.plan.tenantId;
    }

    /** Graph refused `token` (401): forget it, and start from a fresh credential so MSAL's cache does not return it again. */
    invalidate(token: string): void {
        if (this.token?.token === token) {
            this.token = undefined;
            this.inner = this.create();
        }
    }

    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
        // @azure/identity types it as AbortSignalLike; what reaches here is a real AbortSignal.
        const signal = options?.abortSignal as AbortSignal | undefined;
        for (;;) {
            if (signal?.aborted) throw this.timedOut(signal.reason);
            const now = Date.now();
            if (!options?.claims && this.token && now < this.token.mustRefreshAt) {
                // Should refresh: start it in the background (one at a time), hand out the good token meanwhile.
                if (now >= this.token.refreshAt && !this.shared && now - this.refreshFailedAt >= REFRESH_RETRY_INTERVAL_MS) {
                    this.shared = this.start(scopes, options);
                    this.shared.promise.catch(() => (this.refreshFailedAt = Date.now()));
                }
                return this.token;
            }
            const shared = options?.claims ? this.start(scopes, options) : (this.shared ??= this.start(scopes, options));
            try {
                const stop = signal ? AbortSignal.any([signal, shared.abandoned.signal]) : shared.abandoned.signal;
                return await raceAbort(shared.promise, stop);
            } catch (e) {
                if (signal?.aborted) throw this.timedOut(signal.reason);
                // The request someone else started was given up at their deadline; ours is later: ask again.
                if (shared.abandoned.signal.aborted) continue;
                throw e;
            }
        }
    }

    private start(scopes: string | string[], options?: GetTokenOptions): SharedRequest {
        const request: SharedRequest = { promise: Promise.resolve() as unknown as Promise<AccessToken>, abandoned: new AbortController() };
        const signal = options?.abortSignal as AbortSignal | undefined;
        const forget = () => {
            if (this.shared === request) this.shared = undefined;
        };
        const onAbort = () => {
            forget();
            request.abandoned.abort();
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        request.promise = this.fetch(scopes, options?.claims).finally(() => {
            signal?.removeEventListener("abort", onAbort);
            forget();
        });
        // Nobody may be waiting any more when an abandoned request finally fails.
        request.promise.catch(() => undefined);
        return request;
    }

    private timedOut(reason: unknown): CredentialError {
        const seconds = (reason as { seconds?: number })?.seconds;
        return new CredentialError(
            this.plan.description,
            this.plan.tenantId,
            `no token from ${this.authorityHost ?? "the authority"} within the ${seconds !== undefined ? `${seconds} s ` : ""}timeoutSeconds (the token endpoint did not answer, or its TLS handshake never completed). ` +
                "Check the network path to the authority (proxy, firewall, authorityHost), or raise timeoutSeconds (ENTRA_SYNC_TIMEOUT_SECONDS).",
        );
    }

    private async fetch(scopes: string | string[], claims?: string): Promise<AccessToken> {
        let token: AccessToken | null;
        const started = Date.now();
        const inner = (this.inner ??= this.create());
        try {
            token = await inner.getToken(scopes, claims ? { claims } : undefined);
        } catch (e) {
            const message = (e as Error).message ?? String(e);
            const network = networkCode(e);
            throw new CredentialError(
                this.plan.description,
                this.plan.tenantId,
                network
                    ? `the authority ${this.authorityHost ?? ""} could not be reached (${network}): a network failure, not a wrong secret. ` +
                          "Check the network path to the authority (proxy, firewall, authorityHost) and run the update again."
                    : scrub(firstLines(message), this.settings) +
                          " Check the client id, tenant and secret/certificate, or which credential is configured (see the README's Authentication table).",
            );
        }
        if (!token) throw new CredentialError(this.plan.description, this.plan.tenantId, "no token was returned");
        if (inner === this.inner) this.token = { ...token, ...refreshTimes(token, started) };
        return token;
    }
}

/**
 * Whether an @azure/identity failure was the network, not the authority's verdict. MSAL reports a
 * failed request as a ClientAuthError "network_error" (or the Node error's code in the text), which
 * @azure/identity wraps in an AuthenticationError with status 400: that status is not the authority's.
 */
export function networkCode(error: unknown): string | undefined {
    const seen = new Set<unknown>();
    let current: unknown = error;
    const text: string[] = [];
    while (current && typeof current === "object" && !seen.has(current)) {
        seen.add(current);
        const e = current as {
            code?: unknown;
            errorCode?: unknown;
            message?: unknown;
            cause?: unknown;
            errorResponse?: { error_description?: unknown };
        };
        for (const value of [e.code, e.errorCode]) if (typeof value === "string") text.push(value);
        if (typeof e.message === "string") text.push(e.message);
        if (typeof e.errorResponse?.error_description === "string") text.push(e.errorResponse.error_description);
        current = e.cause;
    }
    const all = text.join(" ");
    const code =
        /\b(ECONNRESET|ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|UND_ERR_SOCKET|UND_ERR_CONNECT_TIMEOUT)\b/.exec(
            all,
        );
    if (code) return code[1];
    // MSAL's wording when the authority's OpenID metadata could not be fetched (it keeps no cause).
    if (/endpoints_resolution_error/.test(all)) return "endpoints_resolution_error: its OpenID metadata could not be fetched";
    if (/network_error|network request failed|socket hang up/i.test(all)) return "network error";
    return undefined;
}

/** Settles with `promise`, or rejects with the signal's reason when it aborts first. */
function raceAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
    if (!signal) return promise;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        promise.then(
            (value) => (signal.removeEventListener("abort", onAbort), resolve(value)),
            (error) => (signal.removeEventListener("abort", onAbort), reject(error)),
        );
    });
}

/** How much of a deeper layer's message goes into ours: MSAL's run to a stack of correlation ids and URLs. */
const MESSAGE_LINES = 3;
const MESSAGE_CHARS = 600;

function firstLines(text: string): string {
    const lines = text
        .split("\n")
        .map((line) => line.trim())
        .filter(Boolean);
    const joined = lines.slice(0, MESSAGE_LINES).join(" ");
    return joined.length > MESSAGE_CHARS ? `${joined.slice(0, MESSAGE_CHARS)}…` : joined;
}
