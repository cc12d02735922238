import { Context, Middleware, MiddlewareOptions, RetryHandlerOptions } from "@microsoft/microsoft-graph-client";
import { setTimeout as sleep } from "timers/promises";

/** Per call: when retries must stop, and how many happened (for the error message). */
export class CallBudget implements MiddlewareOptions {
    retries = 0;
    constructor(
        readonly deadline: number,
        readonly attemptTimeoutMs: number,
    ) {}
}

/** How long a 429/503/504 asks to wait (Retry-After in seconds or as a date); 1 s when it does not say. */
export function retryAfterMs(response: Response | undefined): number {
    const header = response?.headers?.get("Retry-After");
    if (!header) return 1000;
    const seconds = Number(header);
    return Number.isNaN(seconds) ? Math.max(0, new Date(header).getTime() - Date.now()) : seconds * 1000;
}

/**
 * Options for the Graph client's RetryHandler (429/503/504): retry while the wait Graph asks for
 * still fits in the call's budget, whatever the handler's own retry count.
 */
export function budgetedRetryOptions(budget: CallBudget): RetryHandlerOptions {
    return new RetryHandlerOptions(1, 10, (_delay, _attempt, _request, _options, response: Response) => {
        const wait = retryAfterMs(response);
        if (Date.now() + wait > budget.deadline) return false;
        budget.retries++;
        return true;
    });
}

/**
 * Between the Graph client's RetryHandler and the transport: a time limit on each attempt, and
 * retries of transport failures (reset, refused, timed out), which the RetryHandler does not retry
 * because there is no response. A start is safe to repeat.
 */
export class TransportRetryHandler implements Middleware {
    private next?: Middleware;

    setNext(next: Middleware): void {
        this.next = next;
    }

    async execute(context: Context): Promise<void> {
        const budget = context.middlewareControl?.getMiddlewareOptions(CallBudget) as CallBudget | undefined;
        for (let attempt = 0; ; attempt++) {
            const limit = budget?.attemptTimeoutMs ?? 30_000;
            const controller = new AbortController();
            const timer = setTimeout(() => controller.abort(new Error(`no response within ${limit} ms`)), limit);
            try {
                context.options = { ...(context.options ?? {}), signal: controller.signal };
                await this.next!.execute(context);
                return;
            } catch (e) {
                const wait = Math.min(250 * 2 ** attempt, 4000) * (0.75 + Math.random() / 2);
                if (!budget || Date.now() + wait > budget.deadline) throw e;
                budget.retries++;
                await sleep(wait);
            } finally {
                clearTimeout(timer);
            }
        }
    }
}
