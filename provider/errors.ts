/** What a failed Graph request was: enough to find it in Graph's logs, never a token. */
export interface GraphRequestInfo {
    /** What the provider was doing, e.g. "start job". */
    operation: string;
    method: string;
    /** Path below the Graph endpoint, with the version, e.g. "/v1.0/servicePrincipals/…/start". */
    path: string;
    statusCode?: number;
    code?: string;
    requestId?: string;
}

/** Base of every error this package throws. */
export class SyncJobStartError extends Error {
    // Names are spelled out: the provider may run from serialized code, where class names are lost.
    name = "SyncJobStartError";
    constructor(message: string) {
        super(message);
        // Serialized from local source, a class becomes a function and Error(message) ignores `this`.
        this.message = message;
    }
}

/** An input that check (or the resource's constructor) rejects: names the property and the fix. */
export class InvalidInputError extends SyncJobStartError {
    name = "InvalidInputError";
    constructor(readonly property: string, readonly reason: string) {
        super(`SyncJobStart: invalid ${property}: ${reason}`);
    }
}

function describe(info: GraphRequestInfo): string {
    const parts = [`${info.operation} failed: ${info.method} ${info.path}`];
    const status = [info.statusCode !== undefined && info.statusCode > 0 ? String(info.statusCode) : "no response", info.code]
        .filter(Boolean).join(" ");
    parts.push(`-> ${status}`);
    if (info.requestId) parts.push(`(request-id ${info.requestId})`);
    return parts.join(" ");
}

/** A Graph request that failed; the message ends with what to do about it. */
export class GraphRequestError extends SyncJobStartError {
    name = "GraphRequestError";
    readonly operation: string;
    readonly method: string;
    readonly path: string;
    readonly statusCode?: number;
    readonly code?: string;
    readonly requestId?: string;
    constructor(info: GraphRequestInfo, readonly hint: string, detail?: string) {
        super(`${describe(info)}${detail ? `: ${detail.trim().replace(/\.+$/, "")}` : ""}. ${hint}`);
        this.operation = info.operation;
        this.method = info.method;
        this.path = info.path;
        this.statusCode = info.statusCode;
        this.code = info.code;
        this.requestId = info.requestId;
    }
}

/** 401: the token was refused. */
export class AuthenticationError extends GraphRequestError {
    name = "AuthenticationError";
}
/** 403: the identity lacks the permission or the ownership. */
export class PermissionError extends GraphRequestError {
    name = "PermissionError";
}
/** 404 on the service principal (possibly an application id in its place). */
export class ServicePrincipalNotFoundError extends GraphRequestError {
    name = "ServicePrincipalNotFoundError";
}
/** 404 on the job; the message lists the jobs that do exist. */
export class JobNotFoundError extends GraphRequestError {
    name = "JobNotFoundError";
}
/** 429/503/504 past the retry budget. */
export class ThrottledError extends GraphRequestError {
    name = "ThrottledError";
}
/** No HTTP answer: connection reset, refused, or the request timed out (after retries). */
export class TransportError extends GraphRequestError {
    name = "TransportError";
}

/** The credential could not get a token (wrong secret, unknown client, no credential found). */
export class CredentialError extends SyncJobStartError {
    name = "CredentialError";
    constructor(readonly credential: string, readonly tenantId: string | undefined, detail: string) {
        super(`get token failed with ${credential}${tenantId ? ` for tenant ${tenantId}` : ""}: ${detail}`);
    }
}

/** waitFor "active": the job went (back) into quarantine after the start. */
export class JobQuarantinedError extends SyncJobStartError {
    name = "JobQuarantinedError";
    constructor(readonly jobPath: string, readonly reason: string) {
        super(`wait for job failed: ${jobPath} is in quarantine again after the start (reason ${reason}). ` +
            `Fix the cause shown in the job's provisioning logs (Entra admin center > Enterprise applications > Provisioning), then change triggers to start it again.`);
    }
}

/** waitFor "active": the job was not Active within waitTimeoutSeconds. */
export class WaitTimeoutError extends SyncJobStartError {
    name = "WaitTimeoutError";
    constructor(readonly jobPath: string, readonly seconds: number, readonly lastStatus: string) {
        super(`wait for job failed: ${jobPath} did not become Active within ${seconds}s (last status ${lastStatus}). ` +
            `Raise waitTimeoutSeconds, or use waitFor "none" and watch the job's status output.`);
    }
}

/**
 * The start POST succeeded, a later step failed. Carries `id` and `properties`, which makes the
 * Pulumi engine record the resource (and the start) in state instead of forgetting it.
 */
export class PartialStartError extends SyncJobStartError {
    name = "PartialStartError";
    readonly reasons: string[];
    constructor(readonly id: string, readonly properties: Record<string, unknown>, readonly cause: Error) {
        super(`job was started, then: ${cause.message}`);
        this.reasons = [cause.message];
    }
}
