import type { RouteArea, RouteKind } from "./routes";

/** What a throttle model sees of a request. */
export interface ThrottledRequest {
    kind: RouteKind;
    area?: RouteArea;
    method: string;
}

/** A 429 the pipeline sends in the model's words. */
export interface ThrottleRejection {
    retryAfterSeconds: number;
    /** Extra headers, e.g. the x-ms-throttle-* family. */
    headers?: Record<string, string>;
}

/**
 * Decides per request whether to answer 429 instead of handling it. The pipeline asks the one
 * installed model after fault rules; an Entra-like model (resource units per app and tenant, a
 * write cap) is meant to be another implementation. It will need the caller's app and tenant,
 * which means resolving the bearer token before asking.
 */
export interface ThrottleModel {
    /** Undefined admits the request (and charges it). */
    admit(request: ThrottledRequest): ThrottleRejection | undefined;
}

/** At most `ratePerSecond` Graph requests, bursts of `burst`; token and metadata calls pass free. */
export class TokenBucket implements ThrottleModel {
    private tokens: number;
    private last = Date.now();

    constructor(private readonly options: { ratePerSecond: number; burst: number }) {
        this.tokens = options.burst;
    }

    admit(request: ThrottledRequest): ThrottleRejection | undefined {
        if (request.area !== "graph") return undefined;
        const now = Date.now();
        this.tokens = Math.min(this.options.burst, this.tokens + ((now - this.last) / 1000) * this.options.ratePerSecond);
        this.last = now;
        if (this.tokens >= 1) {
            this.tokens -= 1;
            return undefined;
        }
        return { retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / this.options.ratePerSecond)) };
    }
}
