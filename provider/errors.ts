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

/** The standard ES2022 error options; `cause` is only ever an error that holds no secret. */
export interface SyncJobStartErrorOptions {
    cause?: unknown;
}

/** Base of every error this package throws. The original error, when there is one, is the standard `cause`. */
export class SyncJobStartError extends Error {
    // Names are spelled out: the provider may run from serialized code, where class names are lost.
    override name = "SyncJobStartError";
    constructor(message: string, options?: SyncJobStartErrorOptions) {
        super(message, options);
        // Serialized from local source, a class becomes a function and Error(message, options)
        // ignores `this`: set what the native constructor would have set.
        this.message = message;
        if (options && "cause" in options && !Object.prototype.hasOwnProperty.call(this, "cause")) {
            Object.defineProperty(this, "cause", { value: options.cause, writable: true, configurable: true, enumerable: false });
        }
    }
}

/** An input that check (or the resource's constructor) rejects: names the property and the fix. */
export class InvalidInputError extends SyncJobStartError {
    override name = "InvalidInputError";
    constructor(
        readonly property: string,
        readonly reason: string,
    ) {
        super(`SyncJobStart: invalid ${property}: ${reason}`);
    }
}

/**
 * A setting that cannot work: an environment name, a Graph or authority endpoint, a client
 * certificate file. The message names where the setting came from and how to fix it.
 */
export class ConfigurationError extends SyncJobStartError {
    override name = "ConfigurationError";
}

/** useOidc is set, but no OIDC token could be had (none configured, or GitHub's token service refused). */
export class OidcTokenError extends SyncJobStartError {
    override name = "OidcTokenError";
}

/** The resource's state lacks what an operation needs (e.g. after `pulumi import`, which dynamic providers do not support). */
export class IncompleteStateError extends SyncJobStartError {
    override name = "IncompleteStateError";
}

// Not named `describe`: a provider serialized by value (a program run inside mocha or jest) would bind
// that name to the test framework's global instead (found by the e2e suite under the real engine).
function requestSummary(info: GraphRequestInfo): string {
    const parts = [`${info.operation} failed: ${info.method} ${info.path}`];
    const status = [info.statusCode !== undefined && info.statusCode > 0 ? String(info.statusCode) : "no response", info.code]
        .filter(Boolean)
        .join(" ");
    parts.push(`-> ${status}`);
    if (info.requestId) parts.push(`(request-id ${info.requestId})`);
    return parts.join(" ");
}

/** A Graph request that failed; the message ends with what to do about it, `cause` is the Graph client's error. */
export class GraphRequestError extends SyncJobStartError {
    override name = "GraphRequestError";
    readonly operation: string;
    readonly method: string;
    readonly path: string;
    readonly statusCode?: number;
    readonly code?: string;
    readonly requestId?: string;
    constructor(
        info: GraphRequestInfo,
        readonly hint: string,
        detail?: string,
        options?: SyncJobStartErrorOptions,
    ) {
        super(`${requestSummary(info)}${detail ? `: ${detail.trim().replace(/\.+$/, "")}` : ""}. ${hint}`, options);
        this.operation = info.operation;
        this.method = info.method;
        this.path = info.path;
        this.statusCode = info.statusCode;
        this.code = info.code;
        this.requestId = info.requestId;
    }
}

/**
 * A restart was sent and its answer lost (reset, no answer, a gateway's 504), and the job read after
 * it cannot tell whether Graph restarted it: the job is running, as a restart leaves it, and no
 * provisioning run began after the POST. It is not sent again blindly, and not recorded as done:
 * restartTriggers keep their previous value in state, so the next `up` restarts the job.
 */
export class RestartUnconfirmedError extends SyncJobStartError {
    override name = "RestartUnconfirmedError";
    constructor(
        original: Error,
        job: { status?: string; scheduleState?: string },
        /** Why the read proves nothing, e.g. "no provisioning run began after the restart was sent". */
        why: string,
    ) {
        // The POST's own hint ("the job is read before it is sent again") is replaced by what the read found.
        const hint = (original as { hint?: unknown }).hint;
        const failure =
            typeof hint === "string" && hint && original.message.endsWith(hint)
                ? original.message.slice(0, -hint.length).trim()
                : original.message;
        super(
            `${failure} The job was read after it: ${job.status ?? "unknown"}/${job.scheduleState ?? "unknown"}, as a restart would leave it, ` +
                `but ${why}, so whether Graph restarted the job cannot be told; it is not sent again blindly. ` +
                "Nothing is recorded: restartTriggers keep their previous value in state, so the next `pulumi up` restarts the job " +
                "(if this restart did reach Graph, that repeats its reset: objects are evaluated again, nothing is lost).",
            { cause: original },
        );
    }
}

/**
 * 401: Graph refused the token. (Not "AuthenticationError": @azure/identity exports a class of that
 * name for the opposite case, a token that could not be had; that is our CredentialError.)
 */
export class TokenRejectedError extends GraphRequestError {
    override name = "TokenRejectedError";
}
/**
 * 401 UnknownError with an empty message: a caller with Application.ReadWrite.OwnedBy that does not
 * own the service principal (the enterprise application). Not a token problem: no fresh token helps.
 */
export class OwnershipError extends GraphRequestError {
    override name = "OwnershipError";
}
/** 403: the identity lacks the permission or the ownership. */
export class PermissionError extends GraphRequestError {
    override name = "PermissionError";
}
/** 404 on the service principal (possibly an application id in its place). */
export class ServicePrincipalNotFoundError extends GraphRequestError {
    override name = "ServicePrincipalNotFoundError";
}
/** 404 on the job; the message lists the jobs that do exist. */
export class JobNotFoundError extends GraphRequestError {
    override name = "JobNotFoundError";
}
/** 429/503/504 past the retry budget. */
export class ThrottledError extends GraphRequestError {
    override name = "ThrottledError";
}
/** No HTTP answer: connection reset, refused, or the request timed out (after retries). */
export class TransportError extends GraphRequestError {
    override name = "TransportError";
}

/**
 * The credential could not get a token (wrong secret, unknown client, no credential found).
 * Deliberately without `cause`: @azure/identity's errors may quote the request that carried the
 * secret, so only a scrubbed text of them is kept.
 */
export class CredentialError extends SyncJobStartError {
    override name = "CredentialError";
    constructor(
        readonly credential: string,
        readonly tenantId: string | undefined,
        detail: string,
    ) {
        super(`get token failed with ${credential}${tenantId ? ` for tenant ${tenantId}` : ""}: ${detail}`);
    }
}

/** waitFor "active": the job went (back) into quarantine after the start. */
export class JobQuarantinedError extends SyncJobStartError {
    override name = "JobQuarantinedError";
    constructor(
        readonly jobPath: string,
        readonly reason: string,
    ) {
        super(
            `wait for job failed: ${jobPath} is in quarantine again after the start (reason ${reason}). ` +
                `Fix the cause shown in the job's provisioning logs (Entra admin center > Enterprise applications > Provisioning), then change triggers to start it again.`,
        );
    }
}

/** waitFor "active": the job was not Active within waitTimeoutSeconds. */
export class WaitTimeoutError extends SyncJobStartError {
    override name = "WaitTimeoutError";
    constructor(
        readonly jobPath: string,
        readonly seconds: number,
        readonly lastStatus: string,
        /** What was awaited: the job Active (waitFor "active") or a provisioning run's end (waitFor "cycle"). */
        readonly awaited: "active" | "cycle" = "active",
        /** What set the bound: waitTimeoutSeconds, or the resource's customTimeouts when shorter (provider plugin). */
        readonly boundBy: "waitTimeoutSeconds" | "customTimeouts" = "waitTimeoutSeconds",
    ) {
        const bound = boundBy === "customTimeouts" ? ` (the bound of the resource's customTimeouts, shorter than waitTimeoutSeconds)` : "";
        const raise = boundBy === "customTimeouts" ? "raise the resource's customTimeouts" : "raise waitTimeoutSeconds";
        super(
            awaited === "active"
                ? `wait for job failed: ${jobPath} did not become Active within ${seconds}s${bound} (last status ${lastStatus}). ` +
                      `${raise[0].toUpperCase()}${raise.slice(1)}, or use waitFor "none" and watch the job's status output.`
                : `wait for provisioning cycle failed: no run of ${jobPath} that began after this update ended within ${seconds}s${bound} (last status ${lastStatus}). ` +
                      `A cycle can take from minutes to hours with many objects: ${raise}, or use waitFor "active" and watch the lastRun output.`,
        );
    }
}

/** waitFor "cycle": the provisioning run after the start or restart failed. */
export class RunFailedError extends SyncJobStartError {
    override name = "RunFailedError";
    constructor(
        readonly jobPath: string,
        readonly errorCode: string | undefined,
        readonly errorMessage: string | undefined,
        readonly troubleshootingUrl: string | undefined,
    ) {
        super(
            `provisioning cycle failed: the run of ${jobPath} after this update ended Failed` +
                `${errorCode ? ` with ${errorCode}` : ""}${errorMessage ? `: ${errorMessage.trim().replace(/\.+$/, "")}` : ""}. ` +
                `Fix the cause (the job's provisioning logs${troubleshootingUrl ? `, ${troubleshootingUrl}` : ""}), then change triggers or restartTriggers to run it again.`,
        );
    }
}

/**
 * The start POST succeeded, a later step failed (that error is `cause`). Carries `id`, `properties`
 * and `reasons`, which makes the Pulumi engine record the resource (and the start) in state instead
 * of forgetting it.
 */
export class PartialStartError extends SyncJobStartError {
    override name = "PartialStartError";
    readonly reasons: string[];
    constructor(
        readonly id: string,
        readonly properties: Record<string, unknown>,
        cause: Error,
        /** What the update did before it failed. */
        action: "started" | "restarted" | "skipped" = "started",
    ) {
        const done = action === "skipped" ? "job was already running (start skipped)" : `job was ${action}`;
        super(`${done}, then: ${cause.message}`, { cause });
        // The engine shows the reasons, not the message, for a partial failure: they carry what was
        // done too ("job was started, then: …"), so users learn that the job did start.
        this.reasons = [this.message];
    }
}

/** Where a job's held deletions can be reviewed, and what Graph said of them. */
export interface HeldDeletions {
    /** `/v1.0/servicePrincipals/…/synchronization/jobs/…` */
    jobPath: string;
    /** QuarantineTooManyDeletesThreshold from the job's settings, when Graph gives it. */
    threshold?: string;
    troubleshootingUrl?: string;
}

/**
 * The job is quarantined with TooManyDeletes: a start (which clears any quarantine) or a restart
 * would perform the deletions Entra is holding. Refused without allowHeldDeletes; waitFor fails
 * with it when the job enters that quarantine.
 */
export class HeldDeletionsError extends SyncJobStartError {
    override name = "HeldDeletionsError";
    constructor(
        readonly held: HeldDeletions,
        /** What was refused or what failed, e.g. "start refused" or "wait for job failed". */
        readonly what: string,
        /** Where the quarantine was seen, e.g. "is" or "entered … after the start". */
        readonly where = "is in quarantine",
    ) {
        const threshold = held.threshold
            ? `the accidental-deletion threshold (QuarantineTooManyDeletesThreshold ${held.threshold})`
            : "the accidental-deletion threshold (the job's settings do not give QuarantineTooManyDeletesThreshold)";
        super(
            `${what}: ${held.jobPath} ${where} with reason TooManyDeletes: a provisioning cycle would delete more objects than ${threshold}, ` +
                "and Entra is holding those deletions. Starting or restarting the job would perform them. " +
                "Review them first in the provisioning logs (Entra admin center > Enterprise applications > the application > Provisioning logs, action StagedDelete)" +
                `${held.troubleshootingUrl ? ` and at ${held.troubleshootingUrl}` : ""}. ` +
                "If they are not wanted, fix the scoping filter or attribute mappings and restart the job from the admin center; " +
                'if they are, set allowHeldDeletes: true (a restart with restartScope "ForceDeletes" releases them, as does a start).',
        );
    }
}

/**
 * A restart of an API-driven inbound provisioning job that is not running purges what was uploaded
 * to it (bulkUpload) and not yet processed. Refused without allowInboundPurge.
 */
export class InboundPurgeError extends SyncJobStartError {
    override name = "InboundPurgeError";
    constructor(
        readonly jobPath: string,
        readonly templateId: string,
        /** status/schedule as read, e.g. "Paused/Paused". */
        readonly state: string,
    ) {
        super(
            `restart refused: ${jobPath} is an API-driven inbound provisioning job (${templateId}) and is not running (${state}): ` +
                "a restart now purges the data uploaded to it (bulkUpload) that was not processed yet. " +
                "Start it instead (change triggers) so that the uploads are processed, then restart; or set allowInboundPurge: true to restart it and lose them.",
        );
    }
}
