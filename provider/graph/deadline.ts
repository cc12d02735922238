/**
 * One operation's deadline: an AbortSignal (what fetch, the limiter and the token wait take) and the
 * moment it fires (what clipping a sleep or an attempt's timer needs; a signal does not expose it).
 */
export interface Deadline {
    signal: AbortSignal;
    /** Epoch ms at which `signal` aborts. */
    at: number;
    /** The bound as the user gave it, for messages ("within the 120 s timeoutSeconds"). */
    seconds: number;
    /** When the operation began, for "after N attempts in X s". */
    startedAt: number;
}

/** The reason a deadline's signal aborts with: recognisable, and worded for the error text. */
export class DeadlineExceeded extends Error {
    override name = "DeadlineExceeded";
    constructor(readonly seconds: number) {
        super(`the operation's ${seconds} s timeoutSeconds ran out`);
    }
}

/** A deadline `seconds` from now; `parent` (e.g. the operation's) may end it earlier. */
export function deadlineIn(seconds: number, parent?: Deadline): Deadline {
    const now = Date.now();
    const ms = Math.max(0, seconds * 1000);
    const controller = new AbortController();
    // The reason is made when the deadline passes: an Error captures a stack trace, per operation.
    const timer = setTimeout(() => controller.abort(new DeadlineExceeded(seconds)), ms);
    // A pending deadline must not keep a finished provider process alive.
    timer.unref?.();
    const signal = parent ? AbortSignal.any([controller.signal, parent.signal]) : controller.signal;
    const at = parent ? Math.min(now + ms, parent.at) : now + ms;
    return { signal, at, seconds, startedAt: parent?.startedAt ?? now };
}

/**
 * One attempt's signal: aborts when `parent` (the operation's deadline) does, or after `ms` with a
 * TimeoutError, as AbortSignal.any([parent, AbortSignal.timeout(ms)]) would. Written out because
 * that pair costs two extra signals per attempt (each made transferable, the combination tracked by
 * weak references until collected), which the benchmark's profile showed at thousands of attempts.
 * Call dispose() once the attempt is over: it clears the timer and the listener.
 */
export function attemptSignal(parent: AbortSignal, ms: number): { signal: AbortSignal; dispose: () => void } {
    const controller = new AbortController();
    if (parent.aborted) {
        controller.abort(parent.reason);
        return { signal: controller.signal, dispose: () => undefined };
    }
    const onAbort = () => controller.abort(parent.reason);
    const timer = setTimeout(() => controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")), ms);
    timer.unref?.();
    parent.addEventListener("abort", onAbort, { once: true });
    return {
        signal: controller.signal,
        dispose: () => {
            clearTimeout(timer);
            parent.removeEventListener("abort", onAbort);
        },
    };
}

export function remainingMs(deadline: Deadline): number {
    return Math.max(0, deadline.at - Date.now());
}

/** Sleeps `ms`, or rejects with the deadline's reason if it passes first. */
export function sleepWithin(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason);
        // Declared before use (Pulumi's closure serializer refuses a variable used before its declaration).
        let timer: NodeJS.Timeout | undefined = undefined;
        const onAbort = () => {
            clearTimeout(timer);
            reject(signal.reason);
        };
        timer = setTimeout(() => {
            signal.removeEventListener("abort", onAbort);
            resolve();
        }, ms);
        signal.addEventListener("abort", onAbort, { once: true });
    });
}
