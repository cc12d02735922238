/**
 * The only code that talks HTTP to Graph. session.ts: the Graph client and `call`; limiter.ts:
 * requests in flight; transport.ts: per-attempt time limit and transport retries (middleware);
 * explain.ts: the Graph client's errors → this package's error classes.
 */
export { GraphSession } from "./session";
export type { GraphCall } from "./session";
export { Limiter } from "./limiter";
export { CallBudget, TransportRetryHandler } from "./transport";
export { explain } from "./explain";
