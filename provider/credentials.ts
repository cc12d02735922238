import * as identity from "@azure/identity";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import * as fs from "fs";
import type * as Forge from "node-forge";
import { ConfigurationError, CredentialError, OidcTokenError } from "./errors";

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
export const BOOLEAN_KEYS: Key[] = ["useOidc", "useMsi", "useCli", "useAksWorkloadIdentity"];
/** Values never shown anywhere (scrubbed from error text). */
export const SECRET_KEYS: Key[] = ["clientSecret", "clientCertificate", "clientCertificatePassword", "oidcToken", "oidcRequestToken"];

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

/** Which credential the settings call for (pure): the azuread provider's order, then DefaultAzureCredential. */
export function planCredential(settings: AuthSettings): CredentialPlan {
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
        const tenantId = settings.tenantId ?? process.env.AZURE_TENANT_ID;
        const clientId = settings.clientId ?? process.env.AZURE_CLIENT_ID;
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
        tenantId: settings.tenantId ?? process.env.AZURE_TENANT_ID,
        clientId: settings.clientId ?? process.env.AZURE_CLIENT_ID,
        description:
            "DefaultAzureCredential (AZURE_* variables, workload identity, managed identity or az login; no azuread:* or ARM_* client credentials were found)",
    };
}

/**
 * Where the OIDC client assertion comes from: a token, a file (re-read each time: it is rotated), or
 * GitHub's token service. MSAL asks for the assertion more than once per token request, so a
 * fetched GitHub ID token is reused for a minute (they are valid for several).
 */
function oidcAssertion(settings: AuthSettings): () => Promise<string> {
    let fetched: { value: string; until: number } | undefined;
    return async () => {
        if (settings.oidcToken) return settings.oidcToken;
        if (settings.oidcTokenFilePath) return fs.readFileSync(settings.oidcTokenFilePath, "utf8").trim();
        if (!fetched || Date.now() > fetched.until) fetched = { value: await githubIdToken(settings), until: Date.now() + 60_000 };
        return fetched.value;
    };
}

async function githubIdToken(settings: AuthSettings): Promise<string> {
    if (settings.oidcRequestUrl && settings.oidcRequestToken) {
        // GitHub Actions: exchange the job's request token for an ID token with Entra's audience.
        const url = new URL(settings.oidcRequestUrl);
        url.searchParams.set("audience", "api://AzureADTokenExchange");
        const response = await fetch(url, {
            headers: { Authorization: `Bearer ${settings.oidcRequestToken}`, Accept: "application/json" },
        });
        if (!response.ok) throw new OidcTokenError(`the OIDC token request to ${url.origin} answered ${response.status}`);
        const body = (await response.json()) as { value?: string };
        if (!body.value) throw new OidcTokenError("the OIDC token request returned no token");
        return body.value;
    }
    throw new OidcTokenError(
        "useOidc is set but there is no token: set azuread:oidcToken, azuread:oidcTokenFilePath, ARM_OIDC_TOKEN(_FILE_PATH), or run in GitHub Actions with permissions: id-token: write",
    );
}

/**
 * The client certificate as PEM (key and certificate). @azure/identity reads PEM only; the azuread
 * provider's clientCertificatePath is usually a PFX (PKCS#12), so a PFX is converted in memory.
 */
export function certificatePem(settings: AuthSettings): string {
    const inline = !settings.clientCertificatePath;
    const file = inline ? "the inline certificate" : settings.clientCertificatePath!;
    const origin = inline ? settings.sources.clientCertificate : settings.sources.clientCertificatePath;
    const raw = inline ? inlineCertificate(settings) : fs.readFileSync(file);
    if (raw.subarray(0, 64).toString("latin1").includes("-----BEGIN")) return raw.toString("utf8");
    // Loaded only for a PFX: ~20 ms of the provider host's start that every other credential would pay.
    const forge = require("node-forge") as typeof Forge;
    let p12: Forge.pkcs12.Pkcs12Pfx;
    try {
        p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(raw.toString("binary")), settings.clientCertificatePassword ?? "");
    } catch (e) {
        // No `cause`: forge's error may carry MACs derived from the password. Its message is safe.
        throw new ConfigurationError(
            `${file} (from ${origin}) is neither PEM nor a PFX that opens with the given password: ${(e as Error).message}`,
        );
    }
    const keyBag =
        (p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? [])[0] ??
        (p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? [])[0];
    const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
    if (!keyBag?.key || certBags.length === 0) throw new ConfigurationError(`${file} holds no private key and certificate`);
    return forge.pki.privateKeyToPem(keyBag.key) + certBags.map((b) => forge.pki.certificateToPem(b.cert!)).join("");
}

/** Where the credential asks for tokens. */
export interface CredentialEndpointOptions {
    /** Origin of the Entra authority, e.g. https://login.microsoftonline.com. */
    authorityHost: string;
    /** True for a non-Microsoft authority (an emulator), which has no instance discovery endpoint. */
    disableInstanceDiscovery: boolean;
}

/** The PFX behind azuread's inline clientCertificate (base64), or a ConfigurationError naming the setting. */
function inlineCertificate(settings: AuthSettings): Buffer {
    const text = settings.clientCertificate!.replace(/\s+/g, "");
    const raw = Buffer.from(text, "base64");
    if (raw.length === 0 || raw.toString("base64").replace(/=+$/, "") !== text.replace(/=+$/, "")) {
        throw new ConfigurationError(
            `the client certificate from ${settings.sources.clientCertificate} is not base64; give the PFX (PKCS#12) file base64-encoded (base64 -w0 cert.pfx), or use clientCertificatePath`,
        );
    }
    return raw;
}

const IMDS_TOKEN_PATH = "/metadata/identity/oauth2/token";

/**
 * azuread's msiEndpoint is the IMDS token URL. MSAL (behind ManagedIdentityCredential) takes a
 * custom IMDS host only from AZURE_POD_IDENTITY_AUTHORITY_HOST, with the token path appended, so the
 * setting is handed over that way (in the provider host's own environment, which nothing else reads).
 */
function useMsiEndpoint(settings: AuthSettings): void {
    const endpoint = settings.msiEndpoint!.replace(/\/+$/, "");
    if (!/^https?:\/\//.test(endpoint) || !endpoint.endsWith(IMDS_TOKEN_PATH)) {
        throw new ConfigurationError(
            `msiEndpoint ${endpoint} (from ${settings.sources.msiEndpoint}) is not an IMDS token URL; give one ending in ${IMDS_TOKEN_PATH}, e.g. http://169.254.169.254${IMDS_TOKEN_PATH}`,
        );
    }
    process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = endpoint.slice(0, -IMDS_TOKEN_PATH.length);
}

/** Builds the @azure/identity credential for a plan. */
export function createCredential(plan: CredentialPlan, settings: AuthSettings, options: CredentialEndpointOptions): TokenCredential {
    const common = {
        authorityHost: options.authorityHost,
        disableInstanceDiscovery: options.disableInstanceDiscovery,
        // @azure/core-rest-pipeline's default retry waits 0.8 s doubling up to 64 s: a refused or reset
        // authority would outlast timeoutSeconds before its error (the truth) could be reported.
        retryOptions: { maxRetries: 3, retryDelayInMs: 250, maxRetryDelayInMs: 2000 },
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
            if (!process.env.SYSTEM_OIDCREQUESTURI || !settings.oidcRequestToken) {
                throw new OidcTokenError(
                    `adoPipelineServiceConnectionId is set (from ${settings.sources.adoPipelineServiceConnectionId}) but ${!process.env.SYSTEM_OIDCREQUESTURI ? "SYSTEM_OIDCREQUESTURI" : "SYSTEM_ACCESSTOKEN"} is not: ` +
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
            if (settings.msiEndpoint) useMsiEndpoint(settings);
            return settings.clientId
                ? new identity.ManagedIdentityCredential({ clientId: settings.clientId })
                : new identity.ManagedIdentityCredential();
        case "AzureCliCredential":
            return new identity.AzureCliCredential({ tenantId: settings.tenantId });
        default:
            return new identity.DefaultAzureCredential({ ...common, tenantId: settings.tenantId });
    }
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

/** A token request shared by concurrent callers, and whether it has been given up on. */
interface SharedRequest {
    promise: Promise<AccessToken>;
    /** Aborts when the caller that started it reaches its deadline: the others stop waiting on it. */
    abandoned: AbortController;
}

/**
 * A TokenCredential that shares one token among all callers: concurrent requests wait for one token
 * request, and the token is renewed before it expires. @azure/identity does not de-duplicate
 * concurrent getToken calls, so without this 50 parallel creates would ask for 50 tokens.
 *
 * Each caller waits at most until its own `abortSignal` (its operation's deadline). The signal is
 * not handed to @azure/identity: for client secret, certificate and assertion flows,
 * msalClient.js calls MSAL's acquireTokenByClientCredential without it, and MSAL's network client
 * (IdentityClient) aborts only through its own per-correlation controllers, so a hung authority
 * (or a TLS handshake that never completes) would hold the call for as long as the socket lives.
 * Hence the race here: a waiter leaves at its deadline; the shared request is abandoned (never
 * reused) once the deadline of the caller that started it passes, and the next caller starts anew.
 */
export class CachedCredential implements TokenCredential {
    private token?: AccessToken & { renewAt: number };
    private shared?: SharedRequest;
    private inner: TokenCredential;

    /** `create` builds the @azure/identity credential; called again after a rejected token, because MSAL's own cache would hand the same token back. */
    constructor(
        private readonly create: () => TokenCredential,
        readonly plan: CredentialPlan,
        private readonly settings: AuthSettings,
        /** The authority's origin, for "no answer from …" messages. */
        readonly authorityHost?: string,
    ) {
        this.inner = create();
    }

    get description(): string {
        return this.plan.description;
    }

    get tenantId(): string | undefined {
        return this.plan.tenantId;
    }

    /** Graph refused `token` (401): forget it, and start from a fresh credential so MSAL's cache does not return it again. */
    invalidate(token: string): void {
        if (this.token?.token === token) {
            this.token = undefined;
            this.inner = this.create();
        }
    }

    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
        // @azure/identity types it as AbortSignalLike; what reaches here is a real AbortSignal.
        const signal = options?.abortSignal as AbortSignal | undefined;
        for (;;) {
            if (signal?.aborted) throw this.timedOut(signal.reason);
            if (!options?.claims && this.token && Date.now() < this.token.renewAt) return this.token;
            const shared = options?.claims ? this.start(scopes, options) : (this.shared ??= this.start(scopes, options));
            try {
                const stop = signal ? AbortSignal.any([signal, shared.abandoned.signal]) : shared.abandoned.signal;
                return await raceAbort(shared.promise, stop);
            } catch (e) {
                if (signal?.aborted) throw this.timedOut(signal.reason);
                // The request someone else started was given up at their deadline; ours is later: ask again.
                if (shared.abandoned.signal.aborted) continue;
                throw e;
            }
        }
    }

    private start(scopes: string | string[], options?: GetTokenOptions): SharedRequest {
        const request: SharedRequest = { promise: Promise.resolve() as unknown as Promise<AccessToken>, abandoned: new AbortController() };
        const signal = options?.abortSignal as AbortSignal | undefined;
        const forget = () => {
            if (this.shared === request) this.shared = undefined;
        };
        const onAbort = () => {
            forget();
            request.abandoned.abort();
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        request.promise = this.fetch(scopes, options?.claims).finally(() => {
            signal?.removeEventListener("abort", onAbort);
            forget();
        });
        // Nobody may be waiting any more when an abandoned request finally fails.
        request.promise.catch(() => undefined);
        return request;
    }

    private timedOut(reason: unknown): CredentialError {
        const seconds = (reason as { seconds?: number })?.seconds;
        return new CredentialError(
            this.plan.description,
            this.plan.tenantId,
            `no token from ${this.authorityHost ?? "the authority"} within the ${seconds !== undefined ? `${seconds} s ` : ""}timeoutSeconds (the token endpoint did not answer, or its TLS handshake never completed). ` +
                "Check the network path to the authority (proxy, firewall, authorityHost), or raise timeoutSeconds (ENTRA_SYNC_TIMEOUT_SECONDS).",
        );
    }

    private async fetch(scopes: string | string[], claims?: string): Promise<AccessToken> {
        let token: AccessToken | null;
        const started = Date.now();
        const inner = this.inner;
        try {
            token = await inner.getToken(scopes, claims ? { claims } : undefined);
        } catch (e) {
            const message = (e as Error).message ?? String(e);
            const network = networkCode(e);
            throw new CredentialError(
                this.plan.description,
                this.plan.tenantId,
                network
                    ? `the authority ${this.authorityHost ?? ""} could not be reached (${network}): a network failure, not a wrong secret. ` +
                          "Check the network path to the authority (proxy, firewall, authorityHost) and run the update again."
                    : scrub(firstLines(message), this.settings) +
                          " Check the client id, tenant and secret/certificate, or which credential is configured (see the README's Authentication table).",
            );
        }
        if (!token) throw new CredentialError(this.plan.description, this.plan.tenantId, "no token was returned");
        const lifetime = token.expiresOnTimestamp - started;
        // Renew at refreshAfterTimestamp when given, else with a margin of 5 minutes (or half the lifetime if shorter).
        const renewAt = token.refreshAfterTimestamp ?? token.expiresOnTimestamp - Math.min(5 * 60_000, lifetime / 2);
        if (inner === this.inner) this.token = { ...token, renewAt };
        return token;
    }
}

/**
 * Whether an @azure/identity failure was the network, not the authority's verdict. MSAL reports a
 * failed request as a ClientAuthError "network_error" (or the Node error's code in the text), which
 * @azure/identity wraps in an AuthenticationError with status 400: that status is not the authority's.
 */
export function networkCode(error: unknown): string | undefined {
    const seen = new Set<unknown>();
    let current: unknown = error;
    const text: string[] = [];
    while (current && typeof current === "object" && !seen.has(current)) {
        seen.add(current);
        const e = current as {
            code?: unknown;
            errorCode?: unknown;
            message?: unknown;
            cause?: unknown;
            errorResponse?: { error_description?: unknown };
        };
        for (const value of [e.code, e.errorCode]) if (typeof value === "string") text.push(value);
        if (typeof e.message === "string") text.push(e.message);
        if (typeof e.errorResponse?.error_description === "string") text.push(e.errorResponse.error_description);
        current = e.cause;
    }
    const all = text.join(" ");
    const code =
        /\b(ECONNRESET|ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|UND_ERR_SOCKET|UND_ERR_CONNECT_TIMEOUT)\b/.exec(
            all,
        );
    if (code) return code[1];
    // MSAL's wording when the authority's OpenID metadata could not be fetched (it keeps no cause).
    if (/endpoints_resolution_error/.test(all)) return "endpoints_resolution_error: its OpenID metadata could not be fetched";
    if (/network_error|network request failed|socket hang up/i.test(all)) return "network error";
    return undefined;
}

/** Settles with `promise`, or rejects with the signal's reason when it aborts first. */
function raceAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
    if (!signal) return promise;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        promise.then(
            (value) => (signal.removeEventListener("abort", onAbort), resolve(value)),
            (error) => (signal.removeEventListener("abort", onAbort), reject(error)),
        );
    });
}

function firstLines(text: string): string {
    const lines = text
        .split("\n")
        .map((line) => line.trim())
        .filter(Boolean);
    const joined = lines.slice(0, 3).join(" ");
    return joined.length > 600 ? `${joined.slice(0, 600)}…` : joined;
}
