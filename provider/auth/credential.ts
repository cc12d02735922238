/** Creating the @azure/identity credential a CredentialPlan calls for. */
import * as identity from "@azure/identity";
import type { TokenCredential } from "@azure/identity";
import { ConfigurationError, OidcTokenError } from "../errors";
import type { AuthSettings, CredentialPlan } from "./settings";
import { certificatePem, oidcAssertion } from "./sources";

/** Where the credential asks for tokens. */
export interface CredentialEndpointOptions {
    /** Origin of the Entra authority, e.g. https://login.microsoftonline.com. */
    authorityHost: string;
    /** True for a non-Microsoft authority (an emulator), which has no instance discovery endpoint. */
    disableInstanceDiscovery: boolean;
    /**
     * The process environment: read for SYSTEM_OIDCREQUESTURI, and written with
     * AZURE_POD_IDENTITY_AUTHORITY_HOST for msiEndpoint (MSAL reads that variable itself).
     */
    env: NodeJS.ProcessEnv;
}

/**
 * The token requests' own retries. @azure/core-rest-pipeline's default waits 0.8 s doubling up to
 * 64 s: a refused or reset authority would outlast timeoutSeconds before its error (the truth)
 * could be reported. Three retries from 250 ms, at most 2 s apart, fit in a few seconds.
 */
export const TOKEN_RETRY = { maxRetries: 3, retryDelayInMs: 250, maxRetryDelayInMs: 2000 };

const IMDS_TOKEN_PATH = "/metadata/identity/oauth2/token";

/**
 * azuread's msiEndpoint is the IMDS token URL. MSAL (behind ManagedIdentityCredential) takes a
 * custom IMDS host only from AZURE_POD_IDENTITY_AUTHORITY_HOST, with the token path appended, so the
 * setting is handed over that way (in the provider host's own environment, which nothing else reads).
 */
function useMsiEndpoint(settings: AuthSettings, env: NodeJS.ProcessEnv): void {
    const endpoint = settings.msiEndpoint!.replace(/\/+$/, "");
    if (!/^https?:\/\//.test(endpoint) || !endpoint.endsWith(IMDS_TOKEN_PATH)) {
        throw new ConfigurationError(
            `msiEndpoint ${endpoint} (from ${settings.sources.msiEndpoint}) is not an IMDS token URL; give one ending in ${IMDS_TOKEN_PATH}, e.g. http://169.254.169.254${IMDS_TOKEN_PATH}`,
        );
    }
    env.AZURE_POD_IDENTITY_AUTHORITY_HOST = endpoint.slice(0, -IMDS_TOKEN_PATH.length);
}

/** Builds the @azure/identity credential for a plan. */
export function createCredential(plan: CredentialPlan, settings: AuthSettings, options: CredentialEndpointOptions): TokenCredential {
    const common = {
        authorityHost: options.authorityHost,
        disableInstanceDiscovery: options.disableInstanceDiscovery,
        retryOptions: TOKEN_RETRY,
    };
    switch (plan.kind) {
        case "ClientSecretCredential":
            return new identity.ClientSecretCredential(settings.tenantId!, settings.clientId!, settings.clientSecret!, common);
        case "ClientCertificateCredential":
            return new identity.ClientCertificateCredential(
                settings.tenantId!,
                settings.clientId!,
                { certificate: certificatePem(settings) },
                common,
            );
        case "ClientAssertionCredential (OIDC)":
            return new identity.ClientAssertionCredential(settings.tenantId!, settings.clientId!, oidcAssertion(settings), common);
        case "AzurePipelinesCredential":
            // It reads SYSTEM_OIDCREQUESTURI itself; the pipeline's SYSTEM_ACCESSTOKEN is the request token.
            if (!options.env.SYSTEM_OIDCREQUESTURI || !settings.oidcRequestToken) {
                throw new OidcTokenError(
                    `adoPipelineServiceConnectionId is set (from ${settings.sources.adoPipelineServiceConnectionId}) but ${!options.env.SYSTEM_OIDCREQUESTURI ? "SYSTEM_OIDCREQUESTURI" : "SYSTEM_ACCESSTOKEN"} is not: ` +
                        "run in an Azure Pipelines job and map the token into the step (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))",
                );
            }
            return new identity.AzurePipelinesCredential(
                settings.tenantId!,
                settings.clientId!,
                settings.adoPipelineServiceConnectionId!,
                settings.oidcRequestToken ?? "",
                common,
            );
        case "WorkloadIdentityCredential":
            return new identity.WorkloadIdentityCredential({ ...common, tenantId: plan.tenantId, clientId: plan.clientId });
        case "ManagedIdentityCredential":
            if (settings.msiEndpoint) useMsiEndpoint(settings, options.env);
            return settings.clientId
                ? new identity.ManagedIdentityCredential({ clientId: settings.clientId })
                : new identity.ManagedIdentityCredential();
        case "AzureCliCredential":
            return new identity.AzureCliCredential({ tenantId: settings.tenantId });
        default:
            return new identity.DefaultAzureCredential({ ...common, tenantId: settings.tenantId });
    }
}
