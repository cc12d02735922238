// One SyncJobStart that keeps a provisioning job running. Works against a real tenant (set the
// config below and azuread:* credentials) or the emulator (`entra-sync-emulator` prints the
// ENTRA_SYNC_* variables this program falls back to).
import * as pulumi from "@pulumi/pulumi";
import { SyncJobStart } from "pulumi-entra-sync";

const config = new pulumi.Config();
const servicePrincipalId = config.get("servicePrincipalId") ?? process.env.ENTRA_SYNC_SERVICE_PRINCIPAL_ID;
const jobId = config.get("jobId") ?? process.env.ENTRA_SYNC_PAUSED_JOB_ID;
if (!servicePrincipalId || !jobId) {
    throw new Error("set config servicePrincipalId and jobId (or run entra-sync-emulator and export what it prints)");
}

// Bump these when the job's credentials or schema change: the job is started again.
const secretVersion = config.get("secretVersion") ?? "1";
const schemaRevision = config.get("schemaRevision") ?? "2026-11-01";

// Bump this when attribute mappings or scoping change: the job is restarted, so existing users are evaluated again.
const mappingsRevision = config.get("mappingsRevision") ?? "1";

const resume = new SyncJobStart("resume-scim", {
    servicePrincipalId,
    jobId,
    triggers: { secretVersion, schemaRevision },
    restartTriggers: { mappingsRevision },
    waitFor: (config.get("waitFor") as "none" | "active" | "cycle" | undefined) ?? "none",
    ensureActive: config.getBoolean("ensureActive") ?? true,
});

// A second job, if configured (the emulator seeds a quarantined one).
const quarantinedJobId = config.get("quarantinedJobId") ?? process.env.ENTRA_SYNC_QUARANTINED_JOB_ID;
const resumeQuarantined = quarantinedJobId
    ? new SyncJobStart("resume-quarantined", { servicePrincipalId, jobId: quarantinedJobId, triggers: { secretVersion } })
    : undefined;

export const jobStatus = resume.status;
export const scheduleState = resume.scheduleState;
export const lastAction = resume.lastAction;
export const startCount = resume.startCount;
export const lastRun = resume.lastRun;
export const quarantinedJobStatus = resumeQuarantined?.status;
