/**
 * Beyond resume: restarting a job (POST restart with criteria.resetScope) and waiting for the
 * provisioning run that follows (waitFor "cycle"). jobs.ts holds the start; both share its reads.
 */
import { setTimeout as sleep } from "timers/promises";
import { JobQuarantinedError, RunFailedError, WaitTimeoutError } from "./errors";
import type { GraphSession } from "./graph";
import type { LastRun } from "./inputs";
import { FailedAfterStart, getJob, JobTarget, jobPath, JobView, postAtMostOnce, StartOptions, StartResult, waitUntilActive } from "./jobs";

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
                options.waitBoundBy,
            );
        }
        await sleep(options.pollIntervalMs);
        job = await getJob(session, target, options.waitDeadline, "wait for provisioning cycle");
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
    const confirmed = await postAtMostOnce(session, target, options.deadline, "restart", {
        criteria: { resetScope: options.restartScope },
    });
    const startedAt = new Date().toISOString();
    let job: JobView | undefined;
    try {
        job = confirmed ?? (await getJob(session, target, options.deadline, "read job after restart"));
        if (options.waitFor === "active") job = await waitUntilActive(session, target, job, options);
        if (options.waitFor === "cycle") job = await waitForCycle(session, target, before?.lastRun, options, job);
    } catch (e) {
        throw new FailedAfterStart(e as Error, startedAt, jobSeenBy(e) ?? job, "restarted");
    }
    return { action: "restarted", job, startedAt };
}
