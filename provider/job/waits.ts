/**
 * waitFor: polling a job after a start or restart until it is Active ("active"), or until the
 * provisioning run that follows has ended ("cycle").
 */
import { setTimeout as sleep } from "timers/promises";
import { JobQuarantinedError, RunFailedError, WaitTimeoutError } from "../errors";
import type { Deadline } from "../graph";
import type { LastRun } from "../inputs";
import type { JobClient } from "./client";
import { isLaterRun, isRunning, JobView } from "./view";

const MS_PER_SECOND = 1000;

export interface WaitOptions {
    waitTimeoutSeconds: number;
    pollIntervalMs: number;
    /** timeoutSeconds plus waitTimeoutSeconds: bounds waitFor's polling. */
    waitDeadline: Deadline;
}

/** The job as a failed cycle wait last read it (a Failed run is state worth keeping). */
export function jobSeenBy(error: unknown): JobView | undefined {
    return (error as { job?: JobView })?.job;
}

/** Polls until the job is Active; a quarantine or the wait timeout throws. */
export async function waitUntilActive(client: JobClient, first: JobView, options: WaitOptions): Promise<JobView> {
    const deadline = Date.now() + options.waitTimeoutSeconds * MS_PER_SECOND;
    let job = first;
    for (;;) {
        if (job.status === "Quarantine") throw new JobQuarantinedError(client.versionedPath, job.quarantineReason ?? "Unknown");
        if (isRunning(job)) return job;
        if (Date.now() + options.pollIntervalMs > deadline) {
            throw new WaitTimeoutError(
                client.versionedPath,
                options.waitTimeoutSeconds,
                `${job.status ?? "unknown"}/${job.scheduleState ?? "unknown"}`,
            );
        }
        await sleep(options.pollIntervalMs);
        job = await client.read(options.waitDeadline, "wait for job");
    }
}

/**
 * waitFor "cycle": polls until status.lastExecution is a run that began after `baseline` and has
 * ended. Succeeded and EntryLevelErrors return the job; Failed, a quarantine and the wait timeout throw.
 */
export async function waitForCycle(
    client: JobClient,
    baseline: LastRun | undefined,
    options: WaitOptions,
    first?: JobView,
): Promise<JobView> {
    const path = client.versionedPath;
    const ends = Date.now() + options.waitTimeoutSeconds * MS_PER_SECOND;
    let job = first ?? (await client.read(options.waitDeadline, "wait for provisioning cycle"));
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
        job = await client.read(options.waitDeadline, "wait for provisioning cycle");
    }
}
