/**
 * pulumi-entra-sync: where things live (each one hop from here).
 *
 * - syncJobStart.ts  the resource class `SyncJobStart` and its documented `SyncJobStartArgs`
 * - provider.ts      the dynamic provider Pulumi serializes: thin, every method delegates to operations.ts
 * - operations.ts    configure/check/diff/create/update/read/delete: what each does, in order; per-process state
 * - job/             one job on Graph: view.ts (Graph's job JSON → outputs; isRunning), client.ts
 *                    (JobClient, bound to a session and a job: read, one POST, pause, refresh, 404
 *                    diagnosis), waits.ts (waitFor "active" and "cycle"), actions.ts (start and
 *                    restart, each POST at most once)
 * - graph/           the only code that talks HTTP to Graph: session.ts (client, `call`: the attempt
 *                    loop within one deadline), retry.ts (`decide`: what a failed attempt means, pure),
 *                    call.ts (GraphCall, OutcomeUnknown), deadline.ts (an operation's AbortSignal),
 *                    limiter.ts (requests in flight), transport.ts (middleware: token only to Graph, no
 *                    redirects, body read inside the attempt), explain.ts (Graph answers → the classes below)
 * - credentials.ts   which credential, from azuread:* config, ARM_* and AZURE_* variables; token cache
 * - settings.ts      every ENTRA_SYNC_* variable the provider reads, with its default
 * - inputs.ts        allowed values, defaults, and check's validation (pure)
 * - diff.ts          what changed and whether to start (pure; diff and update share it)
 * - triggers.ts      canonical comparison of trigger values (pure)
 * - clouds.ts        environment → Graph and authority hosts (pure)
 * - errors.ts        the error classes, each with a message that ends with the fix
 */
export { SyncJobStart } from "./syncJobStart";
export type { SyncJobStartArgs } from "./syncJobStart";
export {
    SyncJobStartError,
    InvalidInputError,
    ConfigurationError,
    OidcTokenError,
    IncompleteStateError,
    GraphRequestError,
    TokenRejectedError,
    PermissionError,
    ServicePrincipalNotFoundError,
    JobNotFoundError,
    ThrottledError,
    TransportError,
    CredentialError,
    JobQuarantinedError,
    WaitTimeoutError,
    RunFailedError,
    PartialStartError,
    RestartUnconfirmedError,
} from "./errors";
export type { GraphRequestInfo, SyncJobStartErrorOptions } from "./errors";
export { ENVIRONMENTS, ENVIRONMENT_NAMES } from "./clouds";
export type { Environment } from "./clouds";
export { START_POLICIES, WAIT_FOR, ON_DELETE, API_VERSIONS, RESET_SCOPES } from "./inputs";
export type { StartPolicy, WaitFor, OnDelete, ApiVersion, ResetScope, LastRun } from "./inputs";
export { MAX_TRIGGERS_BYTES } from "./triggers";
