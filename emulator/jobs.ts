import * as crypto from "crypto";
import { applyResetScope, beginRun, lastExecution, newRunHistory, RunHistory, runToGraph, settleRun, TROUBLESHOOTING_URL } from "./runs";

/** What a job does after a start call; lets tests model slow or failing provisioning. */
export type AfterStart =
    { kind: "active" } | { kind: "delayed"; ms: number } | { kind: "requarantine"; ms: number; reason: string } | { kind: "stuck" };

export type JobState = "Active" | "Paused" | "Quarantine" | "NotConfigured" | "NotRun" | "Disabled";

export interface JobRecord {
    id: string;
    templateId: string;
    servicePrincipalId: string;
    scheduleState: "Active" | "Disabled" | "Paused";
    statusCode: "NotConfigured" | "NotRun" | "Active" | "Paused" | "Quarantine";
    quarantine?: { reason: string; currentBegan: string; seriesBegan: string; seriesCount: number };
    afterStart: AfterStart;
    startedAt?: number;
    starts: number;
    pauses: number;
    restarts: number;
    lastResetScope?: string;
    /** Provisioning runs: the plan for the next ones and what Graph reports of the last. */
    runs: RunHistory;
}

export interface ServicePrincipalRecord {
    id: string;
    appId: string;
    displayName: string;
    jobs: Map<string, JobRecord>;
}

export const QUARANTINE_REASONS = [
    "EncounteredBaseEscrowThreshold",
    "EncounteredTotalEscrowThreshold",
    "EncounteredEscrowProportionThreshold",
    "EncounteredQuarantineException",
    "Unknown",
    "QuarantinedOnDemand",
    "TooManyDeletes",
    "IngestionInterrupted",
];

/** Deterministic ids from a seed (so the demo's ids are stable), random ones without. */
export class IdSource {
    private counter = 0;
    constructor(private readonly seed?: string) {}
    private bytes(label: string, n: number): Buffer {
        if (this.seed === undefined) return crypto.randomBytes(n);
        return crypto.createHash("sha256").update(`${this.seed}/${label}/${this.counter++}`).digest().subarray(0, n);
    }
    guid(label: string): string {
        const h = this.bytes(label, 16).toString("hex");
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
    }
    hex(label: string, n: number): string {
        return this.bytes(label, Math.ceil(n / 2))
            .toString("hex")
            .slice(0, n);
    }
    secret(label: string): string {
        return this.bytes(label, 24).toString("base64url");
    }
}

export function newJob(spId: string, templateId: string, ids: IdSource, state: JobState, reason?: string): JobRecord {
    const job: JobRecord = {
        id: `${templateId}.${ids.hex("job", 32)}.${ids.guid("job-tenant")}`,
        templateId,
        servicePrincipalId: spId,
        scheduleState: "Disabled",
        statusCode: "NotConfigured",
        afterStart: { kind: "active" },
        starts: 0,
        pauses: 0,
        restarts: 0,
        runs: newRunHistory(),
    };
    setState(job, state, reason);
    return job;
}

/** Moves a job to a state as Graph would report it. */
export function setState(job: JobRecord, state: JobState, reason = "EncounteredQuarantineException"): void {
    job.quarantine = undefined;
    switch (state) {
        case "Active":
            job.scheduleState = "Active";
            job.statusCode = "Active";
            break;
        case "Paused":
            job.scheduleState = "Paused";
            job.statusCode = "Paused";
            break;
        case "NotRun":
            job.scheduleState = "Active";
            job.statusCode = "NotRun";
            break;
        case "NotConfigured":
            job.scheduleState = "Disabled";
            job.statusCode = "NotConfigured";
            break;
        case "Disabled":
            job.scheduleState = "Disabled";
            job.statusCode = "Paused";
            break;
        case "Quarantine": {
            const now = new Date().toISOString();
            job.scheduleState = "Active";
            job.statusCode = "Quarantine";
            job.quarantine = { reason, currentBegan: now, seriesBegan: now, seriesCount: 1 };
            break;
        }
    }
}

/**
 * start (and restart, which counts separately) resumes the job and clears quarantine; once the job
 * is active a provisioning run begins. A restart first clears what its resetScope names.
 */
export function start(job: JobRecord, options: { via?: "start" | "restart"; resetScope?: string; now?: number } = {}): void {
    const now = options.now ?? Date.now();
    if (options.via === "restart") {
        job.restarts++;
        applyResetScope(job.runs, options.resetScope);
    } else job.starts++;
    job.startedAt = now;
    job.quarantine = undefined;
    job.scheduleState = "Active";
    job.statusCode = job.afterStart.kind === "active" ? "Active" : "NotRun";
    if (job.statusCode === "Active") beginRun(job.runs, now, crypto.randomUUID());
}

export function pause(job: JobRecord): void {
    job.pauses++;
    setState(job, "Paused");
}

/** Applies time-driven transitions after a start (lazily, on every read). */
export function settle(job: JobRecord, now = Date.now()): void {
    settleRun(job.runs, now, { active: job.statusCode === "Active" });
    if (job.startedAt === undefined || job.statusCode !== "NotRun") return;
    const elapsed = now - job.startedAt;
    const a = job.afterStart;
    if (a.kind === "delayed" && elapsed >= a.ms) {
        setState(job, "Active");
        beginRun(job.runs, job.startedAt + a.ms, crypto.randomUUID());
    }
    if (a.kind === "requarantine" && elapsed >= a.ms) setState(job, "Quarantine", a.reason);
}

/** The job as Graph's synchronizationJob resource. */
export function toGraph(job: JobRecord): Record<string, unknown> {
    const q = job.quarantine;
    return {
        id: job.id,
        templateId: job.templateId,
        schedule: {
            expiration: null,
            interval: job.scheduleState === "Disabled" ? "P10675199DT2H48M5.4775807S" : "PT40M",
            state: job.scheduleState,
        },
        status: {
            code: job.statusCode,
            countSuccessiveCompleteFailures: 0,
            escrowsPruned: false,
            lastExecution: runToGraph(lastExecution(job.runs)),
            lastSuccessfulExecution: runToGraph(job.runs.lastSuccessful),
            lastSuccessfulExecutionWithExports: runToGraph(job.runs.lastSuccessfulWithExports),
            progress: [],
            quarantine: q
                ? {
                      currentBegan: q.currentBegan,
                      nextAttempt: "0001-01-01T00:00:00Z",
                      reason: q.reason,
                      seriesBegan: q.seriesBegan,
                      seriesCount: q.seriesCount,
                      error: { code: "SyncQuarantined", message: `Job quarantined: ${q.reason}`, tenantActionable: true },
                  }
                : null,
            steadyStateFirstAchievedTime: "0001-01-01T00:00:00Z",
            steadyStateLastAchievedTime: "0001-01-01T00:00:00Z",
            synchronizedEntryCountByType: [],
            // Graph links its troubleshooting guide when the job needs attention.
            troubleshootingUrl: q || job.runs.last?.state === "Failed" ? TROUBLESHOOTING_URL : "",
        },
        synchronizationJobSettings: [{ name: "QuarantineTooManyDeletesThreshold", value: "500" }],
    };
}
