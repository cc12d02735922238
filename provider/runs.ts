/**
 * Beyond resume: restarting a job (POST restart with criteria.resetScope) and waiting for the
 * provisioning run that follows (waitFor "cycle"). jobs.ts holds the start; both share its reads.
 */
import { setTimeout as sleep } from "timers/promises";
import { RunFailedError, WaitTimeoutError } from "./errors";
import type { GraphSession } from "./graph";
import type { LastRun } from "./inputs";
import {
    FailedAfterStart,
    getJob,
    JobTarget,
    jobPath,
    JobView,
    postAtMostOnce,
    quarantineSeen,
    restartShows,
    settleRead,
    StartOptions,
    StartResult,
    versionedPath,
    waitUntilActive,
} from "./jobs";
import { isInboundApiJob, refusal } from "./safety";

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
    after: "start" | "restart" | "skip" = "start",
): Promise<JobView> {
    const path = `/${target.apiVersion}${jobPath(target)}`;
    const ends = Date.now() + options.waitTimeoutSeconds * 1000;
    let job = first ?? (await getJob(session, target, options.waitDeadline, "wait for provisioning cycle"));
    for (;;) {
        if (job.status === "Quarantine") throw quarantineSeen(target, job, after);
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
 * GET, POST restart, GET (3 calls), then waitFor's polls. A restart resumes a paused or quarantined
 * job as a start does. The first GET tells whether the restart is safe (safety.ts): not for a job
 * holding deletions without allowHeldDeletes, nor for an API-driven inbound job that is not running
 * without allowInboundPurge; with those consents there is nothing to ask, and no first GET (2 calls,
 * 3 under waitFor "cycle", which reads the run not to wait for).
 */
export async function ensureRestarted(
    session: GraphSession,
    target: JobTarget,
    options: StartOptions & { restartScope: string },
): Promise<StartResult> {
    const readFirst =
        options.waitFor === "cycle" ||
        options.allowHeldDeletes !== true ||
        (isInboundApiJob({ id: target.jobId }) && options.allowInboundPurge !== true);
    const before = readFirst ? await getJob(session, target, options.deadline) : undefined;
    const refused = before && refusal("restart", before, options, versionedPath(target));
    if (refused) throw refused;
    const confirmed = await postAtMostOnce(session, target, options.deadline, "restart", {
        criteria: { resetScope: options.restartScope },
    });
    const startedAt = new Date().toISOString();
    let job: JobView | undefined;
    try {
        job =
            confirmed ??
            (await settleRead(
                () => getJob(session, target, options.deadline, "read job after restart"),
                (read) => restartShows(before, read),
                options.deadline,
            ));
        if (options.waitFor === "active") job = await waitUntilActive(session, target, job, options, "restart");
        if (options.waitFor === "cycle") job = await waitForCycle(session, target, before?.lastRun, options, job, "restart");
    } catch (e) {
        throw new FailedAfterStart(e as Error, startedAt, jobSeenBy(e) ?? job, "restarted");
    }
    return { action: "restarted", job, startedAt };
}
