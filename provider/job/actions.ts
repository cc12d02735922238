/**
 * What create and update do to a job: start it unless it runs (startPolicy), or restart it
 * (restartTriggers), never sending the POST twice for one change, then waitFor.
 */
import { RestartUnconfirmedError, SyncJobStartError } from "../errors";
import { backoffMs, OutcomeUnknown, sleepWithin } from "../graph";
import type { Deadline } from "../graph";
import type { StartPolicy, WaitFor } from "../inputs";
import type { ClockedRead, JobClient } from "./client";
import { isRunning, JobView, runBeganAfter } from "./view";
import { jobSeenBy, waitForCycle, WaitOptions, waitUntilActive } from "./waits";

export interface StartOptions extends WaitOptions {
    startPolicy: StartPolicy;
    waitFor: WaitFor;
    /** timeoutSeconds: bounds the reads and the start. */
    deadline: Deadline;
}

export interface StartResult {
    action: "started" | "restarted" | "skipped";
    job: JobView;
    startedAt?: string;
}

/**
 * Thrown when a step after a successful start POST failed (that error is `cause`): the caller
 * records the start anyway, as a PartialStartError. Never leaves the package.
 */
export class FailedAfterStart extends SyncJobStartError {
    override name = "FailedAfterStart";
    constructor(
        readonly failure: Error,
        /** When the start or restart was sent (undefined when it was skipped). */
        readonly startedAt: string | undefined,
        readonly job?: JobView,
        readonly action: "started" | "restarted" | "skipped" = "started",
    ) {
        super(failure.message, { cause: failure });
    }
}

/**
 * POST start or restart, never twice for one change: when its outcome is unknown (reset, no answer,
 * a gateway's 504 or a proxy's page after it was sent), the job is read, and the POST is sent again
 * only if the job is still not running (the v1.0 page asks not to start a running job).
 *
 * A running job proves a start, not a restart: a restart is mostly sent to a running job and leaves
 * it running. Its proof is a provisioning run that began after the POST was sent (a restart begins
 * one). A running job without that proof is neither restarted again blindly nor recorded as
 * restarted: RestartUnconfirmedError leaves restartTriggers as they were in state, so the next
 * `up` restarts it.
 *
 * Returns the job as that read found it when a read confirmed the POST (the caller need not read it
 * again), undefined when Graph answered the POST itself.
 */
export async function postAtMostOnce(
    client: JobClient,
    deadline: Deadline,
    action: "start" | "restart",
    body?: unknown,
): Promise<JobView | undefined> {
    // When the first POST whose answer was lost was sent (not when this function began: the token,
    // a request slot and Retry-After waits come first, and a run begun meanwhile is not the restart's).
    let sentAt: number | undefined;
    for (let attempt = 1; ; attempt++) {
        try {
            await client.post(action, deadline, body);
            return undefined;
        } catch (e) {
            if (!(e instanceof OutcomeUnknown)) throw e;
            sentAt ??= e.sentAt;
            let read: ClockedRead;
            try {
                read = await client.readWithClock(deadline, `read job after an unanswered ${action}`);
            } catch {
                // Cannot tell whether it happened: report the POST's own failure (its cause is the truth).
                throw e.error;
            }
            const { job, date, receivedAt } = read;
            if (action === "start" && isRunning(job)) return job;
            if (action === "restart" && runBeganAfter(job, sentAt, date, receivedAt)) return job;
            if (action === "restart" && isRunning(job)) {
                throw new RestartUnconfirmedError(
                    e.error,
                    job,
                    date
                        ? "no provisioning run began after the restart was sent"
                        : "the read carried no Date header to set Graph's clock against ours, so no run could be placed after the restart",
                );
            }
            try {
                await sleepWithin(backoffMs(attempt), deadline.signal);
            } catch {
                throw e.error;
            }
        }
    }
}

/**
 * GET, POST start unless already running, GET (3 calls; 1 when skipped; 2 under "always"),
 * then optionally poll until Active.
 */
export async function startJob(client: JobClient, options: StartOptions): Promise<StartResult> {
    // waitFor "cycle" needs the run before the start (the one not to wait for), so it reads under "always" too.
    const before = options.startPolicy === "ifNotActive" || options.waitFor === "cycle" ? await client.read(options.deadline) : undefined;
    // The Graph docs: start only a job that is paused or in quarantine, never one that runs.
    if (before && options.startPolicy === "ifNotActive" && isRunning(before)) {
        if (options.waitFor !== "cycle") return { action: "skipped", job: before };
        try {
            return { action: "skipped", job: await waitForCycle(client, before.lastRun, options) };
        } catch (e) {
            throw new FailedAfterStart(e as Error, undefined, jobSeenBy(e) ?? before, "skipped");
        }
    }
    const confirmed = await postAtMostOnce(client, options.deadline, "start");
    return afterPost(client, options, confirmed, before, "started", "read job after start");
}

/**
 * POST restart, GET (2 calls; 3 under waitFor "cycle", which first reads the run not to wait for),
 * then waitFor's polls. A restart resumes a paused or quarantined job as a start does.
 */
export async function restartJob(client: JobClient, options: StartOptions & { restartScope: string }): Promise<StartResult> {
    const before = options.waitFor === "cycle" ? await client.read(options.deadline) : undefined;
    const confirmed = await postAtMostOnce(client, options.deadline, "restart", {
        criteria: { resetScope: options.restartScope },
    });
    return afterPost(client, options, confirmed, before, "restarted", "read job after restart");
}

/** After a start or restart POST: the job as the confirming read found it or as read now, then waitFor. */
async function afterPost(
    client: JobClient,
    options: StartOptions,
    confirmed: JobView | undefined,
    before: JobView | undefined,
    action: "started" | "restarted",
    operation: string,
): Promise<StartResult> {
    const startedAt = new Date().toISOString();
    let job: JobView | undefined;
    try {
        job = confirmed ?? (await client.read(options.deadline, operation));
        if (options.waitFor === "active") job = await waitUntilActive(client, job, options);
        if (options.waitFor === "cycle") job = await waitForCycle(client, before?.lastRun, options, job);
    } catch (e) {
        throw new FailedAfterStart(e as Error, startedAt, jobSeenBy(e) ?? job, action);
    }
    return { action, job, startedAt };
}
