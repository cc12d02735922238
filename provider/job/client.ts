/**
 * One synchronization job on Graph: a JobClient is bound once to the shared GraphSession and to the
 * job (service principal, job id, API version), as ky's `Ky` binds its options, so each request
 * names only what differs. Reads, one POST, pause, the refresh read, and what a 404 means.
 */
import { GraphRequestError, JobNotFoundError, ServicePrincipalNotFoundError, SyncJobStartError } from "../errors";
import { backoffMs, OutcomeUnknown, sleepWithin } from "../graph";
import type { Deadline, GraphCall, GraphSession } from "../graph";
import type { ApiVersion } from "../inputs";
import { jobShapeProblem, JobView, toJobView } from "./view";

/** Which job, on which Graph version. */
export interface JobTarget {
    servicePrincipalId: string;
    jobId: string;
    apiVersion: ApiVersion;
}

/** The job as one read found it, with Graph's `Date` header and when the answer arrived (local clock). */
export interface ClockedRead {
    job: JobView;
    date: string | null;
    receivedAt: number;
}

/** Thrown by JobClient.readIfExists when a 404 cannot be trusted: the refresh fails, state stays as it was. */
export class RefreshDoubtError extends SyncJobStartError {
    override name = "RefreshDoubtError";
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

export class JobClient {
    /** The job's path below the version segment. */
    readonly path: string;
    /** The service principal's path below the version segment. */
    readonly servicePrincipalPath: string;

    constructor(
        readonly session: GraphSession,
        readonly target: JobTarget,
    ) {
        this.servicePrincipalPath = `/servicePrincipals/${target.servicePrincipalId}`;
        this.path = `${this.servicePrincipalPath}/synchronization/jobs/${target.jobId}`;
    }

    /** The job's path with the version, as error messages name it. */
    get versionedPath(): string {
        return `/${this.target.apiVersion}${this.path}`;
    }

    /** One call on this client's API version. */
    private call<T>(call: Omit<GraphCall, "apiVersion">, deadline: Deadline): Promise<T> {
        return this.session.call<T>({ ...call, apiVersion: this.target.apiVersion }, deadline);
    }

    /** One call on the job; a 404 becomes an error that says what is missing. */
    private async request<T>(call: Omit<GraphCall, "apiVersion">, deadline: Deadline): Promise<T> {
        try {
            return await this.call<T>(call, deadline);
        } catch (e) {
            if (is404(e) && isGraphRequestError(e)) throw await this.diagnoseNotFound(e, deadline);
            throw e;
        }
    }

    read(deadline: Deadline, operation = "read job"): Promise<JobView> {
        return this.request<unknown>({ operation, method: "GET", path: this.path, accept: jobShapeProblem }, deadline).then(toJobView);
    }

    /** The job, with Graph's `Date` header and when the answer arrived (local clock): Graph's clock against ours. */
    async readWithClock(deadline: Deadline, operation: string): Promise<ClockedRead> {
        const clock = { date: null as string | null, receivedAt: 0 };
        const body = await this.request<unknown>(
            {
                operation,
                method: "GET",
                path: this.path,
                accept: jobShapeProblem,
                onAnswer: (headers, at) => {
                    clock.date = headers.get("date");
                    clock.receivedAt = at;
                },
            },
            deadline,
        );
        return { job: toJobView(body), ...clock };
    }

    /** One POST start or restart; an unknown outcome is thrown as OutcomeUnknown (the caller reads before sending again). */
    async post(action: "start" | "restart", deadline: Deadline, body?: unknown): Promise<void> {
        await this.request<unknown>({ operation: `${action} job`, method: "POST", path: `${this.path}/${action}`, body }, deadline);
    }

    /** Pauses the job; a job that no longer exists is fine (it is not running either). */
    async pause(deadline: Deadline): Promise<"paused" | "missing"> {
        try {
            await this.call<unknown>({ operation: "pause job", method: "POST", path: `${this.path}/pause` }, deadline);
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
            return this.pause(deadline);
        }
    }

    /**
     * A 404 says only "not found". Find out what is missing: list the jobs on the service principal;
     * if the service principal is missing too, see whether the id given is an application (client) id.
     */
    async diagnoseNotFound(original: GraphRequestError, deadline: Deadline): Promise<Error> {
        const { servicePrincipalId, jobId } = this.target;
        const info = {
            operation: original.operation,
            method: original.method,
            path: original.path,
            statusCode: 404,
            code: original.code,
            requestId: original.requestId,
        };
        try {
            const jobs = await this.listJobs("list jobs", deadline);
            const hint =
                jobs.length === 0
                    ? `Service principal ${servicePrincipalId} has no synchronization jobs; create one first (e.g. azuread.SynchronizationJob) and pass its id as jobId.`
                    : `Job ${jobId} does not exist on service principal ${servicePrincipalId}. Jobs that do: ${jobs.map((job) => `${job.id} (${job.status ?? "unknown"})`).join(", ")}. Use one of these as jobId.`;
            return new JobNotFoundError(info, hint, undefined, { cause: original });
        } catch (e) {
            if (!is404(e)) return original;
        }
        try {
            const servicePrincipal = await this.call<{ id?: string; displayName?: string }>(
                { operation: "look up application id", method: "GET", path: `/servicePrincipals(appId='${servicePrincipalId}')` },
                deadline,
            );
            return new ServicePrincipalNotFoundError(
                info,
                `${servicePrincipalId} is the application (client) id of "${servicePrincipal.displayName ?? "?"}", not a service principal object id. ` +
                    `Use servicePrincipalId: "${servicePrincipal.id}" (the service principal's object id, e.g. azuread.ServicePrincipal's objectId).`,
                undefined,
                { cause: original },
            );
        } catch (e) {
            if (!is404(e)) return original;
        }
        return new ServicePrincipalNotFoundError(
            info,
            `No service principal with object id ${servicePrincipalId} exists in this tenant. Use the object id of the enterprise application's service principal ` +
                "(azuread.ServicePrincipal's objectId, or Entra admin center > Enterprise applications > Object ID), and check the credential's tenant.",
            undefined,
            { cause: original },
        );
    }

    /** The service principal's synchronization jobs. */
    private async listJobs(operation: string, deadline: Deadline): Promise<JobView[]> {
        const list = await this.call<{ value?: unknown[] }>(
            { operation, method: "GET", path: `${this.servicePrincipalPath}/synchronization/jobs` },
            deadline,
        );
        return (list.value ?? []).map(toJobView);
    }

    /**
     * Reads the job for a refresh; undefined only when Graph confirms it is gone: the job answers 404,
     * its service principal answers 200, and the service principal's job list lacks it. Anything else
     * (the service principal missing too — a wrong tenant, an emulator's variables sourced by mistake —,
     * 401/403, no answer) throws, so a refresh never drops a resource on a doubt.
     */
    async readIfExists(deadline: Deadline, tenant?: string): Promise<JobView | undefined> {
        const { servicePrincipalId, jobId } = this.target;
        let first: unknown;
        try {
            return await this.call<unknown>(
                { operation: "refresh job", method: "GET", path: this.path, accept: jobShapeProblem },
                deadline,
            ).then(toJobView);
        } catch (e) {
            if (!is404(e)) throw e;
            first = e;
        }
        const where = `${this.session.endpoints.graphEndpoint}${tenant ? ` (tenant ${tenant})` : ""}`;
        const fix =
            "The resource is kept in state. If you deleted it on purpose, remove the resource from the program or run `pulumi state delete`.";
        try {
            await this.call<unknown>(
                { operation: "refresh: look up service principal", method: "GET", path: this.servicePrincipalPath },
                deadline,
            );
        } catch (e) {
            if (is404(e)) {
                throw new RefreshDoubtError(
                    `refresh failed: job ${jobId} answered 404 and service principal ${servicePrincipalId} was not found either at ${where}: ` +
                        `wrong tenant or credentials (ARM_TENANT_ID, azuread:tenantId, an emulator's variables still set)? ${fix}`,
                    { cause: first },
                );
            }
            // Reading a service principal needs Application.Read.All, which a synchronization-only identity
            // may lack; its job list (below) proves the service principal exists just as well.
            if ((e as { statusCode?: number })?.statusCode !== 403) {
                throw new RefreshDoubtError(
                    `refresh failed: job ${jobId} answered 404, and the service principal could not be checked (${(e as Error).message}). ${fix}`,
                    { cause: e },
                );
            }
        }
        let jobs: JobView[];
        try {
            jobs = await this.listJobs("refresh: list jobs", deadline);
        } catch (e) {
            throw new RefreshDoubtError(
                `refresh failed: job ${jobId} answered 404, and the jobs of service principal ${servicePrincipalId} could not be listed ` +
                    `(${(e as Error).message}). ${fix}`,
                { cause: e },
            );
        }
        if (jobs.some((job) => job.id === jobId)) {
            throw new RefreshDoubtError(
                `refresh failed: job ${jobId} answered 404 but is listed on service principal ${servicePrincipalId}; try the refresh again. ${fix}`,
                { cause: first },
            );
        }
        return undefined;
    }
}
