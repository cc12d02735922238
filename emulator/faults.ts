import type { Reply } from "./reply";
import type { RouteKind } from "./routes";

export type Fault =
    | { kind: "status"; status: number; retryAfterSeconds?: number; retryAfterAsDate?: boolean; code?: string }
    | { kind: "reset" }
    | { kind: "hang" }
    | { kind: "latency"; ms: number };

export interface FaultRule {
    fault: Fault;
    /** Routes it applies to; all routes when absent. */
    routes?: RouteKind[];
    /** How many requests it hits; every request when absent. */
    times?: number;
}

/** What one request draws from the rules: every matching latency adds up, one other fault wins. */
export interface DrawnFaults {
    latencyMs: number[];
    fault?: Exclude<Fault, { kind: "latency" }>;
}

export class FaultRules {
    private readonly rules: FaultRule[] = [];

    /** Returns a function that removes the rule. */
    add(rule: FaultRule): () => void {
        // A copy, so that counting `times` down does not change the caller's object.
        const own = { ...rule };
        this.rules.push(own);
        return () => {
            const index = this.rules.indexOf(own);
            if (index >= 0) this.rules.splice(index, 1);
        };
    }

    clear(): void {
        this.rules.length = 0;
    }

    /** Takes one use from each rule that applies; the first non-latency rule wins, later ones keep their uses. */
    take(kind: RouteKind): DrawnFaults {
        const drawn: DrawnFaults = { latencyMs: [] };
        for (const rule of [...this.rules]) {
            if (rule.routes && !rule.routes.includes(kind)) continue;
            if (rule.fault.kind !== "latency" && drawn.fault) continue;
            if (rule.times !== undefined) {
                if (rule.times <= 0) continue;
                rule.times--;
            }
            if (rule.fault.kind === "latency") drawn.latencyMs.push(rule.fault.ms);
            else drawn.fault = rule.fault;
        }
        return drawn;
    }
}

/**
 * The one place a fault takes over a request, after the body was read and before any handler
 * runs; it has the raw socket (Reply.socket) as well as the response.
 */
export function answerWithFault(fault: Exclude<Fault, { kind: "latency" }>, reply: Reply): void {
    reply.entry.fault = fault.kind;
    switch (fault.kind) {
        case "reset":
            return reply.reset();
        case "hang":
            return reply.hang();
        case "status": {
            const headers: Record<string, string> = {};
            if (fault.retryAfterSeconds !== undefined) {
                headers["Retry-After"] = fault.retryAfterAsDate
                    ? new Date(Date.now() + fault.retryAfterSeconds * 1000).toUTCString()
                    : String(fault.retryAfterSeconds);
            }
            const code = fault.code ?? defaultCode(fault.status);
            return reply.graphError(fault.status, code, `Injected fault: ${code}.`, headers);
        }
    }
}

function defaultCode(status: number): string {
    if (status === 429) return "TooManyRequests";
    if (status === 503) return "ServiceUnavailable";
    return "UnknownError";
}
