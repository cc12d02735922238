/**
 * The synchronization job as the resource reports it, read from Graph's JSON, and what the provider
 * concludes from one reading (running? a newer run? did the action show?). Pure but for the one
 * stderr note of fields left out: no Graph calls, no clock.
 */
import { JobFields, readJobFields, reportRefused } from "../fields";
import type { LastRun } from "../inputs";

/** The synchronization job as read from Graph (what the resource reports, and what safety decides on): its validated fields. */
export interface JobView extends JobFields {
    id: string;
}

/**
 * A job answer as the resource may use it: fields validated, sentinels absent (../fields.ts); what
 * was left out is named once on stderr.
 */
export function toJobView(body: any): JobView {
    const { fields, refused } = readJobFields(body);
    reportRefused(refused);
    return { id: typeof body?.id === "string" ? body.id : "", ...fields };
}

/** Why a 2xx body is not a synchronization job (a proxy's JSON, an error page), or undefined. */
export function jobShapeProblem(body: unknown): string | undefined {
    const job = body as { id?: unknown; status?: { code?: unknown } } | null;
    if (!job || typeof job !== "object" || typeof job.id !== "string" || typeof job.status?.code !== "string") {
        return "JSON without a synchronization job's id and status.code";
    }
    return undefined;
}

/**
 * Why a 2xx body is not the job asked for: not a job at all, or another job (its id is not the
 * jobId asked for: a misrouted or cached answer). Either way it is not state.
 */
export function notTheJob(jobId: string): (body: unknown) => string | undefined {
    return (body) => {
        const problem = jobShapeProblem(body);
        if (problem) return problem;
        const id = (body as { id: string }).id;
        // Graph matches ids without regard to case, so an answer in another case is the same job.
        if (id.toLowerCase() !== jobId.toLowerCase())
            return `the JSON of another job (id ${JSON.stringify(id.slice(0, 120))}, not ${jobId})`;
        return undefined;
    };
}

/** Whether a read after a start shows it: the job runs, or its state is not the one read before it. */
export function startShows(before: JobView | undefined, job: JobView): boolean {
    if (!before || isRunning(job)) return true;
    return job.status !== before.status || job.scheduleState !== before.scheduleState || job.quarantineReason !== before.quarantineReason;
}

/** Whether a read after a restart shows it: a run other than the one read before it, or another state. */
export function restartShows(before: JobView | undefined, job: JobView): boolean {
    if (!before) return true;
    return (
        job.lastRun?.timeBegan !== before.lastRun?.timeBegan ||
        job.status !== before.status ||
        job.scheduleState !== before.scheduleState ||
        job.quarantineReason !== before.quarantineReason
    );
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
