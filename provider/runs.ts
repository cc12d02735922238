/**
 * Beyond resume: restarting a job (POST restart with criteria.resetScope) and waiting for the
 * provisioning run that follows (waitFor "cycle"). jobs.ts holds the start; both share its reads.
 */
import { setTimeout as sleep } from "timers/promises";
import { isRunning } from "./diff";
import { JobQuarantinedError, RunFailedError, WaitTimeoutError } from "./errors";
import type { GraphSession } from "./graph";
import { sleepWithin } from "./graph/deadline";
import { OutcomeUnknown } from "./graph/session";
import { backoffMs } from "./graph/transport";
import type { LastRun } from "./inputs";
import { FailedAfterStart, getJob, JobTarget, jobPath, JobView, StartOptions, StartResult, waitUntilActive } from "./jobs";

/** The job as a failed cycle wait last read it (a Failed run is state worth keeping). */
export function jobSeenBy(error: unknown): JobView | undefined {
    return (error as { job?: JobView })?.job;
}

/** Whether `run` began after `baseline` (the run read before the action); any run counts when there was none. */
export function isLaterRun(run: LastRun | undefined, baseline: LastRun | undefined): boolean {
    if (!run?.timeBegan) return false;
    if (!baseline?.timeBegan) return true;
    return Date.parse(run.timeBegan) > Date.parse(baseline.timeBegan);
}

/**
 * waitFor "cycle": polls until status.lastExecution is a run that began after `baseline` and has
 * ended. Succeeded and EntryLevelErrors return the job; Failed, a quarantine and the wait timeout throw.
 */
export async function waitForCycle(
    session: GraphSession,
    target: JobTarget,
    baseline: LastRun | undefined,
    options: StartOptions,
    first?: JobView,
): Promise<JobView> {
    const path = `/${target.apiVersion}${jobPath(target)}`;
    const ends = Date.now() + options.waitTimeoutSeconds * 1000;
    let job = first ?? (await getJob(session, target, options.waitDeadline, "wait for provisioning cycle"));
    for (;;) {
        if (job.status === "Quarantine") throw new JobQuarantinedError(path, job.quarantineReason ?? "Unknown");
        const run = job.lastRun;
        if (run?.timeEnded && isLaterRun(run, baseline)) {
            if (run.state === "Failed")
                throw Object.assign(new RunFailedError(path, run.errorCode, run.errorMessage, job.troubleshootingUrl), { job });
            return job;
        }
        if (Date.now() + options.pollIntervalMs > ends) {
            const seen = run && isLaterRun(run, baseline) ? `a run began at ${run.timeBegan} and has not ended` : "no new run began";
            throw new WaitTimeoutError(
                path,
                options.waitTimeoutSeconds,
                `${job.status ?? "unknown"}/${job.scheduleState ?? "unknown"}; ${seen}`,
                "cycle",
            );
        }
        await sleep(options.pollIntervalMs);
        job = await getJob(session, target, options.waitDeadline, "wait for provisioning cycle");
    }
}

/**
 * POST restart with `{ criteria: { resetScope } }`, never twice for one change: when its outcome is
 * unknown the job is read, and it is sent again only if the job is still not running (a restart
 * leaves the job running; a job that is running may have been restarted, so it is not sent again).
 */
export async function restartJob(
    session: GraphSession,
    target: JobTarget,
    resetScope: string,
    deadline: StartOptions["deadline"],
): Promise<void> {
    const call = {
        operation: "restart job",
        method: "POST" as const,
        path: `${jobPath(target)}/restart`,
        apiVersion: target.apiVersion,
        body: { criteria: { resetScope } },
    };
    for (let attempt = 1; ; attempt++) {
        try {
            await session.call<unknown>(call, deadline);
            return;
        } catch (e) {
            if (!(e instanceof OutcomeUnknown)) throw e;
            let job: JobView;
            try {
                job = await getJob(session, target, deadline, "read job after an unanswered restart");
            } catch {
                throw e.error;
            }
            if (isRunning(job)) return;
            try {
                await sleepWithin(backoffMs(attempt), deadline.signal);
            } catch {
                throw e.error;
            }
        }
    }
}

/**
 * POST restart, GET (2 calls; 3 under waitFor "cycle", which first reads the run not to wait for),
 * then waitFor's polls. A restart resumes a paused or quarantined job as a start does.
 */
export async function ensureRestarted(
    session: GraphSession,
    target: JobTarget,
    options: StartOptions & { restartScope: string },
): Promise<StartResult> {
    const before = options.waitFor === "cycle" ? await getJob(session, target, options.deadline) : undefined;
    await restartJob(session, target, options.restartScope, options.deadline);
    const startedAt = new Date().toISOString();
    let job: JobView | undefined;
    try {
        job = await getJob(session, target, options.deadline, "read job after restart");
        if (options.waitFor === "active") job = await waitUntilActive(session, target, job, options);
        if (options.waitFor === "cycle") job = await waitForCycle(session, target, before?.lastRun, options, job);
    } catch (e) {
        throw new FailedAfterStart(e as Error, startedAt, jobSeenBy(e) ?? job, "restarted");
    }
    return { action: "restarted", job, startedAt };
}
