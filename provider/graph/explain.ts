import type { Endpoints } from "../clouds";
import type { CachedCredential } from "../auth";
import { GraphRequestError, GraphRequestInfo, PermissionError, ThrottledError, TokenRejectedError } from "../errors";
import type { GraphCall } from "./call";

/** What a session knows that an error message needs. */
export interface ExplainContext {
    endpoints: Endpoints;
    /** Which credential (never a secret) and its tenant, for a 401's and a 403's fix. */
    credential: Pick<CachedCredential, "description" | "tenantId">;
}

/** An HTTP answer that ends the call: status, Graph's error body and headers. */
export interface GraphAnswer {
    status: number;
    headers: Headers;
    /** The body as text (Graph's error JSON, or whatever answered). */
    text: string;
}

/** How far the call got, for "after N attempts in X s". */
export interface CallProgress {
    attempts: number;
    elapsedMs: number;
}

export function spent(progress: CallProgress): string {
    const attempts = `${progress.attempts} attempt${progress.attempts === 1 ? "" : "s"}`;
    return `${attempts} in ${(progress.elapsedMs / 1000).toFixed(1)} s`;
}

/** Graph's error code and message, when the body is Graph's error JSON. */
export function graphError(text: string): { code?: string; message?: string } {
    try {
        const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
        const error = parsed?.error;
        return {
            code: typeof error?.code === "string" ? error.code : undefined,
            message: typeof error?.message === "string" ? error.message : undefined,
        };
    } catch {
        return {};
    }
}

export function infoOf(call: GraphCall, answer?: GraphAnswer): GraphRequestInfo {
    const info: GraphRequestInfo = { operation: call.operation, method: call.method, path: `/${call.apiVersion}${call.path}` };
    if (answer) {
        info.statusCode = answer.status;
        info.code = graphError(answer.text).code;
        info.requestId = answer.headers.get("request-id") ?? answer.headers.get("client-request-id") ?? undefined;
    }
    return info;
}

/** A body that is not Graph's error JSON is quoted in the error only when shorter than this (a page is not). */
const MAX_QUOTED_BODY_CHARS = 300;

/**
 * A Graph answer that ends the call → our error with a fix. 404s come back as GraphRequestError
 * with status 404; the job client, which knows what was sought, turns them into the precise class.
 */
export function explainAnswer(call: GraphCall, answer: GraphAnswer, progress: CallProgress, context: ExplainContext): Error {
    const { endpoints, credential } = context;
    const info = infoOf(call, answer);
    const message = graphError(answer.text).message ?? (answer.text.length < MAX_QUOTED_BODY_CHARS ? answer.text.trim() : undefined);
    const described = credential.description;
    switch (answer.status) {
        case 401:
            return new TokenRejectedError(
                info,
                `Graph refused the token from ${described}, also after a fresh token was requested (${spent(progress)}). ` +
                    `Check that this client exists in tenant ${credential.tenantId ?? "(the credential's default tenant)"}, that it was not disabled or its token revoked, ` +
                    `and that the environment (${endpoints.environment}, Graph ${endpoints.graphEndpoint}) is the cloud the tenant lives in.`,
                message,
            );
        case 403:
            return new PermissionError(
                info,
                `The identity (${described}) lacks permission. Grant the application permission Synchronization.ReadWrite.All (with admin consent), ` +
                    "or Application.ReadWrite.OwnedBy and make the identity an owner of the service principal.",
                message,
            );
        case 429:
        case 503:
        case 504:
            return new ThrottledError(
                info,
                `Graph kept throttling (${spent(progress)}); its Retry-After did not fit in what was left of timeoutSeconds. ` +
                    "Lower the deployment's parallelism (pulumi up --parallel), spread pipelines sharing this app registration, or raise timeoutSeconds (ENTRA_SYNC_TIMEOUT_SECONDS).",
                message,
            );
        default:
            return new GraphRequestError(
                info,
                info.requestId
                    ? "See Graph's message above; the request-id identifies the call for Microsoft support."
                    : `The answer carried no request-id, so it may not come from Graph (a proxy or gateway in between?) (${spent(progress)}).`,
                message,
            );
    }
}
