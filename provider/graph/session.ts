import {
    AuthenticationHandler,
    AuthenticationProvider,
    Client,
    Context,
    HTTPMessageHandler,
    Middleware,
    RedirectHandler,
    RetryHandler,
    RetryHandlerOptions,
    TelemetryHandler,
} from "@microsoft/microsoft-graph-client";
import { Endpoints, isMicrosoftGraphHost } from "../clouds";
import type { CachedCredential } from "../credentials";
import type { Limits } from "../settings";
import { explain } from "./explain";
import { isThrottle as isThrottleStatus, Limiter } from "./limiter";
import { budgetedRetryOptions, CallBudget, retryAfterMs, TransportRetryHandler } from "./transport";

/** One request to Graph, as the job code describes it. */
export interface GraphCall {
    /** What the provider is doing, for the error message, e.g. "start job". */
    operation: string;
    method: "GET" | "POST";
    /** Path below the version segment, e.g. /servicePrincipals/{id}/synchronization/jobs/{jobId}. */
    path: string;
    apiVersion: string;
}

/**
 * One Graph client for one (Graph endpoint, authority, credential): shared by every resource in the
 * provider process, so there is one token cache and one connection pool.
 */
export class GraphSession {
    private readonly client: Client;
    private readonly limiter: Limiter;

    constructor(
        readonly endpoints: Endpoints,
        readonly credential: CachedCredential,
        readonly limits: Limits,
    ) {
        this.limiter = new Limiter(limits.maxConcurrency);
        const limiter = this.limiter;
        // Not the Graph client's TokenCredentialAuthenticationProvider: it builds a GraphClientError,
        // stack trace included, on every request before it knows whether anything failed (4% of the
        // provider host's CPU at N=1000 in `npm run bench -- --profile`). CachedCredential.getToken
        // returns a token or throws, which is all the AuthenticationHandler needs.
        const authProvider: AuthenticationProvider = {
            getAccessToken: async () => (await credential.getToken(endpoints.scope)).token,
        };
        const chain: Middleware[] = [
            new AuthenticationHandler(authProvider),
            new RetryHandler(new RetryHandlerOptions()),
            // Per attempt, so a request waiting out Retry-After holds no slot. Above the transport
            // retries, so the attempt's time limit does not run while it waits for a slot.
            new LimiterHandler(limiter),
            new TransportRetryHandler(),
            new RedirectHandler(),
            new TelemetryHandler(),
            new HTTPMessageHandler(),
        ];
        const host = new URL(endpoints.graphEndpoint).hostname;
        this.client = Client.initWithMiddleware({
            baseUrl: endpoints.graphEndpoint,
            middleware: chain,
            // Without this the client silently sends no token to hosts it does not know (an emulator, a proxy).
            customHosts: isMicrosoftGraphHost(endpoints.graphEndpoint) ? undefined : new Set([host]),
        });
    }

    /** Makes one Graph call (with retries); failures become errors that say what to do. */
    async call<T>(call: GraphCall): Promise<T> {
        // Acquire the token first so a credential failure surfaces as itself, not as a GraphError.
        await this.credential.getToken(this.endpoints.scope);
        const budget = new CallBudget(Date.now() + this.limits.retryBudgetMs, this.limits.requestTimeoutMs);
        const request = this.client
            .api(call.path)
            .version(call.apiVersion)
            .middlewareOptions([budgetedRetryOptions(budget), budget]);
        try {
            return (call.method === "GET" ? await request.get() : await request.post(undefined)) as T;
        } catch (e) {
            throw explain(call, e, { endpoints: this.endpoints, credential: this.credential, limits: this.limits, budget });
        }
    }
}

/** Takes a limiter slot for each attempt the Graph client's RetryHandler makes, and reports how it went. */
class LimiterHandler implements Middleware {
    private next?: Middleware;

    constructor(private readonly limiter: Limiter) {}

    setNext(next: Middleware): void {
        this.next = next;
    }

    async execute(context: Context): Promise<void> {
        const slot = await this.limiter.acquire();
        const t0 = performance.now();
        try {
            await this.next!.execute(context);
        } catch (e) {
            slot.release({ latencyMs: performance.now() - t0 });
            throw e;
        }
        const status = context.response?.status;
        slot.release({
            status,
            latencyMs: performance.now() - t0,
            retryAfterMs: isThrottleStatus(status) ? retryAfterMs(context.response) : undefined,
        });
    }
}
