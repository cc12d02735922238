/**
 * What create and update do to a job: start it unless it runs (startPolicy), or restart it
 * (restartTriggers), never sending the POST twice for one change, then waitFor.
 */
import { RestartUnconfirmedError, SyncJobStartError } from "../errors";
import { backoffMs, OutcomeUnknown, sleepWithin } from "../graph";
import type { Deadline } from "../graph";
import { remainingMs } from "../graph/deadline";
import type { StartPolicy, WaitFor } from "../inputs";
import { Consents, isInboundApiJob, refusal } from "../safety";
import { readSettings } from "../settings";
import type { ClockedRead, JobClient } from "./client";
import { isRunning, JobView, restartShows, runBeganAfter, startShows } from "./view";
import { jobSeenBy, waitForCycle, WaitOptions, waitUntilActive } from "./waits";

/**
 * Reads after a start or restart before what they show counts: right after a successful start
 * Graph can still show the job Paused (eventual consistency, notes: "Safety facts"), so a read that
 * shows nothing moved yet is "not yet", read again, a few times, never proof that nothing happened.
 */
export const SETTLE_READS = 3;
/** The most between two settle reads (ENTRA_SYNC_POLL_INTERVAL_SECONDS when shorter). */
const SETTLE_INTERVAL_MAX_MS = 2000;

/**
 * Reads (readOnce) until `moved` holds, at most SETTLE_READS times, within the deadline; returns
 * the last read. A deadline that ends the wait ends the reads too (the last read is returned).
 */
export async function settleRead<T>(readOnce: () => Promise<T>, moved: (read: T) => boolean, deadline: Deadline): Promise<T> {
    let read = await readOnce();
    for (let reads = 1; reads < SETTLE_READS && !moved(read); reads++) {
        const wait = Math.min(readSettings(process.env).pollIntervalMs, SETTLE_INTERVAL_MAX_MS);
        if (wait >= remainingMs(deadline)) break;
        try {
            await sleepWithin(wait, deadline.signal);
        } catch {
            break;
        }
        read = await readOnce();
    }
    return read;
}

export interface StartOptions extends WaitOptions, Consents {
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
 * only if the job is still not running (the v1.0 page asks not to start a running job). Graph may
 * show the old state for a moment after a start: a read that shows nothing yet is read again
 * (settleRead) before it counts.
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
    // One count for every POST of this action, so that the error says how many were sent and for how long.
    const tally = { attempts: 0, startedAt: Date.now() };
    for (let attempt = 1; ; attempt++) {
        try {
            await client.post(action, deadline, body, tally);
            return undefined;
        } catch (e) {
            if (!(e instanceof OutcomeUnknown)) throw e;
            const since = (sentAt ??= e.sentAt);
            const confirms = (read: ClockedRead) =>
                action === "start" ? isRunning(read.job) : runBeganAfter(read.job, since, read.date, read.receivedAt);
            let read: ClockedRead;
            try {
                read = await settleRead(() => client.readWithClock(deadline, `read job after an unanswered ${action}`), confirms, deadline);
            } catch {
                // Cannot tell whether it happened: report the POST's own failure (its cause is the truth).
                throw e.error;
            }
            const { job, date } = read;
            if (confirms(read)) return job;
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
 * GET, POST start unless already running, GET (3 calls; 1 when skipped), then optionally poll
 * until Active. The first GET also tells whether the start is safe (../safety.ts): a job
 * quarantined with TooManyDeletes is not started without allowHeldDeletes. Under "always" with
 * allowHeldDeletes there is nothing to ask, and no first GET (2 calls).
 */
export async function startJob(client: JobClient, options: StartOptions): Promise<StartResult> {
    // waitFor "cycle" needs the run before the start (the one not to wait for), so it reads under "always" too.
    const readFirst = options.startPolicy === "ifNotActive" || options.waitFor === "cycle" || options.allowHeldDeletes !== true;
    const before = readFirst ? await client.read(options.deadline) : undefined;
    // The Graph docs: start only a job that is paused or in quarantine, never one that runs.
    if (before && options.startPolicy === "ifNotActive" && isRunning(before)) {
        if (options.waitFor !== "cycle") return { action: "skipped", job: before };
        try {
            return { action: "skipped", job: await waitForCycle(client, before.lastRun, options, undefined, "skip") };
        } catch (e) {
            throw new FailedAfterStart(e as Error, undefined, jobSeenBy(e) ?? before, "skipped");
        }
    }
    const refused = before && refusal("start", before, options, client.versionedPath);
    if (refused) throw refused;
    const confirmed = await postAtMostOnce(client, options.deadline, "start");
    return afterPost(client, options, confirmed, before, "started", "read job after start");
}

/**
 * GET, POST restart, GET (3 calls), then waitFor's polls. A restart resumes a paused or quarantined
 * job as a start does. The first GET tells whether the restart is safe (../safety.ts): not for a job
 * holding deletions without allowHeldDeletes, nor for an API-driven inbound job that is not running
 * without allowInboundPurge; with those consents there is nothing to ask, and no first GET (2 calls,
 * 3 under waitFor "cycle", which reads the run not to wait for).
 */
export async function restartJob(client: JobClient, options: StartOptions & { restartScope: string }): Promise<StartResult> {
    const readFirst =
        options.waitFor === "cycle" ||
        options.allowHeldDeletes !== true ||
        (isInboundApiJob({ id: client.target.jobId }) && options.allowInboundPurge !== true);
    const before = readFirst ? await client.read(options.deadline) : undefined;
    const refused = before && refusal("restart", before, options, client.versionedPath);
    if (refused) throw refused;
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
        // A read that shows nothing moved yet is read again (Graph may lag) before it counts.
        const shows = action === "started" ? startShows : restartShows;
        job =
            confirmed ??
            (await settleRead(
                () => client.read(options.deadline, operation),
                (read) => shows(before, read),
                options.deadline,
            ));
        const after = action === "started" ? "start" : "restart";
        if (options.waitFor === "active") job = await waitUntilActive(client, job, options, after);
        if (options.waitFor === "cycle") job = await waitForCycle(client, before?.lastRun, options, job, after);
    } catch (e) {
        throw new FailedAfterStart(e as Error, startedAt, jobSeenBy(e) ?? job, action);
    }
    return { action, job, startedAt };
}
