import { SyncJobStartError } from "../errors";

/** One request to Graph, as the job code describes it. */
export interface GraphCall {
    /** What the provider is doing, for the error message, e.g. "start job". */
    operation: string;
    method: "GET" | "POST";
    /** Path below the version segment, e.g. /servicePrincipals/{id}/synchronization/jobs/{jobId}. */
    path: string;
    apiVersion: string;
    /** Where a particular shape is expected (a job): why a 2xx JSON body is not it, or undefined. */
    accept?: (body: unknown) => string | undefined;
    /** A POST's JSON body (restart's criteria); none for start and pause. */
    body?: unknown;
    /** Told the headers of the answer the call returns, and when it arrived (local clock). */
    onAnswer?: (headers: Headers, receivedAt: number) => void;
}

/**
 * A POST failed in a way that leaves its effect unknown (reset, timeout or a non-Graph answer after
 * it was sent): the job code reads the job before deciding to send it again. Never leaves the package.
 */
export class OutcomeUnknown extends SyncJobStartError {
    override name = "OutcomeUnknown";
    constructor(
        readonly error: Error,
        /** When the POST whose answer was lost was handed to fetch (after the token, the slot and any Retry-After wait). */
        readonly sentAt: number,
    ) {
        super(error.message, { cause: error });
    }
}
