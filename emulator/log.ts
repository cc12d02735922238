import { GRAPH_ROUTES, RouteKind } from "./routes";

export interface RequestLogEntry {
    method: string;
    /** Path as it arrived on the wire (percent-encoding kept), without the query. */
    path: string;
    kind: RouteKind;
    version?: string;
    /** The HTTP version the request came over: "2.0" (HTTP/2) or "1.1". */
    httpVersion?: string;
    servicePrincipalId?: string;
    jobId?: string;
    /** -1 when no answer was sent (the connection was reset or left hanging). */
    status: number;
    clientId?: string;
    /** Set when the answer came from fault injection. */
    fault?: string;
    /** The request-id header of Graph's answer, when it sent one. */
    requestId?: string;
    /** Token requests: the scope asked for. */
    scope?: string;
    at: number;
}

/** Every request in arrival order; tests read `entries` directly and query it with `filter`. */
export class RequestLog {
    readonly entries: RequestLogEntry[] = [];

    add(entry: RequestLogEntry): RequestLogEntry {
        this.entries.push(entry);
        return entry;
    }

    filter(filter: Partial<RequestLogEntry> = {}): RequestLogEntry[] {
        return this.entries.filter((entry) =>
            Object.entries(filter).every(([key, value]) => (entry as unknown as Record<string, unknown>)[key] === value),
        );
    }

    graphCalls(): string[] {
        return this.entries.filter((entry) => GRAPH_ROUTES.includes(entry.kind)).map((entry) => `${entry.method} ${entry.kind}`);
    }

    clear(): void {
        this.entries.length = 0;
    }
}
