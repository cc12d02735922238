import type { RouteArea, RouteKind } from "./routes";

/** What a throttle model sees of a request. */
export interface ThrottledRequest {
    kind: RouteKind;
    area?: RouteArea;
    method: string;
    /** The app and tenant of the request's bearer token, when Graph knows it (resolved on demand). */
    caller?: () => { clientId: string; tenantId: string } | undefined;
    /** Headers a model adds to an admitted request's answer (Graph's x-ms-throttle-limit-percentage). */
    advisory?: Record<string, string>;
}

/** A 429 the pipeline sends in the model's words. */
export interface ThrottleRejection {
    retryAfterSeconds: number;
    /** Extra headers, e.g. the x-ms-throttle-* family. */
    headers?: Record<string, string>;
}

/**
 * Decides per request whether to answer 429 instead of handling it. The pipeline asks the one
 * installed model after fault rules: TokenBucket (one simple bucket) or EntraThrottle (resource
 * units per app and tenant, a write cap).
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

/** Resource units per window by tenant size (Graph's identity and access service limits). */
export const ENTRA_TENANT_UNITS = { small: 3500, medium: 5000, large: 8000 } as const;
export type TenantSize = keyof typeof ENTRA_TENANT_UNITS;

export interface EntraThrottleOptions {
    /** Picks the resource units per window: small 3,500, medium 5,000, large 8,000. @default "small" */
    tenantSize?: TenantSize;
    /** Overrides the tenant size's units (small values make a run hit the limit in seconds). */
    unitsPerWindow?: number;
    /** @default 10 */
    windowSeconds?: number;
    /** Writes (POST and other non-GET) per app and tenant per write window. @default 3000 */
    writesPerWindow?: number;
    /** @default 150 (2.5 minutes) */
    writeWindowSeconds?: number;
}

/** A bucket that holds `size` and refills all of it over `windowMs`, continuously. */
class Refilling {
    private level: number;
    private last = Date.now();

    constructor(
        private readonly size: number,
        private readonly windowMs: number,
    ) {
        this.level = size;
    }

    /** Refills to now; returns the ms until `cost` is available (0 when it is now). */
    waitFor(cost: number, now: number): number {
        this.level = Math.min(this.size, this.level + ((now - this.last) / this.windowMs) * this.size);
        this.last = now;
        return this.level >= cost ? 0 : ((cost - this.level) / this.size) * this.windowMs;
    }

    take(cost: number): void {
        this.level -= cost;
    }

    /** The share of the bucket spent (0 full, 1 empty). */
    get used(): number {
        return 1 - this.level / this.size;
    }
}

/** Past this share of its budget, Graph tells a caller so (x-ms-throttle-limit-percentage). */
export const THROTTLE_WARNING_FRACTION = 0.8;

/**
 * Graph's identity and access throttling, as documented: a resource-unit bucket per app and tenant
 * sized by tenant size, and a write cap per app and tenant. GET costs 1 unit; a write (POST, DELETE)
 * 1 unit and 1 write. A request is charged only when both admit it. Past either, a 429 with
 * Retry-After (whole seconds until enough refills, at least 1) and the x-ms-throttle-* headers.
 * Requests without a token Graph knows pass (Graph answers them 401 without charging). An admitted
 * request once 80% of either budget is spent carries `x-ms-throttle-limit-percentage`.
 */
export class EntraThrottle implements ThrottleModel {
    private readonly units = new Map<string, Refilling>();
    private readonly writes = new Map<string, Refilling>();
    readonly unitsPerWindow: number;
    readonly windowMs: number;
    readonly writesPerWindow: number;
    readonly writeWindowMs: number;

    constructor(options: EntraThrottleOptions = {}) {
        this.unitsPerWindow = options.unitsPerWindow ?? ENTRA_TENANT_UNITS[options.tenantSize ?? "small"];
        this.windowMs = (options.windowSeconds ?? 10) * 1000;
        this.writesPerWindow = options.writesPerWindow ?? 3000;
        this.writeWindowMs = (options.writeWindowSeconds ?? 150) * 1000;
    }

    admit(request: ThrottledRequest): ThrottleRejection | undefined {
        if (request.area !== "graph") return undefined;
        const caller = request.caller?.();
        if (!caller) return undefined;
        const key = `${caller.tenantId}/${caller.clientId}`;
        const write = request.method !== "GET";
        const now = Date.now();
        const units = getOrAdd(this.units, key, () => new Refilling(this.unitsPerWindow, this.windowMs));
        const writes = write ? getOrAdd(this.writes, key, () => new Refilling(this.writesPerWindow, this.writeWindowMs)) : undefined;
        const unitWait = units.waitFor(1, now);
        const writeWait = writes?.waitFor(1, now) ?? 0;
        if (unitWait === 0 && writeWait === 0) {
            units.take(1);
            writes?.take(1);
            // In hundredths, as sent: a refill of a few ms does not hide the 80% mark.
            const used = Math.round(Math.max(units.used, writes?.used ?? 0) * 100) / 100;
            // Graph's header from 80% of the budget on: the share used, as 0.8 to 1.8.
            if (used >= THROTTLE_WARNING_FRACTION) {
                request.advisory = { ...request.advisory, "x-ms-throttle-limit-percentage": used.toFixed(2) };
            }
            return undefined;
        }
        return {
            retryAfterSeconds: Math.max(1, Math.ceil(Math.max(unitWait, writeWait) / 1000)),
            headers: {
                "x-ms-throttle-scope": `Tenant_Application/ReadWrite/${caller.tenantId}/${caller.clientId}`,
                "x-ms-throttle-information": unitWait > 0 ? "ResourceUnitLimitExceeded" : "WriteLimitExceeded",
            },
        };
    }
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, make: () => V): V {
    let value = map.get(key);
    if (value === undefined) map.set(key, (value = make()));
    return value;
}

/**
 * A `--throttle` value: `entra:small|medium|large` or `<rate>/s` (a simple bucket, burst = rate).
 * Returns undefined when the text is neither.
 */
export function parseThrottle(text: string): ThrottleModel | undefined {
    const entra = /^entra:(small|medium|large)$/.exec(text);
    if (entra) return new EntraThrottle({ tenantSize: entra[1] as TenantSize });
    const rate = /^(\d+(?:\.\d+)?)\/s$/.exec(text);
    if (rate && Number(rate[1]) > 0) return new TokenBucket({ ratePerSecond: Number(rate[1]), burst: Math.max(1, Number(rate[1])) });
    return undefined;
}
