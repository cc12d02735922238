/** Bounds Graph requests in flight per provider process (ENTRA_SYNC_MAX_CONCURRENCY): a counting semaphore. */
export class Limiter {
    private active = 0;
    private readonly waiting: (() => void)[] = [];

    constructor(private readonly limit: number) {}

    /** Runs `task` once a slot is free, and frees the slot (to the next waiter first) when it settles. */
    async run<T>(task: () => Promise<T>): Promise<T> {
        if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
        else this.active++;
        try {
            return await task();
        } finally {
            const next = this.waiting.shift();
            if (next) next();
            else this.active--;
        }
    }
}
