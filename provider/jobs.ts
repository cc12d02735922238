import { setTimeout as sleep } from "timers/promises";
import { isRunning } from "./diff";
import {
    GraphRequestError,
    JobNotFoundError,
    JobQuarantinedError,
    RestartUnconfirmedError,
    ServicePrincipalNotFoundError,
    SyncJobStartError,
    WaitTimeoutError,
} from "./errors";
import type { GraphCall, GraphSession } from "./graph";
import { Deadline, sleepWithin } from "./graph/deadline";
import { OutcomeUnknown } from "./graph/session";
import { backoffMs } from "./graph/transport";
import { jobSeenBy, waitForCycle } from "./runs";
import type { ApiVersion, LastRun, StartPolicy, WaitFor } from "./inputs";

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

/** Which job, on which Graph version. */
export interface JobTarget {
    servicePrincipalId: string;
    jobId: string;
    apiVersion: ApiVersion;
}

export function jobPath(target: JobTarget): string {
    return `/servicePrincipals/${target.servicePrincipalId}/synchronization/jobs/${target.jobId}`;
}

/**
 * By status, not `instanceof`: served from serialized local source, our error classes are copies,
 * and `instanceof GraphRequestError` is false for errors the Graph layer made.
 */
function is404(error: unknown): boolean {
    return (error as { statusCode?: number })?.statusCode === 404;
}

function isGraphRequestError(error: unknown): error is GraphRequestError {
    const e = error as Partial<GraphRequestError> | undefined;
    return typeof e?.statusCode === "number" && typeof e.operation === "string" && typeof e.path === "string";
}

/** One call on the job; a 404 becomes an error that says what is missing. */
async function request<T>(session: GraphSession, target: JobTarget, deadline: Deadline, call: Omit<GraphCall, "apiVersion">): Promise<T> {
    try {
        return await session.call<T>({ ...call, apiVersion: target.apiVersion }, deadline);
    } catch (e) {
        if (is404(e) && isGraphRequestError(e)) throw await diagnoseNotFound(session, target, e, deadline);
        throw e;
    }
}

/**
 * A 404 says only "not found". Find out what is missing: list the jobs on the service principal;
 * if the service principal is missing too, see whether the id given is an application (client) id.
 */
export async function diagnoseNotFound(
    session: GraphSession,
    target: JobTarget,
    original: GraphRequestError,
    deadline: Deadline,
): Promise<Error> {
    const info = {
        operation: original.operation,
        method: original.method,
        path: original.path,
        statusCode: 404,
        code: original.code,
        requestId: original.requestId,
    };
    const listPath = `/servicePrincipals/${target.servicePrincipalId}/synchronization/jobs`;
    try {
        const list = await session.call<{ value?: unknown[] }>(
            { operation: "list jobs", method: "GET", path: listPath, apiVersion: target.apiVersion },
            deadline,
        );
        const jobs = (list.value ?? []).map(toJobView);
        const hint =
            jobs.length === 0
                ? `Service principal ${target.servicePrincipalId} has no synchronization jobs; create one first (e.g. azuread.SynchronizationJob) and pass its id as jobId.`
                : `Job ${target.jobId} does not exist on service principal ${target.servicePrincipalId}. Jobs that do: ${jobs.map((job) => `${job.id} (${job.status ?? "unknown"})`).join(", ")}. Use one of these as jobId.`;
        return new JobNotFoundError(info, hint, undefined, { cause: original });
    } catch (e) {
        if (!is404(e)) return original;
    }
    try {
        const servicePrincipal = await session.call<{ id?: string; displayName?: string }>(
            {
                operation: "look up application id",
                method: "GET",
                path: `/servicePrincipals(appId='${target.servicePrincipalId}')`,
                apiVersion: target.apiVersion,
            },
            deadline,
        );
        return new ServicePrincipalNotFoundError(
            info,
            `${target.servicePrincipalId} is the application (client) id of "${servicePrincipal.displayName ?? "?"}", not a service principal object id. ` +
                `Use servicePrincipalId: "${servicePrincipal.id}" (the service principal's object id, e.g. azuread.ServicePrincipal's objectId).`,
            undefined,
            { cause: original },
        );
    } catch (e) {
        if (!is404(e)) return original;
    }
    return new ServicePrincipalNotFoundError(
        info,
        `No service principal with object id ${target.servicePrincipalId} exists in this tenant. Use the object id of the enterprise application's service principal ` +
            "(azuread.ServicePrincipal's objectId, or Entra admin center > Enterprise applications > Object ID), and check the credential's tenant.",
        undefined,
        { cause: original },
    );
}

/** Why a 2xx body is not a synchronization job (a proxy's JSON, an error page), or undefined. */
export function jobShapeProblem(body: unknown): string | undefined {
    const job = body as { id?: unknown; status?: { code?: unknown } } | null;
    if (!job || typeof job !== "object" || typeof job.id !== "string" || typeof job.status?.code !== "string") {
        return "JSON without a synchronization job's id and status.code";
    }
    return undefined;
}

export function getJob(session: GraphSession, target: JobTarget, deadline: Deadline, operation = "read job"): Promise<JobView> {
    return request<unknown>(session, target, deadline, { operation, method: "GET", path: jobPath(target), accept: jobShapeProblem }).then(
        toJobView,
    );
}

/** The job, with Graph's `Date` header and when the answer arrived (local clock): Graph's clock against ours. */
async function getJobWithClock(
    session: GraphSession,
    target: JobTarget,
    deadline: Deadline,
    operation: string,
): Promise<{ job: JobView; date: string | null; receivedAt: number }> {
    const clock = { date: null as string | null, receivedAt: 0 };
    const body = await request<unknown>(session, target, deadline, {
        operation,
        method: "GET",
        path: jobPath(target),
        accept: jobShapeProblem,
        onAnswer: (headers, at) => {
            clock.date = headers.get("date");
            clock.receivedAt = at;
        },
    });
    return { job: toJobView(body), ...clock };
}

/**
 * Allowance for Graph's front end (which sends `Date`) and the provisioning service (which stamps
 * runs) not keeping exactly the same time.
 */
const RUN_STAMP_SLACK_MS = 1000;

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
    session: GraphSession,
    target: JobTarget,
    deadline: Deadline,
    action: "start" | "restart",
    body?: unknown,
): Promise<JobView | undefined> {
    // When the first POST whose answer was lost was sent (not when this function began: the token,
    // a request slot and Retry-After waits come first, and a run begun meanwhile is not the restart's).
    let sentAt: number | undefined;
    for (let attempt = 1; ; attempt++) {
        try {
            await request<unknown>(session, target, deadline, {
                operation: `${action} job`,
                method: "POST",
                path: `${jobPath(target)}/${action}`,
                body,
            });
            return undefined;
        } catch (e) {
            if (!(e instanceof OutcomeUnknown)) throw e;
            sentAt ??= e.sentAt;
            let read: Awaited<ReturnType<typeof getJobWithClock>>;
            try {
                read = await getJobWithClock(session, target, deadline, `read job after an unanswered ${action}`);
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

/** Pauses a job; a job that no longer exists is fine (it is not running either). */
export async function pauseJob(session: GraphSession, target: JobTarget, deadline: Deadline): Promise<"paused" | "missing"> {
    try {
        await session.call<unknown>(
            { operation: "pause job", method: "POST", path: `${jobPath(target)}/pause`, apiVersion: target.apiVersion },
            deadline,
        );
        return "paused";
    } catch (e) {
        if (is404(e)) return "missing";
        if (!(e instanceof OutcomeUnknown)) throw e;
        // Pausing twice is harmless: an unanswered pause is sent again, after a backoff, while time remains.
        try {
            await sleepWithin(backoffMs(1), deadline.signal);
        } catch {
            throw e.error;
        }
        return pauseJob(session, target, deadline);
    }
}

/** Thrown by readJobIfExists when a 404 cannot be trusted: the refresh fails, state stays as it was. */
export class RefreshDoubtError extends SyncJobStartError {
    override name = "RefreshDoubtError";
}

/**
 * Reads the job for a refresh; undefined only when Graph confirms it is gone: the job answers 404,
 * its service principal answers 200, and the service principal's job list lacks it. Anything else
 * (the service principal missing too — a wrong tenant, an emulator's variables sourced by mistake —,
 * 401/403, no answer) throws, so a refresh never drops a resource on a doubt.
 */
export async function readJobIfExists(
    session: GraphSession,
    target: JobTarget,
    deadline: Deadline,
    tenant?: string,
): Promise<JobView | undefined> {
    const path = jobPath(target);
    let first: unknown;
    try {
        return await session
            .call<unknown>(
                { operation: "refresh job", method: "GET", path, apiVersion: target.apiVersion, accept: jobShapeProblem },
                deadline,
            )
            .then(toJobView);
    } catch (e) {
        if (!is404(e)) throw e;
        first = e;
    }
    const where = `${session.endpoints.graphEndpoint}${tenant ? ` (tenant ${tenant})` : ""}`;
    const fix =
        "The resource is kept in state. If you deleted it on purpose, remove the resource from the program or run `pulumi state delete`.";
    const servicePrincipalPath = `/servicePrincipals/${target.servicePrincipalId}`;
    try {
        await session.call<unknown>(
            { operation: "refresh: look up service principal", method: "GET", path: servicePrincipalPath, apiVersion: target.apiVersion },
            deadline,
        );
    } catch (e) {
        if (is404(e)) {
            throw new RefreshDoubtError(
                `refresh failed: job ${target.jobId} answered 404 and service principal ${target.servicePrincipalId} was not found either at ${where}: ` +
                    `wrong tenant or credentials (ARM_TENANT_ID, azuread:tenantId, an emulator's variables still set)? ${fix}`,
                { cause: first },
            );
        }
        // Reading a service principal needs Application.Read.All, which a synchronization-only identity
        // may lack; its job list (below) proves the service principal exists just as well.
        if ((e as { statusCode?: number })?.statusCode !== 403) {
            throw new RefreshDoubtError(
                `refresh failed: job ${target.jobId} answered 404, and the service principal could not be checked (${(e as Error).message}). ${fix}`,
                { cause: e },
            );
        }
    }
    let jobs: JobView[];
    try {
        const list = await session.call<{ value?: unknown[] }>(
            {
                operation: "refresh: list jobs",
                method: "GET",
                path: `${servicePrincipalPath}/synchronization/jobs`,
                apiVersion: target.apiVersion,
            },
            deadline,
        );
        jobs = (list.value ?? []).map(toJobView);
    } catch (e) {
        throw new RefreshDoubtError(
            `refresh failed: job ${target.jobId} answered 404, and the jobs of service principal ${target.servicePrincipalId} could not be listed ` +
                `(${(e as Error).message}). ${fix}`,
            { cause: e },
        );
    }
    if (jobs.some((job) => job.id === target.jobId)) {
        throw new RefreshDoubtError(
            `refresh failed: job ${target.jobId} answered 404 but is listed on service principal ${target.servicePrincipalId}; try the refresh again. ${fix}`,
            { cause: first },
        );
    }
    return undefined;
}

export interface StartOptions {
    startPolicy: StartPolicy;
    waitFor: WaitFor;
    waitTimeoutSeconds: number;
    pollIntervalMs: number;
    /** timeoutSeconds: bounds the reads and the start. */
    deadline: Deadline;
    /** timeoutSeconds plus waitTimeoutSeconds: bounds waitFor's polling. */
    waitDeadline: Deadline;
    /** Set when waitTimeoutSeconds above is the resource's customTimeouts (shorter), for the timeout's message. */
    waitBoundBy?: "customTimeouts";
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
 * GET, POST start unless already running, GET (3 calls; 1 when skipped; 2 under "always"),
 * then optionally poll until Active.
 */
export async function ensureStarted(session: GraphSession, target: JobTarget, options: StartOptions): Promise<StartResult> {
    // waitFor "cycle" needs the run before the start (the one not to wait for), so it reads under "always" too.
    const before =
        options.startPolicy === "ifNotActive" || options.waitFor === "cycle" ? await getJob(session, target, options.deadline) : undefined;
    // The Graph docs: start only a job that is paused or in quarantine, never one that runs.
    if (before && options.startPolicy === "ifNotActive" && isRunning(before)) {
        if (options.waitFor !== "cycle") return { action: "skipped", job: before };
        try {
            return { action: "skipped", job: await waitForCycle(session, target, before.lastRun, options) };
        } catch (e) {
            throw new FailedAfterStart(e as Error, undefined, jobSeenBy(e) ?? before, "skipped");
        }
    }
    const confirmed = await postAtMostOnce(session, target, options.deadline, "start");
    const startedAt = new Date().toISOString();
    let job: JobView | undefined;
    try {
        job = confirmed ?? (await getJob(session, target, options.deadline, "read job after start"));
        if (options.waitFor === "active") job = await waitUntilActive(session, target, job, options);
        if (options.waitFor === "cycle") job = await waitForCycle(session, target, before?.lastRun, options, job);
    } catch (e) {
        throw new FailedAfterStart(e as Error, startedAt, jobSeenBy(e) ?? job);
    }
    return { action: "started", job, startedAt };
}

export async function waitUntilActive(session: GraphSession, target: JobTarget, first: JobView, options: StartOptions): Promise<JobView> {
    const deadline = Date.now() + options.waitTimeoutSeconds * 1000;
    let job = first;
    for (;;) {
        if (job.status === "Quarantine")
            throw new JobQuarantinedError(`/${target.apiVersion}${jobPath(target)}`, job.quarantineReason ?? "Unknown");
        if (isRunning(job)) return job;
        if (Date.now() + options.pollIntervalMs > deadline) {
            throw new WaitTimeoutError(
                `/${target.apiVersion}${jobPath(target)}`,
                options.waitTimeoutSeconds,
                `${job.status ?? "unknown"}/${job.scheduleState ?? "unknown"}`,
                "active",
                options.waitBoundBy,
            );
        }
        await sleep(options.pollIntervalMs);
        job = await getJob(session, target, options.waitDeadline, "wait for job");
    }
}
