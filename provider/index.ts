export { SyncJobStart, SyncJobStartArgs } from "./syncJobStart";
export {
    SyncJobStartError, InvalidInputError, GraphRequestError, AuthenticationError, PermissionError,
    ServicePrincipalNotFoundError, JobNotFoundError, ThrottledError, TransportError, CredentialError,
    JobQuarantinedError, WaitTimeoutError, PartialStartError,
} from "./errors";
export { Environment, ENVIRONMENTS } from "./clouds";
export { MAX_TRIGGERS_BYTES } from "./triggers";
