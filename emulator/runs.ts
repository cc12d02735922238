/**
 * Provisioning runs (synchronization cycles), as Graph reports them in `status.lastExecution`: a
 * start or restart begins one once the job is active; it ends after `delayMs` with the planned
 * outcome. A restart's `resetScope` decides what the run starts from (Watermark: a full run over
 * every object; Escrows: retried failures dropped).
 */
export type RunOutcome = "succeeded" | "entryLevelErrors" | "failed";
export type RunState = "Succeeded" | "EntryLevelErrors" | "Failed";

export interface RunCounts {
    /** Objects in scope (a full run evaluates all of them). */
    entitled: number;
    /** Changes written to the target by a full run. */
    exported: number;
    /** Changes written by an incremental run (from the watermark). */
    deltaExported: number;
    /** Objects whose export failed and will be retried (escrows). */
    escrowed: number;
    imported: number;
}

/** What the next runs of a job do: tests and the CLI seed set it per job. */
export interface RunPlan {
    /** Time from the run's beginning to its end. @default 200 */
    delayMs?: number;
    /** An active job runs again this long after its last run ended (Graph: the schedule's interval, 40 min). @default 1000 */
    intervalMs?: number;
    /** @default "succeeded" */
    outcome?: RunOutcome;
    counts?: Partial<RunCounts>;
    /** For "failed": Graph's error code and message. */
    errorCode?: string;
    errorMessage?: string;
}

export interface RunRecord {
    activityIdentifier: string;
    timeBegan: number;
    /** Absent while the run is in progress. */
    timeEnded?: number;
    /** When it will end (in progress only). */
    endsAt: number;
    full: boolean;
    state?: RunState;
    counts: RunCounts;
    error?: { code: string; message: string };
}

const DEFAULT_COUNTS: RunCounts = { entitled: 10, exported: 10, deltaExported: 0, escrowed: 0, imported: 10 };
export const TROUBLESHOOTING_URL = "https://go.microsoft.com/fwlink/?linkid=2157929";

/** A job's run history and what its next run starts from. */
export interface RunHistory {
    plan: RunPlan;
    current?: RunRecord;
    last?: RunRecord;
    lastSuccessful?: RunRecord;
    lastSuccessfulWithExports?: RunRecord;
    /** A watermark from an earlier full run: the next run is incremental. */
    watermark: boolean;
    /** Escrows carried into the next run. */
    escrows: number;
}

export function newRunHistory(plan: RunPlan = {}): RunHistory {
    return { plan, watermark: false, escrows: 0 };
}

/** Begins a run now (a start or restart made the job active); a run in progress is superseded. */
export function beginRun(history: RunHistory, now: number, activityIdentifier: string): void {
    const plan = history.plan;
    const counts = { ...DEFAULT_COUNTS, ...plan.counts };
    const full = !history.watermark;
    history.current = {
        activityIdentifier,
        timeBegan: now,
        endsAt: now + (plan.delayMs ?? 200),
        full,
        counts: { ...counts, exported: full ? counts.exported : counts.deltaExported, escrowed: history.escrows + counts.escrowed },
    };
}

/**
 * Ends the run in progress if its time has come; an active job then runs again every intervalMs,
 * as its schedule does (caught up lazily, on the next read).
 */
export function settleRun(history: RunHistory, now: number, options: { active?: boolean } = {}): void {
    for (let runs = 0; runs < 10_000; runs++) {
        endRun(history, now);
        const last = history.last;
        if (history.current || !options.active || last?.timeEnded === undefined) return;
        const next = last.timeEnded + (history.plan.intervalMs ?? 1000);
        if (next > now) return;
        beginRun(history, next, `scheduled-${next}`);
    }
}

function endRun(history: RunHistory, now: number): void {
    const run = history.current;
    if (!run || now < run.endsAt) return;
    const outcome = history.plan.outcome ?? "succeeded";
    run.timeEnded = run.endsAt;
    run.state = outcome === "failed" ? "Failed" : outcome === "entryLevelErrors" ? "EntryLevelErrors" : "Succeeded";
    if (outcome === "failed") {
        run.error = {
            code: history.plan.errorCode ?? "SystemForCrossDomainIdentityManagementServiceIncompatible",
            message: history.plan.errorMessage ?? "The SCIM endpoint is not fully compatible with the Azure Active Directory SCIM client.",
        };
        run.counts.exported = 0;
    } else {
        history.watermark = true;
        history.lastSuccessful = run;
        if (run.counts.exported > 0) history.lastSuccessfulWithExports = run;
    }
    history.escrows = run.counts.escrowed;
    history.last = run;
    history.current = undefined;
}

export const RESET_SCOPE_NAMES = ["Watermark", "Escrows", "QuarantineState", "ForceDeletes", "Full"] as const;

/** What a restart's criteria.resetScope clears before its run (QuarantineState is lifted by the restart itself). */
export function applyResetScope(history: RunHistory, resetScope: string | undefined): void {
    const scopes = new Set((resetScope ?? "").split(",").map((scope) => scope.trim()));
    // An empty scope is what the admin center's "Restart provisioning" sends: Watermark, Escrows, QuarantineState.
    const all = scopes.has("Full") || resetScope === undefined || resetScope.trim() === "";
    if (all || scopes.has("Watermark")) history.watermark = false;
    if (all || scopes.has("Escrows")) history.escrows = 0;
}

function iso(ms: number): string {
    return new Date(ms).toISOString();
}

/** A run as Graph's synchronizationTaskExecution. */
export function runToGraph(run: RunRecord | undefined): Record<string, unknown> | null {
    if (!run) return null;
    return {
        activityIdentifier: run.activityIdentifier,
        countEntitled: run.counts.entitled,
        countEntitledForProvisioning: run.counts.entitled,
        countEscrowed: run.counts.escrowed,
        countEscrowedRaw: run.counts.escrowed,
        countExported: run.counts.exported,
        countExports: run.counts.exported,
        countImported: run.counts.imported,
        countImportedDeltas: run.full ? 0 : run.counts.imported,
        countImportedReferenceDeltas: 0,
        error: run.error ? { code: run.error.code, message: run.error.message, tenantActionable: true } : null,
        state: run.state ?? null,
        timeBegan: iso(run.timeBegan),
        timeEnded: run.timeEnded === undefined ? null : iso(run.timeEnded),
    };
}

/** Graph's view: the run in progress (no timeEnded yet), else the last one. */
export function lastExecution(history: RunHistory): RunRecord | undefined {
    return history.current ?? history.last;
}
