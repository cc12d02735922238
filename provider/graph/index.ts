/**
 * The only code that talks HTTP to Graph. session.ts: the Graph client and `call` (the attempt
 * loop); retry.ts: what a failed attempt means (`decide`, pure); call.ts: a call's description and
 * OutcomeUnknown; limiter.ts: requests in flight; transport.ts: the middleware (token only to the
 * Graph origin, no redirects, body read inside the attempt); deadline.ts: one operation's deadline;
 * explain.ts: Graph's answers → this package's error classes.
 */
export { GraphSession } from "./session";
export { OutcomeUnknown } from "./call";
export type { GraphCall } from "./call";
export { backoffMs } from "./retry";
export { Limiter } from "./limiter";
export type { Slot, AttemptOutcome } from "./limiter";
export { deadlineIn, sleepWithin } from "./deadline";
export type { Deadline } from "./deadline";
