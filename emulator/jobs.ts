import * as crypto from "crypto";

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

/** start (and restart, which counts separately) resumes the job and clears quarantine. */
export function start(job: JobRecord, via: "start" | "restart" = "start", now = Date.now()): void {
    if (via === "start") job.starts++;
    else job.restarts++;
    job.startedAt = now;
    job.quarantine = undefined;
    job.scheduleState = "Active";
    job.statusCode = job.afterStart.kind === "active" ? "Active" : "NotRun";
}

export function pause(job: JobRecord): void {
    job.pauses++;
    setState(job, "Paused");
}

/** Applies time-driven transitions after a start (lazily, on every read). */
export function settle(job: JobRecord, now = Date.now()): void {
    if (job.startedAt === undefined || job.statusCode !== "NotRun") return;
    const elapsed = now - job.startedAt;
    const a = job.afterStart;
    if (a.kind === "delayed" && elapsed >= a.ms) setState(job, "Active");
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
            lastExecution: null,
            lastSuccessfulExecution: null,
            lastSuccessfulExecutionWithExports: null,
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
            troubleshootingUrl: "",
        },
        synchronizationJobSettings: [{ name: "QuarantineTooManyDeletesThreshold", value: "500" }],
    };
}
