import * as crypto from "crypto";
import type { ClientRecord, Directory } from "./model";
import type { Reply } from "./reply";
import type { RouteMatch } from "./routes";

interface TokenRecord {
    clientId: string;
    tenantId: string;
    audience: string;
    expiresAt: number;
}

/** Access tokens the emulator issued, and the check Graph applies to a bearer token. */
export class TokenStore {
    private readonly live = new Map<string, TokenRecord>();
    /** Every token ever issued, revoked ones included, for tests that scan output for leaks. */
    readonly issued: string[] = [];

    constructor(public lifetimeSeconds: number) {}

    issue(grant: { clientId: string; tenantId: string; audience: string; permitted: boolean; ownedBy?: boolean }): string {
        const roles = [
            ...(grant.permitted ? ["Synchronization.ReadWrite.All"] : []),
            ...(grant.ownedBy ? ["Application.ReadWrite.OwnedBy"] : []),
        ];
        const token = makeJwt({ aud: grant.audience, tid: grant.tenantId, appid: grant.clientId, roles });
        this.live.set(token, {
            clientId: grant.clientId,
            tenantId: grant.tenantId,
            audience: grant.audience,
            expiresAt: Date.now() + this.lifetimeSeconds * 1000,
        });
        this.issued.push(token);
        return token;
    }

    /**
     * The token behind an Authorization header and, when Graph would refuse it, why (in Graph's
     * words). A token is returned even when refused, so the log can name its client.
     */
    check(authorization: string | undefined, audience: string): { token?: TokenRecord; refusal?: string } {
        const bearer = /^Bearer (.+)$/.exec(authorization ?? "");
        const token = bearer ? this.live.get(bearer[1]) : undefined;
        if (!bearer) return { refusal: "Access token is empty." };
        if (!token) return { refusal: "Invalid access token." };
        if (token.expiresAt < Date.now()) return { token, refusal: "Lifetime validation failed, the token is expired." };
        if (token.audience !== audience) return { token, refusal: `Invalid audience '${token.audience}'.` };
        return { token };
    }

    revokeAll(): void {
        this.live.clear();
    }
}

export interface EntraOptions {
    directory: Directory;
    tokens: TokenStore;
    authorityHost: string;
    githubOidc: { requestToken: string; idToken: string };
    managedIdentity: { header: string; clientId: string };
    azurePipelines: { systemAccessToken: string; serviceConnectionId: string; idToken: string };
}

/** The identity side: OIDC metadata, the token endpoint, managed identity and GitHub's OIDC service. */
export class Entra {
    constructor(private readonly options: EntraOptions) {}

    handle(route: RouteMatch, reply: Reply, request: { url: URL; body: string }): void {
        switch (route.kind) {
            case "openid":
                return this.openid(reply, route.tenant!);
            case "instanceDiscovery":
                return reply.json(400, { error: "invalid_instance", error_description: "AADSTS50049: Unknown or invalid instance." });
            case "token":
                return this.token(reply, route.tenant!, request.body);
            case "managedIdentity":
                return this.managedIdentityToken(reply, request.url);
            case "githubOidc":
                return this.githubOidcToken(reply, request.url);
            case "azurePipelinesOidc":
                return this.azurePipelinesOidcToken(reply, request.url);
            case "imds":
                if (reply.req.headers["metadata"] !== "true")
                    return reply.json(400, { error: "invalid_request", error_description: "Required metadata header not specified" });
                return this.managedIdentityToken(reply, request.url, true);
        }
        throw new Error(`route ${route.kind} is not an Entra route`);
    }

    private openid(reply: Reply, tenant: string): void {
        if (!this.options.directory.knownTenant(tenant)) {
            return reply.aadError(400, { error: "invalid_tenant", code: 90002, description: `Tenant '${tenant}' not found.` });
        }
        const base = `${this.options.authorityHost}/${tenant}`;
        reply.json(200, {
            issuer: `${base}/v2.0`,
            authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
            token_endpoint: `${base}/oauth2/v2.0/token`,
            device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
            end_session_endpoint: `${base}/oauth2/v2.0/logout`,
            jwks_uri: `${base}/discovery/v2.0/keys`,
            response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
            subject_types_supported: ["pairwise"],
            id_token_signing_alg_values_supported: ["RS256"],
            token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            scopes_supported: ["openid", "profile", "email", "offline_access"],
            tenant_region_scope: null,
            cloud_instance_name: "127.0.0.1",
        });
    }

    /** Client credentials with a secret, a certificate-signed assertion or a federated token. */
    private token(reply: Reply, tenant: string, body: string): void {
        const { directory, tokens } = this.options;
        const form = new URLSearchParams(body);
        const clientId = form.get("client_id") ?? "";
        reply.entry.clientId = clientId || undefined;
        if (!directory.knownTenant(tenant)) {
            return reply.aadError(400, { error: "invalid_request", code: 90002, description: `Tenant '${tenant}' not found.` });
        }
        if (form.get("grant_type") !== "client_credentials") {
            return reply.aadError(400, {
                error: "unsupported_grant_type",
                code: 70003,
                description: "The app requested an unsupported grant type.",
            });
        }
        const client = directory.clients.get(clientId);
        if (!client || client.tenantId !== tenant) {
            return reply.aadError(400, {
                error: "unauthorized_client",
                code: 700016,
                description: `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
            });
        }
        const secret = form.get("client_secret");
        const assertion = form.get("client_assertion");
        let proven = false;
        if (secret !== null) proven = client.secret !== undefined && secret === client.secret;
        else if (assertion !== null) proven = assertionValid(client, assertion);
        if (!proven) {
            return secret !== null
                ? reply.aadError(401, {
                      error: "invalid_client",
                      code: 7000215,
                      description:
                          "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
                  })
                : reply.aadError(401, {
                      error: "invalid_client",
                      code: 700027,
                      description: "Client assertion failed signature validation.",
                  });
        }
        const scope = form.get("scope") ?? "";
        reply.entry.scope = scope;
        const audience = scope
            .split(" ")
            .find((item) => item.endsWith("/.default"))
            ?.slice(0, -"/.default".length);
        if (!audience) {
            return reply.aadError(400, {
                error: "invalid_scope",
                code: 1002012,
                description: `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`,
            });
        }
        const token = tokens.issue({ clientId, tenantId: tenant, audience, permitted: client.permitted, ownedBy: client.ownedBy });
        reply.json(200, {
            token_type: "Bearer",
            expires_in: tokens.lifetimeSeconds,
            ext_expires_in: tokens.lifetimeSeconds,
            access_token: token,
        });
    }

    /** App Service's managed identity protocol (IDENTITY_ENDPOINT + IDENTITY_HEADER). */
    private managedIdentityToken(reply: Reply, url: URL, imds = false): void {
        const { directory, tokens, managedIdentity } = this.options;
        // IMDS (a VM's managed identity, or azuread's msiEndpoint) trusts the caller's network position, not a header.
        if (!imds && reply.req.headers["x-identity-header"] !== managedIdentity.header) {
            return reply.json(401, { statusCode: 401, message: "The identity header is missing or wrong." });
        }
        const resource = (url.searchParams.get("resource") ?? "").replace(/\/$/, "");
        if (!resource) return reply.json(400, { statusCode: 400, message: "resource is required" });
        reply.entry.clientId = managedIdentity.clientId;
        reply.entry.scope = resource;
        const permitted = directory.clients.get(managedIdentity.clientId)?.permitted ?? false;
        const token = tokens.issue({ clientId: managedIdentity.clientId, tenantId: directory.tenantId, audience: resource, permitted });
        reply.json(200, {
            access_token: token,
            expires_on: String(Math.floor(Date.now() / 1000) + tokens.lifetimeSeconds),
            resource,
            token_type: "Bearer",
            client_id: managedIdentity.clientId,
        });
    }

    /**
     * Azure DevOps' OIDC token service, as AzurePipelinesCredential asks it: POST
     * {SYSTEM_OIDCREQUESTURI}?api-version=7.1&serviceConnectionId=… with the pipeline's
     * System.AccessToken as bearer; answers { oidcToken }.
     */
    private azurePipelinesOidcToken(reply: Reply, url: URL): void {
        const { azurePipelines } = this.options;
        if (reply.req.headers.authorization !== `Bearer ${azurePipelines.systemAccessToken}`) {
            return reply.json(401, { message: "TF400813: The user is not authorized to access this resource." });
        }
        if (url.searchParams.get("api-version") !== "7.1") return reply.json(400, { message: "unsupported api-version" });
        if (url.searchParams.get("serviceConnectionId") !== azurePipelines.serviceConnectionId) {
            return reply.json(404, { message: `Service connection ${url.searchParams.get("serviceConnectionId")} not found.` });
        }
        reply.json(200, { oidcToken: azurePipelines.idToken });
    }

    private githubOidcToken(reply: Reply, url: URL): void {
        const { githubOidc } = this.options;
        if (reply.req.headers.authorization !== `Bearer ${githubOidc.requestToken}`) return reply.json(401, { message: "Bad credentials" });
        if (url.searchParams.get("audience") !== "api://AzureADTokenExchange") return reply.json(400, { message: "unexpected audience" });
        reply.json(200, { count: 1, value: githubOidc.idToken });
    }
}

function assertionValid(client: ClientRecord, assertion: string): boolean {
    if (client.federatedToken !== undefined && assertion === client.federatedToken) return true;
    if (!client.certificatePem) return false;
    const parts = assertion.split(".");
    if (parts.length !== 3) return false;
    try {
        const payload = JSON.parse(Buffer.from(parts[1], "base64url").toString());
        if (payload.sub !== client.clientId || payload.iss !== client.clientId) return false;
        if (typeof payload.exp === "number" && payload.exp * 1000 < Date.now()) return false;
        const header = JSON.parse(Buffer.from(parts[0], "base64url").toString());
        const key = new crypto.X509Certificate(client.certificatePem).publicKey;
        const data = Buffer.from(`${parts[0]}.${parts[1]}`);
        const signature = Buffer.from(parts[2], "base64url");
        // MSAL signs with PS256 (newer) or RS256.
        if (header.alg === "PS256") {
            return crypto.verify("sha256", data, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
        }
        return header.alg === "RS256" && crypto.verify("RSA-SHA256", data, key, signature);
    } catch {
        return false;
    }
}

/** Unsigned (alg "none"): only this emulator reads its tokens, and only as lookup keys. */
function makeJwt(claims: Record<string, unknown>): string {
    const now = Math.floor(Date.now() / 1000);
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    return `${encode({ typ: "JWT", alg: "none" })}.${encode({ ...claims, iat: now, jti: crypto.randomUUID() })}.${crypto.randomBytes(32).toString("base64url")}`;
}
