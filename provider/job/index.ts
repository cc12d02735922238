/**
 * One synchronization job on Graph. view.ts: Graph's job JSON → what outputs report, isRunning (pure);
 * client.ts: JobClient, bound to a session and a job: reads, one POST, pause, refresh, 404 diagnosis;
 * waits.ts: waitFor "active" and "cycle"; actions.ts: start and restart, each POST at most once.
 * Imports point down this list's reverse (actions → waits → client → view) and to graph/, never up.
 */
export { JobClient, RefreshDoubtError } from "./client";
export type { JobTarget } from "./client";
export { FailedAfterStart, restartJob, startJob } from "./actions";
export type { StartOptions, StartResult } from "./actions";
export type { JobView } from "./view";
