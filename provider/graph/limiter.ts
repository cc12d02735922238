/**
 * Graph requests in flight per provider process, adapted to what Graph answers (design.md
 * "Requests in flight adapt"). ENTRA_SYNC_MAX_CONCURRENCY is the cap, not the limit.
 *
 * A slot is one request in flight: an HTTP/2 stream, or an HTTP/1.1 connection busy with it.
 * Written here rather than taken from a library: neither the Graph client (its RetryHandler only
 * waits, per request) nor undici (a fixed connection or stream count per origin) adapts a shared limit.
 */

/** What one HTTP attempt ended with. */
export interface AttemptOutcome {
    /** HTTP status; undefined for a transport failure (reset, refused, timed out). */
    status?: number;
    /** From the attempt's send to its answer (or failure). */
    latencyMs: number;
    /**
     * What the 429/503/504 asked to wait (Retry-After), when the caller read it: the throttled slot
     * stays taken that long. @default HOLD_WITHOUT_RETRY_AFTER_MS
     */
    retryAfterMs?: number;
    /**
     * `x-ms-throttle-limit-percentage` of the answer: the share of its budget the caller has spent,
     * which Graph sends from 80% on (0.8 to 1.8). A warning before the 429: the limit backs off.
     */
    throttlePercentage?: number;
}

/** Graph sends x-ms-throttle-limit-percentage once a caller passes this share of its budget. */
export const THROTTLE_WARNING = 0.8;

/** The x-ms-throttle-limit-percentage header as a number; undefined when absent or not a number. */
export function throttlePercentageOf(headers: Headers | undefined): number | undefined {
    const value = headers?.get("x-ms-throttle-limit-percentage");
    if (value === null || value === undefined || value.trim() === "") return undefined;
    const n = Number(value);
    return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export interface Slot {
    /** Call once per HTTP attempt, when its answer (or failure) is in. Later calls do nothing. */
    release(outcome: AttemptOutcome): void;
}

/**
 * Where the limit starts. 64 requests are 64 resource units, a fraction of the smallest tenant's
 * bucket (3,500 units per 10 s, which a burst may spend at once), and of the write cap (3,000 per
 * 2.5 min), so the first round does not provoke throttling; slow start doubles it per round. (It
 * started at 16, the old fixed limit: at 150 ms per answer the two extra rounds cost ~300 ms at
 * N=200, and the throttled benchmark runs were the same at 64.)
 */
export const START_CONCURRENCY = 64;
/** How long a throttled slot stays taken when the answer did not say (Graph sends Retry-After). */
export const HOLD_WITHOUT_RETRY_AFTER_MS = 1000;
/**
 * The longest a throttled slot stays taken, whatever Retry-After says: the write cap's (or a proxy's
 * 503's) Retry-After can be minutes, and other resources, whose deadlines are their own, must not
 * wait that long for a slot. (A hold is the process sending less, so it may outlast the operation
 * whose answer was throttled.) The throttled request itself still waits the whole Retry-After.
 */
export const MAX_HOLD_MS = 10_000;

/** A throttled answer multiplies the limit by this (AIMD's multiplicative decrease). */
const THROTTLE_CUT = 0.5;
/** A large latency rise multiplies the limit by this: a tenth less, gentler than a throttle. */
const LATENCY_CUT = 0.9;
/** How fast the baseline (lowest latency) drifts up toward what is seen, per answer. */
const BASELINE_DRIFT = 0.001;
/** The weight of one answer in the smoothed latency (an exponential moving average). */
const SMOOTHING = 0.05;
/** Answers before latency counts as a trend (connection set-up and warm-up come first). */
const WARM_UP_SAMPLES = 50;
/** A rise that cuts: smoothed latency above this multiple of the baseline, and by more than LARGE_RISE_MS. */
const LARGE_RISE_FACTOR = 3;
const LARGE_RISE_MS = 20;
/** A rise that stops growth: above this multiple of the baseline, and by more than MODERATE_RISE_MS. */
const MODERATE_RISE_FACTOR = 1.5;
const MODERATE_RISE_MS = 10;
/** The limit grows only while at least this share of it is in flight (it is what holds requests back). */
const GROW_WHEN_IN_USE = 0.5;

/** Statuses that mean "send less": throttled, unavailable, gateway timeout. */
export function isThrottle(status: number | undefined): boolean {
    return status === 429 || status === 503 || status === 504;
}

/**
 * The pure part: AIMD on the limit, with a latency signal. Slow start (+1 per unthrottled answer,
 * i.e. doubling per round) until the first cut, then +1 per round (+1/limit per answer). A
 * throttle, or an answer whose x-ms-throttle-limit-percentage is 0.8 or more, halves; latency well above the best seen cuts by a tenth. At most one cut per round:
 * answers to attempts sent before the last cut say nothing about the new limit.
 */
export class ConcurrencyController {
    limit: number;
    private slowStart = true;
    private lastCutAt = -Infinity;
    /** The lowest latency seen, drifting slowly up so a lasting change of path is learnt. */
    private baselineMs?: number;
    /** Recent latency, smoothed. */
    private smoothedMs?: number;
    private samples = 0;

    constructor(
        readonly cap: number,
        start = Math.min(START_CONCURRENCY, cap),
    ) {
        this.limit = Math.max(1, Math.min(cap, start));
    }

    /**
     * One attempt ended at `now`, with `inFlight` attempts (this one included) holding slots. Returns
     * how long the slot stays taken (a throttled attempt keeps it until Graph said to come back).
     */
    observe(outcome: AttemptOutcome, now: number, inFlight: number): number {
        const sentAt = now - outcome.latencyMs;
        if (isThrottle(outcome.status)) {
            this.cut(THROTTLE_CUT, sentAt, now);
            return Math.min(outcome.retryAfterMs ?? HOLD_WITHOUT_RETRY_AFTER_MS, MAX_HOLD_MS);
        }
        // Graph's warning that the budget is nearly spent: the same cut as a 429, before the 429
        // (the answer itself came through, so its slot frees at once).
        if (outcome.throttlePercentage !== undefined && outcome.throttlePercentage >= THROTTLE_WARNING) {
            this.cut(0.5, sentAt, now);
            return 0;
        }
        // A transport failure's time says nothing about Graph's latency, and is not a reason to grow.
        if (outcome.status === undefined) return 0;
        const latency = Math.max(0, outcome.latencyMs);
        this.baselineMs =
            this.baselineMs === undefined ? latency : Math.min(latency, this.baselineMs + (latency - this.baselineMs) * BASELINE_DRIFT);
        this.smoothedMs = this.smoothedMs === undefined ? latency : this.smoothedMs + (latency - this.smoothedMs) * SMOOTHING;
        // The first answers include connection set-up and the process warming up: not a trend yet.
        if (++this.samples < WARM_UP_SAMPLES) return this.grow(inFlight);
        // "Rising" is both relative and absolute, so a 1 ms baseline on loopback does not react to noise.
        // A moderate rise (new connections' TLS handshakes, a busy event loop) stops growth; a
        // large one cuts. Either way slow start goes on: only Graph saying "throttled" ends it.
        const rise = this.smoothedMs - this.baselineMs;
        if (this.smoothedMs > this.baselineMs * LARGE_RISE_FACTOR && rise > LARGE_RISE_MS) {
            this.cut(LATENCY_CUT, sentAt, now, false);
            return 0;
        }
        if (this.smoothedMs > this.baselineMs * MODERATE_RISE_FACTOR && rise > MODERATE_RISE_MS) return 0;
        return this.grow(inFlight);
    }

    private grow(inFlight: number): 0 {
        // Only when the limit is what holds requests back; an idle limit would grow without meaning.
        if (inFlight >= this.limit * GROW_WHEN_IN_USE) this.limit = Math.min(this.cap, this.limit + (this.slowStart ? 1 : 1 / this.limit));
        return 0;
    }

    private cut(factor: number, sentAt: number, now: number, endSlowStart = true): void {
        if (endSlowStart) this.slowStart = false;
        if (sentAt < this.lastCutAt) return;
        this.lastCutAt = now;
        this.limit = Math.max(1, Math.floor(this.limit * factor));
    }
}

interface Waiter {
    grant: (slot: Slot) => void;
}

/**
 * A counting semaphore whose size is the controller's limit. Waiters are served in order; a
 * waiter whose signal aborts leaves the queue.
 */
export class Limiter {
    readonly controller: ConcurrencyController;
    private active = 0;
    private readonly waiting: Waiter[] = [];
    /** The most slots taken at once (for the benchmark). */
    peak = 0;
    /** Slots now held after a throttled answer (for the error when no slot frees in time). */
    heldForThrottling = 0;

    constructor(cap: number, start?: number) {
        this.controller = new ConcurrencyController(cap, start);
    }

    get inFlight(): number {
        return this.active;
    }

    /** Waits for a slot; rejects with the signal's reason if it aborts first. */
    acquire(signal?: AbortSignal): Promise<Slot> {
        if (signal?.aborted) return Promise.reject(signal.reason);
        if (this.active < Math.floor(this.controller.limit) && this.waiting.length === 0) return Promise.resolve(this.take());
        return new Promise<Slot>((resolve, reject) => {
            // No forward reference between the two closures: Pulumi's closure serialization (the
            // source-tree case) cannot capture a const before its declaration.
            const waiter: Waiter = { grant: resolve };
            if (signal) {
                const onAbort = (): void => {
                    const i = this.waiting.indexOf(waiter);
                    if (i >= 0) this.waiting.splice(i, 1);
                    reject(signal.reason);
                };
                signal.addEventListener("abort", onAbort, { once: true });
                waiter.grant = (slot) => {
                    signal.removeEventListener("abort", onAbort);
                    resolve(slot);
                };
            }
            this.waiting.push(waiter);
        });
    }

    private take(): Slot {
        this.active++;
        this.peak = Math.max(this.peak, this.active);
        let released = false;
        return {
            release: (outcome) => {
                if (released) return;
                released = true;
                const holdMs = this.controller.observe(outcome, Date.now(), this.active);
                // unref: a held slot must not keep a finished process alive.
                if (holdMs > 0) {
                    this.heldForThrottling++;
                    setTimeout(() => {
                        this.heldForThrottling--;
                        this.free();
                    }, holdMs).unref?.();
                } else this.free();
            },
        };
    }

    private free(): void {
        this.active--;
        this.pump();
    }

    private pump(): void {
        while (this.waiting.length > 0 && this.active < Math.floor(this.controller.limit)) this.waiting.shift()!.grant(this.take());
    }
}
