/**
 * What a start or restart may do to a tenant, and which input consents to it (pure; notes:
 * "Safety facts"). A start clears any quarantine, so a job quarantined with TooManyDeletes performs
 * the deletions Entra holds; a restart of an API-driven inbound job that is not running purges the
 * uploads staged for it. The job code asks here before it acts.
 */
import { HeldDeletionsError, InboundPurgeError } from "./errors";

/** Templates of API-driven inbound provisioning: to Entra ID, and to on-premises AD. */
export const INBOUND_TEMPLATES = ["API2AAD", "API2AD"] as const;

/** What the job code knows of a job when it decides (a JobView has these). */
export interface JobFacts {
    id?: string;
    status?: string;
    scheduleState?: string;
    quarantineReason?: string;
    templateId?: string;
    deleteThreshold?: string;
    troubleshootingUrl?: string;
}

export interface Consents {
    allowHeldDeletes?: boolean;
    allowInboundPurge?: boolean;
}

/** Quarantined by accidental-deletion prevention: deletions are held until a start or a ForceDeletes restart. */
export function holdsDeletions(job: Pick<JobFacts, "status" | "quarantineReason">): boolean {
    return job.status === "Quarantine" && job.quarantineReason === "TooManyDeletes";
}

/** An API-driven inbound provisioning job, by its template or, when that is unknown, by its id (API2AAD.…). */
export function isInboundApiJob(job: Pick<JobFacts, "id" | "templateId">): boolean {
    const template = job.templateId ?? job.id?.split(".")[0];
    return (INBOUND_TEMPLATES as readonly string[]).includes(template ?? "");
}

function isRunning(job: Pick<JobFacts, "status" | "scheduleState">): boolean {
    return job.status === "Active" && job.scheduleState === "Active";
}

/**
 * Why this start or restart of `job` (as just read) must not be sent, as the error to throw; undefined
 * when it may. `jobPath` is the Graph path with its version, for the message.
 */
export function refusal(action: "start" | "restart", job: JobFacts, consents: Consents, jobPath: string): Error | undefined {
    if (holdsDeletions(job) && consents.allowHeldDeletes !== true) {
        return new HeldDeletionsError(
            { jobPath, threshold: job.deleteThreshold, troubleshootingUrl: job.troubleshootingUrl },
            `${action} refused`,
        );
    }
    if (action === "restart" && isInboundApiJob(job) && !isRunning(job) && consents.allowInboundPurge !== true) {
        const template = job.templateId ?? job.id?.split(".")[0] ?? "API2AAD";
        return new InboundPurgeError(jobPath, template, `${job.status ?? "unknown"}/${job.scheduleState ?? "unknown"}`);
    }
    return undefined;
}

/**
 * Whether a read made while waiting shows the job entering the held-deletions quarantine: the
 * error waitFor fails with (the same message as the refusal); undefined otherwise.
 */
export function heldDeletionsSeen(job: JobFacts, jobPath: string, after: "start" | "restart" | "skip"): Error | undefined {
    if (!holdsDeletions(job)) return undefined;
    return new HeldDeletionsError(
        { jobPath, threshold: job.deleteThreshold, troubleshootingUrl: job.troubleshootingUrl },
        "wait for job failed",
        after === "skip" ? "entered quarantine" : `entered quarantine after the ${after}`,
    );
}
