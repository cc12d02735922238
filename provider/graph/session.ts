import type { TokenCredential } from "@azure/identity";
import {
    AuthenticationHandler,
    Client,
    HTTPMessageHandler,
    Middleware,
    RedirectHandler,
    RetryHandler,
    RetryHandlerOptions,
    TelemetryHandler,
} from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";
import { Endpoints, isMicrosoftGraphHost } from "../clouds";
import type { CachedCredential } from "../credentials";
import type { Limits } from "../settings";
import { explain } from "./explain";
import { Limiter } from "./limiter";
import { proxyFetchOptions } from "./proxy";
import { budgetedRetryOptions, CallBudget, TransportRetryHandler } from "./transport";

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
        const authProvider = new TokenCredentialAuthenticationProvider(credential as TokenCredential, { scopes: [endpoints.scope] });
        const chain: Middleware[] = [
            new AuthenticationHandler(authProvider),
            new RetryHandler(new RetryHandlerOptions()),
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
            // fetchOptions are copied into every request's fetch options (a proxy's dispatcher, if any).
            fetchOptions: proxyFetchOptions() as RequestInit,
        });
    }

    /** Makes one Graph call (with retries); failures become errors that say what to do. */
    async call<T>(call: GraphCall): Promise<T> {
        // Acquire the token first so a credential failure surfaces as itself, not as a GraphError.
        await this.credential.getToken(this.endpoints.scope);
        return this.limiter.run(async () => {
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
        });
    }
}
