/** What one attempt reports when it gives its slot back (an adaptive limiter learns from it). */
export interface AttemptOutcome {
    /** The HTTP status; undefined for a transport failure (reset, timeout, stalled body). */
    status?: number;
    latencyMs: number;
}

export interface Slot {
    release(outcome: AttemptOutcome): void;
}

/**
 * Bounds Graph requests in flight per provider process (ENTRA_SYNC_MAX_CONCURRENCY): a counting
 * semaphore. A slot is held for one attempt, not a whole call, so a call sleeping on Retry-After
 * does not hold one.
 */
export class Limiter {
    private active = 0;
    private readonly waiting: { grant: () => void; reject: (reason: unknown) => void }[] = [];

    constructor(private readonly limit: number) {}

    /** A slot once one is free; rejects with the signal's reason if it aborts while queued. */
    acquire(signal?: AbortSignal): Promise<Slot> {
        if (signal?.aborted) return Promise.reject(signal.reason);
        if (this.active < this.limit) {
            this.active++;
            return Promise.resolve(this.slot());
        }
        return new Promise<Slot>((resolve, reject) => {
            // Declared before the closures that use it: Pulumi's closure serializer (the provider
            // runs from serialized code) cannot capture a variable used before its declaration.
            const waiter: { grant: () => void; reject: (reason: unknown) => void } = { grant: () => undefined, reject };
            const onAbort = () => {
                const index = this.waiting.indexOf(waiter);
                if (index >= 0) this.waiting.splice(index, 1);
                reject(signal!.reason);
            };
            waiter.grant = () => {
                signal?.removeEventListener("abort", onAbort);
                resolve(this.slot());
            };
            signal?.addEventListener("abort", onAbort, { once: true });
            this.waiting.push(waiter);
        });
    }

    private slot(): Slot {
        let released = false;
        return {
            release: () => {
                if (released) return;
                released = true;
                // The slot passes to the next waiter directly, so `active` stays counted.
                const next = this.waiting.shift();
                if (next) next.grant();
                else this.active--;
            },
        };
    }
}
