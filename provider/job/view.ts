/**
 * The synchronization job as the resource reports it, read from Graph's JSON, and what the provider
 * concludes from one reading (running? a newer run?). Pure: no Graph calls, no clock.
 */
import type { LastRun } from "../inputs";

/** The synchronization job as read from Graph (what the resource reports). */
export interface JobView {
    id: string;
    status?: string;
    scheduleState?: string;
    quarantineReason?: string;
    /** status.lastExecution: the run in progress (no timeEnded) or the last one. */
    lastRun?: LastRun;
    troubleshootingUrl?: string;
}

export function toJobView(body: any): JobView {
    return {
        id: String(body?.id ?? ""),
        status: body?.status?.code ?? undefined,
        scheduleState: body?.schedule?.state ?? undefined,
        quarantineReason: body?.status?.quarantine?.reason ?? undefined,
        lastRun: toLastRun(body?.status?.lastExecution),
        troubleshootingUrl:
            typeof body?.status?.troubleshootingUrl === "string" && body.status.troubleshootingUrl
                ? body.status.troubleshootingUrl
                : undefined,
    };
}

/** Graph's synchronizationTaskExecution as the lastRun output; undefined when the job reports none. */
export function toLastRun(execution: any): LastRun | undefined {
    if (!execution || typeof execution !== "object" || typeof execution.timeBegan !== "string") return undefined;
    const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
    const count = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : undefined);
    const run: LastRun = {
        state: text(execution.state),
        timeBegan: text(execution.timeBegan),
        timeEnded: text(execution.timeEnded),
        countExported: count(execution.countExported),
        countEscrowed: count(execution.countEscrowed),
        errorCode: text(execution.error?.code),
        errorMessage: text(execution.error?.message),
    };
    return Object.fromEntries(Object.entries(run).filter(([, value]) => value !== undefined)) as LastRun;
}

/** Why a 2xx body is not a synchronization job (a proxy's JSON, an error page), or undefined. */
export function jobShapeProblem(body: unknown): string | undefined {
    const job = body as { id?: unknown; status?: { code?: unknown } } | null;
    if (!job || typeof job !== "object" || typeof job.id !== "string" || typeof job.status?.code !== "string") {
        return "JSON without a synchronization job's id and status.code";
    }
    return undefined;
}

/** A job Graph says is running: both status and schedule Active. */
export function isRunning(job: { status?: string; scheduleState?: string }): boolean {
    return job.status === "Active" && job.scheduleState === "Active";
}

/** Whether `run` began after `baseline` (the run read before the action); any run counts when there was none. */
export function isLaterRun(run: LastRun | undefined, baseline: LastRun | undefined): boolean {
    if (!run?.timeBegan) return false;
    if (!baseline?.timeBegan) return true;
    return Date.parse(run.timeBegan) > Date.parse(baseline.timeBegan);
}

/**
 * Allowance for Graph's front end (which sends `Date`) and the provisioning service (which stamps
 * runs) not keeping exactly the same time.
 */
export const RUN_STAMP_SLACK_MS = 1000;

/**
 * Whether the job shows a provisioning run that began after `sentAt` (local clock), on Graph's clock:
 * the offset between the clocks is Graph's `Date` header minus the local time the read arrived. The
 * offset can only be underestimated (`Date` has whole seconds and is stamped before the read
 * arrives), which moves the bar earlier: with the slack, a run that began up to ~2 s plus the read's
 * latency before the POST could be taken for its effect (Graph's schedule runs every 40 min), and a
 * run begun after it is never missed. Without a Date header there is no proof.
 */
export function runBeganAfter(job: JobView, sentAt: number, date: string | null | undefined, receivedAt: number): boolean {
    const began = Date.parse(job.lastRun?.timeBegan ?? "");
    const serverNow = Date.parse(date ?? "");
    if (Number.isNaN(began) || Number.isNaN(serverNow)) return false;
    return began >= sentAt + (serverNow - receivedAt) - RUN_STAMP_SLACK_MS;
}
