import type { TokenCredential } from "@azure/identity";
import {
    AuthenticationHandler, Client, Context, GraphError, HTTPMessageHandler, Middleware, MiddlewareOptions,
    RedirectHandler, RetryHandler, RetryHandlerOptions, TelemetryHandler,
} from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";
import { Endpoints, isMicrosoftGraphHost } from "./clouds";
import { CachedCredential } from "./credentials";
import {
    AuthenticationError, GraphRequestError, GraphRequestInfo, PermissionError, ThrottledError, TransportError,
} from "./errors";

/** Tunables, read from the provider host's environment at call time. */
export interface Limits {
    /** Graph requests in flight per provider process. ENTRA_SYNC_MAX_CONCURRENCY, default 16. */
    maxConcurrency: number;
    /** One HTTP attempt's time limit. ENTRA_SYNC_REQUEST_TIMEOUT_SECONDS, default 30. */
    requestTimeoutMs: number;
    /** Total time one call may spend waiting on retries. ENTRA_SYNC_RETRY_BUDGET_SECONDS, default 120. */
    retryBudgetMs: number;
}

function positive(v: string | undefined, fallback: number): number {
    const n = Number(v);
    return v !== undefined && v !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
}

export function readLimits(env: NodeJS.ProcessEnv): Limits {
    return {
        maxConcurrency: Math.floor(positive(env.ENTRA_SYNC_MAX_CONCURRENCY, 16)),
        requestTimeoutMs: positive(env.ENTRA_SYNC_REQUEST_TIMEOUT_SECONDS, 30) * 1000,
        retryBudgetMs: positive(env.ENTRA_SYNC_RETRY_BUDGET_SECONDS, 120) * 1000,
    };
}

/** The synchronization job as read from Graph (what the resource reports). */
export interface JobView {
    id: string;
    status?: string;
    scheduleState?: string;
    quarantineReason?: string;
}

export function toJobView(body: any): JobView {
    return {
        id: String(body?.id ?? ""),
        status: body?.status?.code ?? undefined,
        scheduleState: body?.schedule?.state ?? undefined,
        quarantineReason: body?.status?.quarantine?.reason ?? undefined,
    };
}

/** Per call: when retries must stop, and how many happened (for the error message). */
class CallBudget implements MiddlewareOptions {
    retries = 0;
    constructor(readonly deadline: number, readonly attemptTimeoutMs: number) {}
}

function retryAfterMs(response: Response | undefined): number {
    const h = response?.headers?.get("Retry-After");
    if (!h) return 1000;
    const n = Number(h);
    return Number.isNaN(n) ? Math.max(0, new Date(h).getTime() - Date.now()) : n * 1000;
}

/**
 * Between the Graph client's RetryHandler and the transport: a time limit on each attempt, and
 * retries of transport failures (reset, refused, timed out), which the RetryHandler does not retry
 * because there is no response. A start is safe to repeat.
 */
export class TransportRetryHandler implements Middleware {
    private next?: Middleware;
    setNext(next: Middleware): void {
        this.next = next;
    }
    async execute(context: Context): Promise<void> {
        const budget = context.middlewareControl?.getMiddlewareOptions(CallBudget) as CallBudget | undefined;
        for (let attempt = 0; ; attempt++) {
            const limit = budget?.attemptTimeoutMs ?? 30_000;
            const controller = new AbortController();
            const timer = setTimeout(() => controller.abort(new Error(`no response within ${limit} ms`)), limit);
            try {
                context.options = { ...(context.options ?? {}), signal: controller.signal };
                await this.next!.execute(context);
                return;
            } catch (e) {
                const wait = Math.min(250 * 2 ** attempt, 4000) * (0.75 + Math.random() / 2);
                if (!budget || Date.now() + wait > budget.deadline) throw e;
                budget.retries++;
                await new Promise((r) => setTimeout(r, wait));
            } finally {
                clearTimeout(timer);
            }
        }
    }
}

/** A counting semaphore: bounds Graph requests in flight. */
class Semaphore {
    private active = 0;
    private readonly waiting: (() => void)[] = [];
    constructor(private readonly limit: number) {}
    async run<T>(fn: () => Promise<T>): Promise<T> {
        if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
        else this.active++;
        try {
            return await fn();
        } finally {
            const next = this.waiting.shift();
            if (next) next();
            else this.active--;
        }
    }
}

export interface GraphCall {
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
    private readonly semaphore: Semaphore;

    constructor(readonly endpoints: Endpoints, readonly credential: CachedCredential, readonly limits: Limits) {
        this.semaphore = new Semaphore(limits.maxConcurrency);
        const auth = new TokenCredentialAuthenticationProvider(credential as TokenCredential, { scopes: [endpoints.scope] });
        const retry = new RetryHandler(new RetryHandlerOptions());
        const chain: Middleware[] = [
            new AuthenticationHandler(auth), retry, new TransportRetryHandler(), new RedirectHandler(),
            new TelemetryHandler(), new HTTPMessageHandler(),
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
    async call<T>(c: GraphCall): Promise<T> {
        // Acquire the token first so a credential failure surfaces as itself, not as a GraphError.
        await this.credential.getToken(this.endpoints.scope);
        return this.semaphore.run(async () => {
            const budget = new CallBudget(Date.now() + this.limits.retryBudgetMs, this.limits.requestTimeoutMs);
            const retryOptions = new RetryHandlerOptions(1, 10, (_d, _a, _req, _opts, response: Response) => {
                const wait = retryAfterMs(response);
                if (Date.now() + wait > budget.deadline) return false;
                budget.retries++;
                return true;
            });
            const request = this.client.api(c.path).version(c.apiVersion).middlewareOptions([retryOptions, budget]);
            try {
                return (c.method === "GET" ? await request.get() : await request.post(undefined)) as T;
            } catch (e) {
                throw this.explain(c, e, budget);
            }
        });
    }

    /** Turns a GraphError into an error with a fix; 404s are left to the caller, which knows what was sought. */
    explain(c: GraphCall, e: unknown, budget?: CallBudget): Error {
        if (!(e instanceof GraphError)) return e as Error;
        const transport = !(e.statusCode > 0) || (e.statusCode === 500 && !e.requestId && !e.code);
        const info: GraphRequestInfo = {
            operation: c.operation, method: c.method, path: `/${c.apiVersion}${c.path}`,
            statusCode: transport ? undefined : e.statusCode, code: transport ? undefined : e.code ?? undefined,
            requestId: e.requestId ?? undefined,
        };
        const retried = budget && budget.retries > 0 ? ` after ${budget.retries} retries` : "";
        if (transport) {
            return new TransportError(info, `No answer from ${this.endpoints.graphEndpoint}${retried} within the ${this.limits.retryBudgetMs / 1000}s retry budget (connection reset, refused or timed out). ` +
                "Check the network path to Graph (proxy, firewall); starting is safe to repeat, so run the update again.", safeDetail(e));
        }
        const cred = this.credential.description;
        switch (e.statusCode) {
            case 401:
                return new AuthenticationError(info, `Graph refused the token from ${cred}. ` +
                    `Check that this client exists in tenant ${this.credential.tenantId ?? "(the credential's default tenant)"}, that its secret or certificate is current, ` +
                    `and that the environment (${this.endpoints.environment}, Graph ${this.endpoints.graphEndpoint}) is the cloud the tenant lives in.`, e.message);
            case 403:
                return new PermissionError(info, `The identity (${cred}) lacks permission. Grant the application permission Synchronization.ReadWrite.All (with admin consent), ` +
                    "or Application.ReadWrite.OwnedBy and make the identity an owner of the service principal.", e.message);
            case 429: case 503: case 504:
                return new ThrottledError(info, `Graph kept throttling${retried} for longer than the ${this.limits.retryBudgetMs / 1000}s retry budget. ` +
                    "Lower the deployment's parallelism (pulumi up --parallel), spread pipelines sharing this app registration, or raise ENTRA_SYNC_RETRY_BUDGET_SECONDS.", e.message);
            default:
                return new GraphRequestError(info, "See Graph's message above; the request-id identifies the call for Microsoft support.", e.message);
        }
    }
}

function safeDetail(e: GraphError): string {
    const cause = (e as { body?: unknown }).body;
    return typeof cause === "string" && cause.length < 300 ? cause : e.message;
}
