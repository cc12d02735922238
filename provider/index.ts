export { SyncJobStart } from "./syncJobStart";
export type { SyncJobStartArgs } from "./syncJobStart";
export {
    SyncJobStartError, InvalidInputError, GraphRequestError, AuthenticationError, PermissionError,
    ServicePrincipalNotFoundError, JobNotFoundError, ThrottledError, TransportError, CredentialError,
    JobQuarantinedError, WaitTimeoutError, PartialStartError,
} from "./errors";
export type { GraphRequestInfo } from "./errors";
export { ENVIRONMENTS } from "./clouds";
export type { Environment } from "./clouds";
export type { StartPolicy, WaitFor, OnDelete, ApiVersion } from "./inputs";
export { MAX_TRIGGERS_BYTES } from "./triggers";
