/**
 * Settings resolution (pure but for reading the *FilePath files): azuread:* stack config, ARM_*
 * variables and, where @azure/identity reads them itself, AZURE_* variables, into one AuthSettings;
 * which credential they call for (a CredentialPlan); and scrubbing secret values from text.
 * The environment is always passed in: nothing here reads process.env.
 */
import * as fs from "fs";
import { ConfigurationError } from "../errors";

/** The azuread provider's settings, as this package reads them. */
export interface AuthSettings {
    tenantId?: string;
    clientId?: string;
    clientIdFilePath?: string;
    clientSecret?: string;
    clientSecretFilePath?: string;
    clientCertificatePath?: string;
    /** Inline base64 PKCS#12 (PFX), as azuread's clientCertificate. */
    clientCertificate?: string;
    clientCertificatePassword?: string;
    useOidc?: boolean;
    oidcToken?: string;
    oidcTokenFilePath?: string;
    oidcRequestUrl?: string;
    oidcRequestToken?: string;
    /** Azure DevOps workload identity: the service connection (with SYSTEM_ACCESSTOKEN and SYSTEM_OIDCREQUESTURI). */
    adoPipelineServiceConnectionId?: string;
    useAksWorkloadIdentity?: boolean;
    useMsi?: boolean;
    msiEndpoint?: string;
    useCli?: boolean;
    environment?: string;
    /** Where each setting came from ("azuread:clientId", "ARM_CLIENT_ID"), for error messages. */
    sources: Record<string, string>;
}

type Key = Exclude<keyof AuthSettings, "sources">;

/** Setting → its azuread config key and environment variables, in the order they are consulted. */
export const SETTINGS: [Key, string, string[]][] = [
    ["tenantId", "azuread:tenantId", ["ARM_TENANT_ID"]],
    ["clientId", "azuread:clientId", ["ARM_CLIENT_ID"]],
    ["clientIdFilePath", "azuread:clientIdFilePath", ["ARM_CLIENT_ID_FILE_PATH"]],
    ["clientSecret", "azuread:clientSecret", ["ARM_CLIENT_SECRET"]],
    ["clientSecretFilePath", "azuread:clientSecretFilePath", ["ARM_CLIENT_SECRET_FILE_PATH"]],
    ["clientCertificatePath", "azuread:clientCertificatePath", ["ARM_CLIENT_CERTIFICATE_PATH"]],
    ["clientCertificate", "azuread:clientCertificate", ["ARM_CLIENT_CERTIFICATE"]],
    ["clientCertificatePassword", "azuread:clientCertificatePassword", ["ARM_CLIENT_CERTIFICATE_PASSWORD"]],
    ["useOidc", "azuread:useOidc", ["ARM_USE_OIDC"]],
    ["oidcToken", "azuread:oidcToken", ["ARM_OIDC_TOKEN"]],
    ["oidcTokenFilePath", "azuread:oidcTokenFilePath", ["ARM_OIDC_TOKEN_FILE_PATH"]],
    ["oidcRequestUrl", "azuread:oidcRequestUrl", ["ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL"]],
    ["oidcRequestToken", "azuread:oidcRequestToken", ["ARM_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "SYSTEM_ACCESSTOKEN"]],
    [
        "adoPipelineServiceConnectionId",
        "azuread:adoPipelineServiceConnectionId",
        ["ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID", "ARM_OIDC_AZURE_SERVICE_CONNECTION_ID"],
    ],
    ["useAksWorkloadIdentity", "azuread:useAksWorkloadIdentity", ["ARM_USE_AKS_WORKLOAD_IDENTITY"]],
    ["useMsi", "azuread:useMsi", ["ARM_USE_MSI"]],
    ["msiEndpoint", "azuread:msiEndpoint", ["ARM_MSI_ENDPOINT"]],
    ["useCli", "azuread:useCli", ["ARM_USE_CLI"]],
    ["environment", "azuread:environment", ["ARM_ENVIRONMENT"]],
];
const BOOLEAN_KEYS: Key[] = ["useOidc", "useMsi", "useCli", "useAksWorkloadIdentity"];
/** Values never shown anywhere (scrubbed from error text). */
const SECRET_KEYS: Key[] = ["clientSecret", "clientCertificate", "clientCertificatePassword", "oidcToken", "oidcRequestToken"];

/** Reads the azuread:* keys from the stack config handed to configure (synchronously). */
export function readConfig(config: { get(key: string): string | undefined }): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [, configKey] of SETTINGS) {
        const value = config.get(configKey);
        if (value !== undefined && value !== "") out[configKey] = value;
    }
    return out;
}

/** Per setting, first match wins: azuread:* stack config, then ARM_* variables. */
export function resolveAuthSettings(config: Record<string, string>, env: NodeJS.ProcessEnv): AuthSettings {
    const settings: AuthSettings = { sources: {} };
    for (const [key, configKey, envKeys] of SETTINGS) {
        let raw: string | undefined;
        let source: string | undefined;
        if (config[configKey] !== undefined) [raw, source] = [config[configKey], configKey];
        else {
            const envKey = envKeys.find((name) => env[name] !== undefined && env[name] !== "");
            if (envKey) [raw, source] = [env[envKey], envKey];
        }
        if (raw === undefined || source === undefined) continue;
        (settings as unknown as Record<string, unknown>)[key] = BOOLEAN_KEYS.includes(key) ? /^(true|1|yes)$/i.test(raw.trim()) : raw;
        settings.sources[key] = source;
    }
    // azuread's *FilePath settings: the value itself wins, as in azuread; the file is read at call time (it may be rotated).
    for (const [key, fileKey] of [
        ["clientId", "clientIdFilePath"],
        ["clientSecret", "clientSecretFilePath"],
    ] as const) {
        const file = settings[fileKey];
        if (settings[key] !== undefined || !file) continue;
        try {
            settings[key] = fs.readFileSync(file, "utf8").trim();
        } catch (e) {
            throw new ConfigurationError(
                `cannot read ${file} (from ${settings.sources[fileKey]}): ${(e as NodeJS.ErrnoException).code ?? "unreadable"}. Fix the path or set ${fileKey.replace("FilePath", "")} instead.`,
            );
        }
        settings.sources[key] = `${settings.sources[fileKey]} (${file})`;
    }
    return settings;
}

export type CredentialKind =
    | "ClientSecretCredential"
    | "ClientCertificateCredential"
    | "ClientAssertionCredential (OIDC)"
    | "AzurePipelinesCredential"
    | "WorkloadIdentityCredential"
    | "ManagedIdentityCredential"
    | "AzureCliCredential"
    | "DefaultAzureCredential";

export interface CredentialPlan {
    kind: CredentialKind;
    tenantId?: string;
    clientId?: string;
    /** Human description without secrets, e.g. "ClientSecretCredential (client … from azuread:clientId, secret from ARM_CLIENT_SECRET)". */
    description: string;
}

/**
 * Which credential the settings call for (pure): the azuread provider's order, then
 * DefaultAzureCredential. `env` gives the AZURE_* variables that workload identity and
 * DefaultAzureCredential read themselves (the provider passes its process environment).
 */
export function planCredential(settings: AuthSettings, env: NodeJS.ProcessEnv = {}): CredentialPlan {
    const from = (key: Key) => settings.sources[key] ?? "?";
    const client = settings.clientId ? `client ${settings.clientId} from ${from("clientId")}` : "";
    const withTenant = (kind: CredentialKind, extra: string): CredentialPlan => ({
        kind,
        tenantId: settings.tenantId,
        clientId: settings.clientId,
        description: `${kind} (${[client, extra, settings.tenantId ? `tenant from ${from("tenantId")}` : ""].filter(Boolean).join(", ")})`,
    });
    if (settings.clientId && settings.tenantId) {
        if (settings.clientCertificatePath)
            return withTenant("ClientCertificateCredential", `certificate from ${from("clientCertificatePath")}`);
        if (settings.clientCertificate) return withTenant("ClientCertificateCredential", `certificate from ${from("clientCertificate")}`);
        if (settings.clientSecret) return withTenant("ClientSecretCredential", `secret from ${from("clientSecret")}`);
        if (settings.adoPipelineServiceConnectionId) {
            return withTenant(
                "AzurePipelinesCredential",
                `service connection ${settings.adoPipelineServiceConnectionId} from ${from("adoPipelineServiceConnectionId")}`,
            );
        }
        if (settings.useOidc) {
            const source = settings.oidcToken
                ? from("oidcToken")
                : settings.oidcTokenFilePath
                  ? from("oidcTokenFilePath")
                  : settings.oidcRequestUrl
                    ? from("oidcRequestUrl")
                    : "none found";
            return withTenant("ClientAssertionCredential (OIDC)", `token from ${source}`);
        }
    }
    if (settings.useAksWorkloadIdentity) {
        // AKS injects AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE; azuread:* values win.
        const tenantId = settings.tenantId ?? env.AZURE_TENANT_ID;
        const clientId = settings.clientId ?? env.AZURE_CLIENT_ID;
        return {
            kind: "WorkloadIdentityCredential",
            tenantId,
            clientId,
            description: `WorkloadIdentityCredential (client ${clientId ?? "none"} from ${settings.clientId ? from("clientId") : "AZURE_CLIENT_ID"}, token file from AZURE_FEDERATED_TOKEN_FILE, useAksWorkloadIdentity from ${from("useAksWorkloadIdentity")})`,
        };
    }
    if (settings.useMsi)
        return withTenant(
            "ManagedIdentityCredential",
            settings.msiEndpoint ? `endpoint ${settings.msiEndpoint} from ${from("msiEndpoint")}` : "",
        );
    if (settings.useCli) return withTenant("AzureCliCredential", "");
    return {
        kind: "DefaultAzureCredential",
        tenantId: settings.tenantId ?? env.AZURE_TENANT_ID,
        clientId: settings.clientId ?? env.AZURE_CLIENT_ID,
        description:
            "DefaultAzureCredential (AZURE_* variables, workload identity, managed identity or az login; no azuread:* or ARM_* client credentials were found)",
    };
}

/** Removes every secret setting's value from a text (error messages from deeper layers). */
export function scrub(text: string, settings: AuthSettings): string {
    let out = text;
    for (const key of SECRET_KEYS) {
        const value = settings[key];
        if (typeof value === "string" && value.length >= 4) out = out.split(value).join("***");
    }
    return out.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, "$1***");
}
