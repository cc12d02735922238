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
    /**
     * Accidental-deletion prevention: `threshold` is the job's QuarantineTooManyDeletesThreshold
     * setting (absent: the job's settings do not carry it); `held` deletions wait in quarantine
     * (StagedDelete in the provisioning logs); `released` counts the deletions a start or a
     * ForceDeletes restart performed.
     */
    deletions: { threshold?: number; held: number; released: number };
    /**
     * API-driven inbound jobs (templates API2AAD, API2AD): uploads (`bulkUpload`) staged for the next
     * cycle; a run processes them, a restart of the job while it is not running purges them.
     */
    uploads: { staged: number; processed: number; purged: number };
    /**
     * Eventual consistency: after a start or restart, reads show the job as it was before, for the
     * next `reads` reads and/or for `ms` milliseconds (whichever lasts longer).
     */
    readLag?: { reads?: number; ms?: number };
    /** The view reads show while the lag lasts (set by a start or restart when readLag is set). */
    lagged?: { view: Record<string, unknown>; reads: number; until: number };
    /** Shows the sentinels of a new job: "0001-01-01T00:00:00Z" times, a quarantine with empty-string members. */
    sentinels: boolean;
    /** What status.troubleshootingUrl says whatever the state (a test's stand-in for a tampered answer). */
    troubleshootingUrl?: string;
}

export interface ServicePrincipalRecord {
    id: string;
    appId: string;
    displayName: string;
    jobs: Map<string, JobRecord>;
    /** Client ids that own this service principal (what Application.ReadWrite.OwnedBy needs). */
    owners: Set<string>;
}

/** Templates of API-driven inbound provisioning (to Entra ID, to on-premises AD). */
export const INBOUND_TEMPLATES = ["API2AAD", "API2AD"];

/** Graph's "no date" and "never" values, as new jobs carry them. */
export const SENTINEL_TIME = "0001-01-01T00:00:00Z";
export const NEVER_INTERVAL = "P10675199DT2H48M5.4775807S";

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
        deletions: { threshold: 500, held: 0, released: 0 },
        uploads: { staged: 0, processed: 0, purged: 0 },
        sentinels: false,
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

/** Whether Graph would call the job running (status and schedule both Active). */
export function isRunning(job: JobRecord): boolean {
    return job.statusCode === "Active" && job.scheduleState === "Active";
}

/**
 * start (and restart, which counts separately) resumes the job and clears quarantine; once the job
 * is active a provisioning run begins. A restart first clears what its resetScope names.
 *
 * What a start can do to a tenant (notes: "Safety facts"): a start clears any quarantine, so a job
 * quarantined with TooManyDeletes performs its held deletions; a restart performs them only with
 * ForceDeletes (without it the cycle finds the same deletions and quarantines the job again, unless
 * the cause was fixed: heldDeletions 0). A restart of an inbound job that is not running purges the
 * uploads staged before it.
 */
export function start(job: JobRecord, options: { via?: "start" | "restart"; resetScope?: string; now?: number } = {}): void {
    const now = options.now ?? Date.now();
    if (job.readLag) {
        const { reads = 0, ms = 0 } = job.readLag;
        // The first action's view stays: a second action within the lag still shows the state before both.
        if (!job.lagged) job.lagged = { view: toGraph(job), reads, until: now + ms };
    }
    const scopes = new Set((options.resetScope ?? "").split(",").map((scope) => scope.trim()));
    if (options.via === "restart") {
        job.restarts++;
        if (INBOUND_TEMPLATES.includes(job.templateId) && !isRunning(job)) {
            job.uploads.purged += job.uploads.staged;
            job.uploads.staged = 0;
        }
        applyResetScope(job.runs, options.resetScope);
    } else job.starts++;
    job.startedAt = now;
    if (job.deletions.held > 0 && (options.via !== "restart" || scopes.has("ForceDeletes"))) {
        job.deletions.released += job.deletions.held;
        job.deletions.held = 0;
    }
    if (job.deletions.held > 0) {
        // The restart's cycle finds the same deletions over the threshold: back to quarantine at once.
        setState(job, "Quarantine", "TooManyDeletes");
        return;
    }
    job.quarantine = undefined;
    job.scheduleState = "Active";
    job.statusCode = job.afterStart.kind === "active" ? "Active" : "NotRun";
    if (job.statusCode === "Active") beginJobRun(job, now, crypto.randomUUID());
}

/** A run begins: it takes the uploads staged for it. */
function beginJobRun(job: JobRecord, at: number, activityIdentifier: string): void {
    beginRun(job.runs, at, activityIdentifier);
    job.uploads.processed += job.uploads.staged;
    job.uploads.staged = 0;
}

/** Puts a job in quarantine with TooManyDeletes, `count` deletions held (as a cycle over the threshold does). */
export function holdDeletions(job: JobRecord, count: number): void {
    job.deletions.held = count;
    setState(job, "Quarantine", "TooManyDeletes");
}

export function pause(job: JobRecord): void {
    job.pauses++;
    setState(job, "Paused");
}

/** Applies time-driven transitions after a start (lazily, on every read). */
export function settle(job: JobRecord, now = Date.now()): void {
    settleRun(job.runs, now, { active: job.statusCode === "Active" });
    // A scheduled run of a running job takes the uploads staged meanwhile.
    if (isRunning(job) && job.runs.current && job.uploads.staged > 0) {
        job.uploads.processed += job.uploads.staged;
        job.uploads.staged = 0;
    }
    if (job.startedAt === undefined || job.statusCode !== "NotRun") return;
    const elapsed = now - job.startedAt;
    const a = job.afterStart;
    if (a.kind === "delayed" && elapsed >= a.ms) {
        setState(job, "Active");
        beginJobRun(job, job.startedAt + a.ms, crypto.randomUUID());
    }
    if (a.kind === "requarantine" && elapsed >= a.ms) setState(job, "Quarantine", a.reason);
}

/**
 * The job as a read answers it: while a read lag lasts (after a start or restart), the job as it
 * was before; otherwise as it is.
 */
export function readView(job: JobRecord, now = Date.now()): Record<string, unknown> {
    const lagged = job.lagged;
    if (lagged && (lagged.reads > 0 || now < lagged.until)) {
        lagged.reads--;
        return lagged.view;
    }
    job.lagged = undefined;
    return toGraph(job);
}

/** A quarantine as a new job shows it: every member empty or "no date". */
const SENTINEL_QUARANTINE = {
    currentBegan: SENTINEL_TIME,
    nextAttempt: SENTINEL_TIME,
    reason: "",
    seriesBegan: SENTINEL_TIME,
    seriesCount: 0,
    error: { code: "", message: "", tenantActionable: false },
};

/** A last execution as a job that never ran shows it. */
const SENTINEL_EXECUTION = {
    activityIdentifier: "",
    countEntitled: 0,
    countEscrowed: 0,
    countExported: 0,
    countImported: 0,
    error: null,
    state: "",
    timeBegan: SENTINEL_TIME,
    timeEnded: SENTINEL_TIME,
};

/** The job as Graph's synchronizationJob resource. */
export function toGraph(job: JobRecord): Record<string, unknown> {
    const q = job.quarantine;
    const settings =
        job.deletions.threshold === undefined
            ? []
            : [{ name: "QuarantineTooManyDeletesThreshold", value: String(job.deletions.threshold) }];
    return {
        id: job.id,
        templateId: job.templateId,
        schedule: {
            expiration: null,
            interval: job.scheduleState === "Disabled" ? NEVER_INTERVAL : "PT40M",
            state: job.scheduleState,
        },
        status: {
            code: job.statusCode,
            countSuccessiveCompleteFailures: 0,
            escrowsPruned: false,
            lastExecution: runToGraph(lastExecution(job.runs)) ?? (job.sentinels ? SENTINEL_EXECUTION : null),
            lastSuccessfulExecution: runToGraph(job.runs.lastSuccessful),
            lastSuccessfulExecutionWithExports: runToGraph(job.runs.lastSuccessfulWithExports),
            progress: [],
            quarantine: q
                ? {
                      currentBegan: q.currentBegan,
                      nextAttempt: SENTINEL_TIME,
                      reason: q.reason,
                      seriesBegan: q.seriesBegan,
                      seriesCount: q.seriesCount,
                      error: { code: "SyncQuarantined", message: `Job quarantined: ${q.reason}`, tenantActionable: true },
                  }
                : job.sentinels
                  ? SENTINEL_QUARANTINE
                  : null,
            steadyStateFirstAchievedTime: SENTINEL_TIME,
            steadyStateLastAchievedTime: SENTINEL_TIME,
            synchronizedEntryCountByType: [],
            // Graph links its troubleshooting guide when the job needs attention.
            troubleshootingUrl: job.troubleshootingUrl ?? (q || job.runs.last?.state === "Failed" ? TROUBLESHOOTING_URL : ""),
        },
        synchronizationJobSettings: settings,
    };
}
