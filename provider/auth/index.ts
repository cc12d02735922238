/**
 * Authentication, by concern:
 * - settings.ts     azuread:* config, ARM_* and AZURE_* variables → AuthSettings → a CredentialPlan (pure; env passed in)
 * - sources.ts      the OIDC assertion and the client certificate, read at call time
 * - credential.ts   the @azure/identity credential a plan calls for
 * - token-cache.ts  one token shared by every caller, refreshed before it expires (as tokenCycler)
 */
export { planCredential, readConfig, resolveAuthSettings, scrub, SETTINGS } from "./settings";
export type { AuthSettings, CredentialKind, CredentialPlan } from "./settings";
export { certificatePem } from "./sources";
export { createCredential } from "./credential";
export type { CredentialEndpointOptions } from "./credential";
export { CachedCredential, networkCode } from "./token-cache";
