import { GraphError } from "@microsoft/microsoft-graph-client";
import type { Endpoints } from "../clouds";
import type { CachedCredential } from "../credentials";
import {
    GraphRequestError,
    GraphRequestInfo,
    PermissionError,
    SyncJobStartError,
    ThrottledError,
    TokenRejectedError,
    TransportError,
} from "../errors";
import type { Limits } from "../settings";
import type { GraphCall } from "./session";
import type { CallBudget } from "./transport";

/** What a session knows that an error message needs. */
export interface ExplainContext {
    endpoints: Endpoints;
    credential: CachedCredential;
    limits: Limits;
    budget?: CallBudget;
}

/**
 * Turns the Graph client's GraphError into our error with a fix, the GraphError as its `cause`
 * (it holds Graph's answer and response headers, never the request's token). 404s are left to the
 * caller, which knows what was sought.
 */
export function explain(call: GraphCall, error: unknown, context: ExplainContext): Error {
    const { endpoints, credential, limits, budget } = context;
    if (error instanceof SyncJobStartError) return error;
    if (!(error instanceof GraphError)) {
        // Not seen in practice (the Graph client wraps what it throws); kept so every error is ours.
        return new GraphRequestError(
            { operation: call.operation, method: call.method, path: `/${call.apiVersion}${call.path}` },
            "The Graph client failed before Graph answered; the original error is the cause.",
            String((error as Error)?.message ?? error),
            { cause: error },
        );
    }
    const transport = !(error.statusCode > 0) || (error.statusCode === 500 && !error.requestId && !error.code);
    const info: GraphRequestInfo = {
        operation: call.operation,
        method: call.method,
        path: `/${call.apiVersion}${call.path}`,
        statusCode: transport ? undefined : error.statusCode,
        code: transport ? undefined : (error.code ?? undefined),
        requestId: error.requestId ?? undefined,
    };
    const options = { cause: error };
    const retried = budget && budget.retries > 0 ? ` after ${budget.retries} retries` : "";
    if (transport) {
        return new TransportError(
            info,
            `No answer from ${endpoints.graphEndpoint}${retried} within the ${limits.retryBudgetMs / 1000}s retry budget (connection reset, refused or timed out). ` +
                "Check the network path to Graph (proxy, firewall); starting is safe to repeat, so run the update again.",
            safeDetail(error),
            options,
        );
    }
    const described = credential.description;
    switch (error.statusCode) {
        case 401:
            return new TokenRejectedError(
                info,
                `Graph refused the token from ${described}. ` +
                    `Check that this client exists in tenant ${credential.tenantId ?? "(the credential's default tenant)"}, that its secret or certificate is current, ` +
                    `and that the environment (${endpoints.environment}, Graph ${endpoints.graphEndpoint}) is the cloud the tenant lives in.`,
                error.message,
                options,
            );
        case 403:
            return new PermissionError(
                info,
                `The identity (${described}) lacks permission. Grant the application permission Synchronization.ReadWrite.All (with admin consent), ` +
                    "or Application.ReadWrite.OwnedBy and make the identity an owner of the service principal.",
                error.message,
                options,
            );
        case 429:
        case 503:
        case 504:
            return new ThrottledError(
                info,
                `Graph kept throttling${retried} for longer than the ${limits.retryBudgetMs / 1000}s retry budget. ` +
                    "Lower the deployment's parallelism (pulumi up --parallel), spread pipelines sharing this app registration, or raise ENTRA_SYNC_RETRY_BUDGET_SECONDS.",
                error.message,
                options,
            );
        default:
            return new GraphRequestError(
                info,
                "See Graph's message above; the request-id identifies the call for Microsoft support.",
                error.message,
                options,
            );
    }
}

function safeDetail(error: GraphError): string {
    const body = (error as { body?: unknown }).body;
    return typeof body === "string" && body.length < 300 ? body : error.message;
}
