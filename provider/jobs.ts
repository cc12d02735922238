import { isRunning } from "./diff";
import {
    GraphRequestError, JobNotFoundError, JobQuarantinedError, ServicePrincipalNotFoundError, WaitTimeoutError,
} from "./errors";
import { GraphCall, GraphSession, JobView, toJobView } from "./graph";
import type { ApiVersion, StartPolicy, WaitFor } from "./inputs";

/** Which job, on which Graph version. */
export interface JobTarget {
    servicePrincipalId: string;
    jobId: string;
    apiVersion: ApiVersion;
}

export function jobPath(t: JobTarget): string {
    return `/servicePrincipals/${t.servicePrincipalId}/synchronization/jobs/${t.jobId}`;
}

function is404(e: unknown): boolean {
    return (e as { statusCode?: number })?.statusCode === 404;
}

async function call<T>(s: GraphSession, t: JobTarget, operation: string, method: "GET" | "POST", path: string): Promise<T> {
    const c: GraphCall = { operation, method, path, apiVersion: t.apiVersion };
    try {
        return await s.call<T>(c);
    } catch (e) {
        if (is404(e) && e instanceof GraphRequestError) throw await diagnoseNotFound(s, t, e);
        throw e;
    }
}

/**
 * A 404 says only "not found". Find out what is missing: list the jobs on the service principal;
 * if the service principal is missing too, see whether the id given is an application (client) id.
 */
export async function diagnoseNotFound(s: GraphSession, t: JobTarget, original: GraphRequestError): Promise<Error> {
    const info = { operation: original.operation, method: original.method, path: original.path, statusCode: 404, code: original.code, requestId: original.requestId };
    const listPath = `/servicePrincipals/${t.servicePrincipalId}/synchronization/jobs`;
    try {
        const list = await s.call<{ value?: unknown[] }>({ operation: "list jobs", method: "GET", path: listPath, apiVersion: t.apiVersion });
        const jobs = (list.value ?? []).map(toJobView);
        const hint = jobs.length === 0
            ? `Service principal ${t.servicePrincipalId} has no synchronization jobs; create one first (e.g. azuread.SynchronizationJob) and pass its id as jobId.`
            : `Job ${t.jobId} does not exist on service principal ${t.servicePrincipalId}. Jobs that do: ${jobs.map((j) => `${j.id} (${j.status ?? "unknown"})`).join(", ")}. Use one of these as jobId.`;
        return new JobNotFoundError(info, hint);
    } catch (e) {
        if (!is404(e)) return original;
    }
    try {
        const sp = await s.call<{ id?: string; displayName?: string }>({
            operation: "look up application id", method: "GET", path: `/servicePrincipals(appId='${t.servicePrincipalId}')`, apiVersion: t.apiVersion,
        });
        return new ServicePrincipalNotFoundError(info,
            `${t.servicePrincipalId} is the application (client) id of "${sp.displayName ?? "?"}", not a service principal object id. ` +
            `Use servicePrincipalId: "${sp.id}" (the service principal's object id, e.g. azuread.ServicePrincipal's objectId).`);
    } catch (e) {
        if (!is404(e)) return original;
    }
    return new ServicePrincipalNotFoundError(info,
        `No service principal with object id ${t.servicePrincipalId} exists in this tenant. Use the object id of the enterprise application's service principal ` +
        "(azuread.ServicePrincipal's objectId, or Entra admin center > Enterprise applications > Object ID), and check the credential's tenant.");
}

export function getJob(s: GraphSession, t: JobTarget, operation = "read job"): Promise<JobView> {
    return call<unknown>(s, t, operation, "GET", jobPath(t)).then(toJobView);
}

export async function startJob(s: GraphSession, t: JobTarget): Promise<void> {
    await call<unknown>(s, t, "start job", "POST", `${jobPath(t)}/start`);
}

/** Pauses a job; a job that no longer exists is fine (it is not running either). */
export async function pauseJob(s: GraphSession, t: JobTarget): Promise<"paused" | "missing"> {
    try {
        await s.call<unknown>({ operation: "pause job", method: "POST", path: `${jobPath(t)}/pause`, apiVersion: t.apiVersion });
        return "paused";
    } catch (e) {
        if (is404(e)) return "missing";
        throw e;
    }
}

/** Reads the job; undefined when it (or its service principal) no longer exists. */
export async function readJobIfExists(s: GraphSession, t: JobTarget): Promise<JobView | undefined> {
    try {
        return await s.call<unknown>({ operation: "refresh job", method: "GET", path: jobPath(t), apiVersion: t.apiVersion }).then(toJobView);
    } catch (e) {
        if (is404(e)) return undefined;
        throw e;
    }
}

export interface StartOptions {
    startPolicy: StartPolicy;
    waitFor: WaitFor;
    waitTimeoutSeconds: number;
    pollIntervalMs: number;
}

export interface StartResult {
    action: "started" | "skipped";
    job: JobView;
    startedAt?: string;
}

/** Thrown when a step after a successful start POST failed: the caller records the start anyway. */
export class FailedAfterStart extends Error {
    constructor(readonly cause: Error, readonly startedAt: string, readonly job?: JobView) {
        super(cause.message);
    }
}

/**
 * GET, POST start unless already running, GET (3 calls; 1 when skipped; 2 under "always"),
 * then optionally poll until Active.
 */
export async function ensureStarted(s: GraphSession, t: JobTarget, o: StartOptions): Promise<StartResult> {
    if (o.startPolicy === "ifNotActive") {
        const before = await getJob(s, t);
        // The Graph docs: start only a job that is paused or in quarantine, never one that runs.
        if (isRunning(before)) return { action: "skipped", job: before };
    }
    await startJob(s, t);
    const startedAt = new Date().toISOString();
    let job: JobView | undefined;
    try {
        job = await getJob(s, t, "read job after start");
        if (o.waitFor === "active") job = await waitUntilActive(s, t, job, o);
    } catch (e) {
        throw new FailedAfterStart(e as Error, startedAt, job);
    }
    return { action: "started", job, startedAt };
}

async function waitUntilActive(s: GraphSession, t: JobTarget, first: JobView, o: StartOptions): Promise<JobView> {
    const deadline = Date.now() + o.waitTimeoutSeconds * 1000;
    let job = first;
    for (;;) {
        if (job.status === "Quarantine") throw new JobQuarantinedError(`/${t.apiVersion}${jobPath(t)}`, job.quarantineReason ?? "Unknown");
        if (isRunning(job)) return job;
        if (Date.now() + o.pollIntervalMs > deadline) {
            throw new WaitTimeoutError(`/${t.apiVersion}${jobPath(t)}`, o.waitTimeoutSeconds, `${job.status ?? "unknown"}/${job.scheduleState ?? "unknown"}`);
        }
        await new Promise((r) => setTimeout(r, o.pollIntervalMs));
        job = await getJob(s, t, "wait for job");
    }
}
