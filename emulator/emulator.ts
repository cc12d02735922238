import * as crypto from "crypto";
import * as fs from "fs";
import * as https from "https";
import type { IncomingMessage, ServerResponse } from "http";
import type { Socket } from "net";
import * as os from "os";
import * as path from "path";
import { CaMaterial, generateTlsMaterial } from "./certs";
import {
    AfterStart, IdSource, JobRecord, JobState, ServicePrincipalRecord,
    newJob, pause, setState, settle, start, toGraph,
} from "./jobs";

/** Route names used by the request log, counters and fault injection. */
export type RouteKind =
    | "openid" | "token" | "instanceDiscovery" | "githubOidc" | "managedIdentity"
    | "listJobs" | "getJob" | "createJob" | "deleteJob" | "start" | "pause" | "restart"
    | "getServicePrincipal" | "servicePrincipalByAppId" | "unknown";

export const GRAPH_ROUTES: RouteKind[] = [
    "listJobs", "getJob", "createJob", "deleteJob", "start", "pause", "restart",
    "getServicePrincipal", "servicePrincipalByAppId",
];

export interface RequestLogEntry {
    method: string;
    /** Path as it arrived on the wire (percent-encoding kept), without the query. */
    path: string;
    kind: RouteKind;
    version?: string;
    servicePrincipalId?: string;
    jobId?: string;
    status: number;
    clientId?: string;
    /** Set when the answer came from fault injection. */
    fault?: string;
    /** Token requests: the scope asked for. */
    scope?: string;
    at: number;
}

export type Fault =
    | { kind: "status"; status: number; retryAfterSeconds?: number; retryAfterAsDate?: boolean; code?: string }
    | { kind: "reset" }
    | { kind: "hang" }
    | { kind: "latency"; ms: number };

export interface FaultRule {
    fault: Fault;
    /** Routes it applies to; all routes when absent. */
    routes?: RouteKind[];
    /** How many requests it hits; every request when absent. */
    times?: number;
}

export interface ClientRecord {
    clientId: string;
    tenantId: string;
    secret?: string;
    /** PEM of a certificate whose key signs client assertions (ClientCertificateCredential). */
    certificatePem?: string;
    /** An external token accepted as client_assertion (workload identity federation). */
    federatedToken?: string;
    /** Holds Synchronization.ReadWrite.All; without it Graph answers 403. */
    permitted: boolean;
    displayName: string;
}

export interface EmulatorOptions {
    /** Port on 127.0.0.1; 0 (default) picks a free one. */
    port?: number;
    /** Makes the seeded ids and secrets stable across runs (e.g. "demo"); random when absent. */
    seed?: string;
    /** Lifetime of issued access tokens. @default 3599 */
    tokenLifetimeSeconds?: number;
    /** Where to write the CA PEM. @default a file in a new temp folder */
    caCertPath?: string;
    /** CA to sign the server certificate with (e.g. one shared by a test run). @default a fresh one */
    ca?: CaMaterial;
}

interface TokenRecord { clientId: string; tenantId: string; audience: string; expiresAt: number }

export class Emulator {
    readonly graphEndpoint: string;
    readonly authorityHost: string;
    readonly caCertPath: string;
    readonly tenantId: string;
    readonly clientId: string;
    readonly clientSecret: string;
    /** A client that authenticates but lacks the permission (403 on Graph). */
    readonly unprivilegedClient: { clientId: string; clientSecret: string };
    /** The seeded service principal, with one paused and one quarantined job. */
    readonly seed: { servicePrincipalId: string; appId: string; pausedJobId: string; quarantinedJobId: string };
    /** Every request, in arrival order. */
    readonly requests: RequestLogEntry[] = [];
    tokenLifetimeSeconds: number;
    /**
     * GitHub Actions' OIDC token service, emulated at `${graphEndpoint}/github-oidc/token`: asked with
     * `Authorization: Bearer ${githubOidc.requestToken}` and `audience=api://AzureADTokenExchange`, it
     * answers `{ value: githubOidc.idToken }`. Register a client with `federatedToken: idToken`.
     */
    readonly githubOidc: { requestToken: string; idToken: string };
    /**
     * An App Service managed identity endpoint at `managedIdentity.endpoint` (set IDENTITY_ENDPOINT to
     * it and IDENTITY_HEADER to `managedIdentity.header`); its tokens belong to a permitted client.
     */
    readonly managedIdentity: { endpoint: string; header: string; clientId: string };

    private readonly servicePrincipals = new Map<string, ServicePrincipalRecord>();
    private readonly clients = new Map<string, ClientRecord>();
    private readonly tokens = new Map<string, TokenRecord>();
    private readonly issued: string[] = [];
    private readonly faults: FaultRule[] = [];
    private bucket?: { rate: number; burst: number; tokens: number; last: number };
    private readonly sockets = new Set<Socket>();
    private readonly ids: IdSource;

    /** @internal use startEmulator() */
    constructor(private readonly server: https.Server, port: number, caCertPath: string, opts: EmulatorOptions) {
        this.ids = new IdSource(opts.seed);
        this.tokenLifetimeSeconds = opts.tokenLifetimeSeconds ?? 3599;
        this.graphEndpoint = `https://127.0.0.1:${port}`;
        this.authorityHost = `https://127.0.0.1:${port}`;
        this.caCertPath = caCertPath;
        this.tenantId = this.ids.guid("tenant");
        this.githubOidc = { requestToken: this.ids.secret("gh-request"), idToken: `gh.${this.ids.secret("gh-id")}` };
        const main = this.addClient({ displayName: "entra-sync-emulator" });
        this.clientId = main.clientId;
        this.clientSecret = main.secret!;
        const weak = this.addClient({ displayName: "no-permission", permitted: false });
        this.unprivilegedClient = { clientId: weak.clientId, clientSecret: weak.secret! };
        const mi = this.addClient({ displayName: "managed identity" });
        this.managedIdentity = { endpoint: `${this.authorityHost}/msi/token`, header: this.ids.secret("mi-header"), clientId: mi.clientId };
        const sp = this.addServicePrincipal({ displayName: "SCIM app (emulated)" });
        this.seed = {
            servicePrincipalId: sp.id,
            appId: sp.appId,
            pausedJobId: this.addJob(sp.id, { templateId: "scim", state: "Paused" }).id,
            quarantinedJobId: this.addJob(sp.id, { templateId: "scim", state: "Quarantine", quarantineReason: "EncounteredQuarantineException" }).id,
        };
        server.on("connection", (s: Socket) => {
            this.sockets.add(s);
            s.on("close", () => this.sockets.delete(s));
        });
        server.on("request", (req, res) => void this.handle(req, res));
    }

    /**
     * The variables that point a stack (or a provider host) at this emulator, in the order the CLI
     * prints them: its permitted client as AZURE_*, its CA, its endpoints and the seeded ids.
     */
    environment(): Record<string, string> {
        return {
            AZURE_TENANT_ID: this.tenantId,
            AZURE_CLIENT_ID: this.clientId,
            AZURE_CLIENT_SECRET: this.clientSecret,
            NODE_EXTRA_CA_CERTS: this.caCertPath,
            ENTRA_SYNC_GRAPH_ENDPOINT: this.graphEndpoint,
            ENTRA_SYNC_AUTHORITY_HOST: this.authorityHost,
            ENTRA_SYNC_SERVICE_PRINCIPAL_ID: this.seed.servicePrincipalId,
            ENTRA_SYNC_PAUSED_JOB_ID: this.seed.pausedJobId,
            ENTRA_SYNC_QUARANTINED_JOB_ID: this.seed.quarantinedJobId,
        };
    }

    // ---- model -------------------------------------------------------------------------------

    addClient(opts: Partial<ClientRecord> = {}): ClientRecord {
        const c: ClientRecord = {
            clientId: opts.clientId ?? this.ids.guid("client"),
            tenantId: opts.tenantId ?? this.tenantId,
            secret: opts.secret ?? (opts.certificatePem || opts.federatedToken ? undefined : this.ids.secret("secret")),
            certificatePem: opts.certificatePem,
            federatedToken: opts.federatedToken,
            permitted: opts.permitted ?? true,
            displayName: opts.displayName ?? "client",
        };
        this.clients.set(c.clientId, c);
        return c;
    }

    addServicePrincipal(opts: { id?: string; appId?: string; displayName?: string } = {}): ServicePrincipalRecord {
        const sp: ServicePrincipalRecord = {
            id: opts.id ?? this.ids.guid("sp"),
            appId: opts.appId ?? this.ids.guid("app"),
            displayName: opts.displayName ?? "app",
            jobs: new Map(),
        };
        this.servicePrincipals.set(sp.id, sp);
        return sp;
    }

    addJob(spId: string, opts: { templateId?: string; id?: string; state?: JobState; quarantineReason?: string; afterStart?: AfterStart } = {}): JobRecord {
        const sp = this.mustSp(spId);
        const job = newJob(sp.id, opts.templateId ?? "scim", this.ids, opts.state ?? "Paused", opts.quarantineReason);
        if (opts.id) job.id = opts.id;
        if (opts.afterStart) job.afterStart = opts.afterStart;
        sp.jobs.set(job.id, job);
        return job;
    }

    /** The live job record (tests may change it), or undefined. */
    job(spId: string, jobId: string): JobRecord | undefined {
        const job = this.servicePrincipals.get(spId)?.jobs.get(jobId);
        if (job) settle(job);
        return job;
    }

    setJobState(spId: string, jobId: string, state: JobState, quarantineReason?: string): void {
        const job = this.job(spId, jobId);
        if (!job) throw new Error(`emulator: no job ${jobId} on ${spId}`);
        setState(job, state, quarantineReason);
    }

    deleteJob(spId: string, jobId: string): boolean {
        return this.mustSp(spId).jobs.delete(jobId);
    }

    private mustSp(spId: string): ServicePrincipalRecord {
        const sp = this.servicePrincipals.get(spId);
        if (!sp) throw new Error(`emulator: no service principal ${spId}`);
        return sp;
    }

    // ---- log and faults ----------------------------------------------------------------------

    /** Requests matching a filter, e.g. count({ kind: "start" }). */
    count(filter: Partial<RequestLogEntry> = {}): number {
        return this.filter(filter).length;
    }

    filter(filter: Partial<RequestLogEntry> = {}): RequestLogEntry[] {
        return this.requests.filter((r) =>
            Object.entries(filter).every(([k, v]) => (r as unknown as Record<string, unknown>)[k] === v));
    }

    /** Graph requests only (token and metadata calls left out), as "METHOD kind" strings. */
    graphCalls(): string[] {
        return this.requests.filter((r) => GRAPH_ROUTES.includes(r.kind)).map((r) => `${r.method} ${r.kind}`);
    }

    /** Every access token issued so far (for tests that scan output for leaks). */
    issuedTokens(): string[] {
        return [...this.issued];
    }

    /** Invalidates every issued token (Graph then answers 401 until a new one is fetched). */
    revokeTokens(): void {
        this.tokens.clear();
    }

    clearLog(): void {
        this.requests.length = 0;
    }

    /** Adds a fault rule; returns a function that removes it. */
    inject(rule: FaultRule): () => void {
        const r = { ...rule };
        this.faults.push(r);
        return () => {
            const i = this.faults.indexOf(r);
            if (i >= 0) this.faults.splice(i, 1);
        };
    }

    /** A token bucket over all Graph routes: at most `ratePerSecond`, bursts of `burst`; 429 past it. */
    throttle(ratePerSecond: number, burst = ratePerSecond): void {
        this.bucket = { rate: ratePerSecond, burst, tokens: burst, last: Date.now() };
    }

    clearFaults(): void {
        this.faults.length = 0;
        this.bucket = undefined;
    }

    async close(): Promise<void> {
        for (const s of this.sockets) s.destroy();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }

    // ---- HTTP --------------------------------------------------------------------------------

    private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const url = new URL(req.url ?? "/", this.graphEndpoint);
        const route = this.route(req.method ?? "GET", url.pathname);
        const entry: RequestLogEntry = {
            method: req.method ?? "GET", path: url.pathname, kind: route.kind, version: route.version,
            servicePrincipalId: route.spId, jobId: route.jobId, status: 0, at: Date.now(),
        };
        this.requests.push(entry);
        const body = await readBody(req);

        const fault = this.takeFault(route.kind);
        for (const f of fault.latency) await sleep(f);
        if (fault.rule) {
            const f = fault.rule;
            entry.fault = f.kind;
            if (f.kind === "reset") {
                entry.status = -1;
                req.socket.destroy();
                return;
            }
            if (f.kind === "hang") {
                entry.status = -1;
                return;
            }
            if (f.kind === "status") {
                const headers: Record<string, string> = {};
                if (f.retryAfterSeconds !== undefined) {
                    headers["Retry-After"] = f.retryAfterAsDate
                        ? new Date(Date.now() + f.retryAfterSeconds * 1000).toUTCString()
                        : String(f.retryAfterSeconds);
                }
                const code = f.code ?? (f.status === 429 ? "TooManyRequests" : f.status === 503 ? "ServiceUnavailable" : "UnknownError");
                return this.graphError(res, entry, req, f.status, code, `Injected fault: ${code}.`, headers);
            }
        }
        if (GRAPH_ROUTES.includes(route.kind) && this.bucket && !this.takeBucketToken()) {
            entry.fault = "throttle";
            const wait = Math.max(1, Math.ceil((1 - this.bucket.tokens) / this.bucket.rate));
            return this.graphError(res, entry, req, 429, "TooManyRequests",
                "Too many requests. The application has exceeded its rate limit.", { "Retry-After": String(wait) });
        }

        try {
            switch (route.kind) {
                case "openid": return this.openid(res, entry, route.tenant!);
                case "instanceDiscovery": return this.json(res, entry, 400, { error: "invalid_instance", error_description: "AADSTS50049: Unknown or invalid instance." });
                case "token": return this.token(res, entry, route.tenant!, body);
                case "managedIdentity": return this.managedIdentityToken(req, res, entry, url);
                case "githubOidc": {
                    if (req.headers.authorization !== `Bearer ${this.githubOidc.requestToken}`) return this.json(res, entry, 401, { message: "Bad credentials" });
                    if (url.searchParams.get("audience") !== "api://AzureADTokenExchange") return this.json(res, entry, 400, { message: "unexpected audience" });
                    return this.json(res, entry, 200, { count: 1, value: this.githubOidc.idToken });
                }
                case "unknown":
                    return this.graphError(res, entry, req, 400, "BadRequest", `Resource not found for the segment '${url.pathname}'.`);
                default: return this.graph(req, res, entry, route, body);
            }
        } catch (e) {
            return this.graphError(res, entry, req, 500, "InternalServerError", `Emulator error: ${(e as Error).message}`);
        }
    }

    private route(method: string, pathname: string): { kind: RouteKind; version?: string; tenant?: string; spId?: string; jobId?: string; appId?: string; } {
        let m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(pathname);
        if (m && method === "GET") return { kind: "openid", tenant: m[1] };
        m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(pathname);
        if (m && method === "POST") return { kind: "token", tenant: m[1] };
        if (pathname.startsWith("/common/discovery/instance")) return { kind: "instanceDiscovery" };
        if (pathname === "/github-oidc/token" && method === "GET") return { kind: "githubOidc" };
        if (pathname === "/msi/token" && method === "GET") return { kind: "managedIdentity" };
        m = /^\/(v1\.0|beta)\/servicePrincipals\(appId=(?:'|%27)([^/]*?)(?:'|%27)\)$/.exec(pathname);
        if (m && method === "GET") return { kind: "servicePrincipalByAppId", version: m[1], appId: decodeURIComponent(m[2]) };
        m = /^\/(v1\.0|beta)\/servicePrincipals\/([^/]+)(\/.*)?$/.exec(pathname);
        if (!m) return { kind: "unknown" };
        const version = m[1];
        const spId = decodeURIComponent(m[2]);
        const rest = m[3] ?? "";
        if (rest === "" && method === "GET") return { kind: "getServicePrincipal", version, spId };
        if (rest === "/synchronization/jobs") {
            if (method === "GET") return { kind: "listJobs", version, spId };
            if (method === "POST") return { kind: "createJob", version, spId };
        }
        const j = /^\/synchronization\/jobs\/([^/]+)(?:\/(start|pause|restart))?$/.exec(rest);
        if (j) {
            const jobId = decodeURIComponent(j[1]);
            const action = j[2] as "start" | "pause" | "restart" | undefined;
            if (action && method === "POST") return { kind: action, version, spId, jobId };
            if (!action && method === "GET") return { kind: "getJob", version, spId, jobId };
            if (!action && method === "DELETE") return { kind: "deleteJob", version, spId, jobId };
        }
        return { kind: "unknown", version, spId };
    }

    private takeFault(kind: RouteKind): { latency: number[]; rule?: Fault } {
        const latency: number[] = [];
        let rule: Fault | undefined;
        for (const r of [...this.faults]) {
            if (r.routes && !r.routes.includes(kind)) continue;
            if (r.fault.kind !== "latency" && rule) continue;
            if (r.times !== undefined) {
                if (r.times <= 0) continue;
                r.times--;
            }
            if (r.fault.kind === "latency") latency.push(r.fault.ms);
            else rule = r.fault;
        }
        return { latency, rule };
    }

    private takeBucketToken(): boolean {
        const b = this.bucket!;
        const now = Date.now();
        b.tokens = Math.min(b.burst, b.tokens + ((now - b.last) / 1000) * b.rate);
        b.last = now;
        if (b.tokens < 1) return false;
        b.tokens -= 1;
        return true;
    }

    private openid(res: ServerResponse, entry: RequestLogEntry, tenant: string): void {
        if (!this.knownTenant(tenant)) {
            return this.json(res, entry, 400, aadError("invalid_tenant", 90002, `Tenant '${tenant}' not found.`));
        }
        const base = `${this.authorityHost}/${tenant}`;
        this.json(res, entry, 200, {
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

    private knownTenant(tenant: string): boolean {
        return tenant === this.tenantId || [...this.clients.values()].some((c) => c.tenantId === tenant);
    }

    private token(res: ServerResponse, entry: RequestLogEntry, tenant: string, body: string): void {
        const form = new URLSearchParams(body);
        const clientId = form.get("client_id") ?? "";
        entry.clientId = clientId || undefined;
        if (!this.knownTenant(tenant)) {
            return this.json(res, entry, 400, aadError("invalid_request", 90002, `Tenant '${tenant}' not found.`));
        }
        if (form.get("grant_type") !== "client_credentials") {
            return this.json(res, entry, 400, aadError("unsupported_grant_type", 70003, "The app requested an unsupported grant type."));
        }
        const client = this.clients.get(clientId);
        if (!client || client.tenantId !== tenant) {
            return this.json(res, entry, 400, aadError("unauthorized_client", 700016,
                `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`));
        }
        const secret = form.get("client_secret");
        const assertion = form.get("client_assertion");
        let ok = false;
        if (secret !== null) ok = client.secret !== undefined && secret === client.secret;
        else if (assertion !== null) ok = this.assertionValid(client, assertion);
        if (!ok) {
            return secret !== null
                ? this.json(res, entry, 401, aadError("invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID."))
                : this.json(res, entry, 401, aadError("invalid_client", 700027, "Client assertion failed signature validation."));
        }
        const scope = form.get("scope") ?? "";
        entry.scope = scope;
        const audience = scope.split(" ").find((s) => s.endsWith("/.default"))?.slice(0, -"/.default".length);
        if (!audience) {
            return this.json(res, entry, 400, aadError("invalid_scope", 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`));
        }
        const token = this.issue(clientId, tenant, audience);
        this.json(res, entry, 200, {
            token_type: "Bearer", expires_in: this.tokenLifetimeSeconds, ext_expires_in: this.tokenLifetimeSeconds, access_token: token,
        });
    }

    private managedIdentityToken(req: IncomingMessage, res: ServerResponse, entry: RequestLogEntry, url: URL): void {
        if (req.headers["x-identity-header"] !== this.managedIdentity.header) {
            return this.json(res, entry, 401, { statusCode: 401, message: "The identity header is missing or wrong." });
        }
        const resource = (url.searchParams.get("resource") ?? "").replace(/\/$/, "");
        if (!resource) return this.json(res, entry, 400, { statusCode: 400, message: "resource is required" });
        entry.clientId = this.managedIdentity.clientId;
        entry.scope = resource;
        const token = this.issue(this.managedIdentity.clientId, this.tenantId, resource);
        this.json(res, entry, 200, {
            access_token: token, expires_on: String(Math.floor(Date.now() / 1000) + this.tokenLifetimeSeconds),
            resource, token_type: "Bearer", client_id: this.managedIdentity.clientId,
        });
    }

    private issue(clientId: string, tenantId: string, audience: string): string {
        const permitted = this.clients.get(clientId)?.permitted ?? false;
        const token = makeJwt({ aud: audience, tid: tenantId, appid: clientId, roles: permitted ? ["Synchronization.ReadWrite.All"] : [] });
        this.tokens.set(token, { clientId, tenantId, audience, expiresAt: Date.now() + this.tokenLifetimeSeconds * 1000 });
        this.issued.push(token);
        return token;
    }

    private assertionValid(client: ClientRecord, assertion: string): boolean {
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

    private graph(req: IncomingMessage, res: ServerResponse, entry: RequestLogEntry,
                  route: { kind: RouteKind; spId?: string; jobId?: string; appId?: string }, body: string): void {
        const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
        const token = auth ? this.tokens.get(auth[1]) : undefined;
        if (token) entry.clientId = token.clientId;
        if (!token || token.expiresAt < Date.now() || token.audience !== this.graphEndpoint) {
            const why = !auth ? "Access token is empty."
                : !token ? "Invalid access token."
                : token.expiresAt < Date.now() ? "Lifetime validation failed, the token is expired."
                : `Invalid audience '${token.audience}'.`;
            return this.graphError(res, entry, req, 401, "InvalidAuthenticationToken", why);
        }
        if (!this.clients.get(token.clientId)?.permitted) {
            return this.graphError(res, entry, req, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
        }
        if (route.kind === "servicePrincipalByAppId") {
            const sp = [...this.servicePrincipals.values()].find((s) => s.appId === route.appId);
            if (!sp) return this.graphError(res, entry, req, 404, "Request_ResourceNotFound", `Resource with appId '${route.appId}' does not exist.`);
            return this.json(res, entry, 200, spJson(sp));
        }
        const sp = this.servicePrincipals.get(route.spId!);
        if (!sp) {
            return this.graphError(res, entry, req, 404, "Request_ResourceNotFound",
                `Resource '${route.spId}' does not exist or one of its queried reference-property objects are not present.`);
        }
        if (route.kind === "getServicePrincipal") return this.json(res, entry, 200, spJson(sp));
        if (route.kind === "listJobs") {
            return this.json(res, entry, 200, { value: [...sp.jobs.values()].map((j) => (settle(j), toGraph(j))) });
        }
        if (route.kind === "createJob") {
            const templateId = safeJson(body)?.templateId;
            if (typeof templateId !== "string" || !/^[A-Za-z0-9]+$/.test(templateId)) {
                return this.graphError(res, entry, req, 400, "BadRequest", "templateId is required.");
            }
            const job = newJob(sp.id, templateId, this.ids, "NotConfigured");
            sp.jobs.set(job.id, job);
            return this.json(res, entry, 201, toGraph(job));
        }
        const job = sp.jobs.get(route.jobId!);
        if (!job) {
            // The synchronization back end answers with UnknownError and a JSON string in the message.
            return this.graphError(res, entry, req, 404, "UnknownError",
                JSON.stringify({ Message: `The job ${route.jobId} was not found for the service principal ${sp.id}.`, Code: "SyncJobNotFound" }));
        }
        settle(job);
        switch (route.kind) {
            case "getJob": return this.json(res, entry, 200, toGraph(job));
            case "deleteJob": sp.jobs.delete(job.id); return this.empty(res, entry, req);
            case "start": start(job); return this.empty(res, entry, req);
            case "pause": pause(job); return this.empty(res, entry, req);
            case "restart": {
                const scope = safeJson(body)?.criteria?.resetScope;
                job.lastResetScope = typeof scope === "string" ? scope : undefined;
                start(job, "restart");
                return this.empty(res, entry, req);
            }
        }
        return this.graphError(res, entry, req, 405, "BadRequest", "Unsupported method.");
    }

    private json(res: ServerResponse, entry: RequestLogEntry, status: number, body: unknown, headers: Record<string, string> = {}): void {
        entry.status = status;
        const text = JSON.stringify(body);
        res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), ...headers });
        res.end(text);
    }

    private empty(res: ServerResponse, entry: RequestLogEntry, req: IncomingMessage): void {
        entry.status = 204;
        res.writeHead(204, requestIds(req));
        res.end();
    }

    private graphError(res: ServerResponse, entry: RequestLogEntry, req: IncomingMessage, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
        const ids = requestIds(req);
        this.json(res, entry, status, {
            error: {
                code, message,
                innerError: { date: new Date().toISOString().slice(0, 19), "request-id": ids["request-id"], "client-request-id": ids["client-request-id"] },
            },
        }, { ...ids, ...headers });
    }
}

function requestIds(req: IncomingMessage): Record<string, string> {
    const requestId = crypto.randomUUID();
    const clientRequestId = typeof req.headers["client-request-id"] === "string" ? req.headers["client-request-id"] : requestId;
    return { "request-id": requestId, "client-request-id": clientRequestId };
}

function spJson(sp: ServicePrincipalRecord): Record<string, unknown> {
    return { id: sp.id, appId: sp.appId, displayName: sp.displayName, servicePrincipalType: "Application" };
}

function aadError(error: string, code: number, description: string): Record<string, unknown> {
    const traceId = crypto.randomUUID();
    const correlationId = crypto.randomUUID();
    return {
        error,
        error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${new Date().toISOString()}`,
        error_codes: [code],
        timestamp: new Date().toISOString(),
        trace_id: traceId,
        correlation_id: correlationId,
    };
}

function makeJwt(claims: Record<string, unknown>): string {
    const now = Math.floor(Date.now() / 1000);
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    return `${enc({ typ: "JWT", alg: "none" })}.${enc({ ...claims, iat: now, jti: crypto.randomUUID() })}.${crypto.randomBytes(32).toString("base64url")}`;
}

function safeJson(text: string): any {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => resolve(Buffer.concat(chunks).toString()));
        req.on("error", () => resolve(""));
    });
}

function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

/** Starts the emulator on 127.0.0.1 with a fresh CA; see Emulator for what it offers. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
    const tls = generateTlsMaterial(opts.ca);
    const caCertPath = opts.caCertPath ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), "entra-sync-emulator-")), "ca.pem");
    fs.writeFileSync(caCertPath, tls.caCertPem);
    const server = https.createServer({ key: tls.keyPem, cert: tls.certPem + tls.caCertPem, keepAlive: true } as https.ServerOptions);
    const port = await new Promise<number>((resolve, reject) => {
        server.once("error", reject);
        server.listen(opts.port ?? 0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
    });
    return new Emulator(server, port, caCertPath, opts);
}
