/**
 * The only code that talks HTTP to Graph. session.ts: the Graph client and `call`; limiter.ts:
 * requests in flight; transport.ts: the middleware (token only to the Graph origin, no redirects, body read inside the attempt);
 * deadline.ts: one operation's deadline;
 * explain.ts: the Graph client's errors → this package's error classes.
 */
export { GraphSession } from "./session";
export type { GraphCall } from "./session";
export { Limiter } from "./limiter";
export type { Slot, AttemptOutcome } from "./limiter";
export { deadlineIn } from "./deadline";
export type { Deadline } from "./deadline";
