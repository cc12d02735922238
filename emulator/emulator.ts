import * as fs from "fs";
import * as http2 from "http2";
import * as https from "https";
import type { IncomingMessage, ServerResponse } from "http";
import type { Socket } from "net";
import * as os from "os";
import * as path from "path";
import { CaMaterial, generateTlsMaterial } from "./certs";
import { Entra, TokenStore } from "./entra";
import type { FaultRule, PendingFault } from "./faults";
import { GraphApi } from "./graph";
import { holdDeletions, IdSource, JobRecord, JobState, ServicePrincipalRecord } from "./jobs";
import type { RequestLogEntry } from "./log";
import { AddJobOptions, ClientRecord, Directory, seedDirectory, ServicePrincipalOptions } from "./model";
import { Blackhole, OtherOrigin, OtherOriginRequest } from "./origins";
import { Pipeline } from "./pipeline";
import type { RunPlan } from "./runs";
import { EntraThrottle, EntraThrottleOptions, ThrottleModel, TokenBucket } from "./throttle";

// Where these used to be declared; kept so imports of this module keep working.
export { GRAPH_ROUTES } from "./routes";
export type { RouteKind } from "./routes";
export type { RequestLogEntry } from "./log";
export type { Fault, FaultRule, PendingFault } from "./faults";
export type { AddJobOptions, ClientRecord, ServicePrincipalOptions } from "./model";

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
    /**
     * Serve HTTP/2 as well as HTTP/1.1, chosen per connection by ALPN (as Graph does). false: an
     * HTTP/1.1-only server (ALPN offers http/1.1 only). @default true
     */
    http2?: boolean;
}

/**
 * The test-facing face of the emulator. Requests go through Pipeline (pipeline.ts): the route
 * table (routes.ts), faults (faults.ts), the throttle (throttle.ts), then Entra (entra.ts) or
 * Graph (graph.ts); tenant contents live in model.ts and the job state machine in jobs.ts.
 */
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
    readonly requests: RequestLogEntry[];
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
    /**
     * A second HTTPS origin (same CA) where "redirect" faults with location "otherOrigin" point. It
     * answers 200 with a job-like body, so a client that follows the redirect is fooled; `requests`
     * records what reached it (with any Authorization header).
     */
    readonly otherOrigin: { url: string; requests: OtherOriginRequest[] };
    /**
     * A TCP listener that accepts connections and never answers (the TLS handshake never completes);
     * `connections` counts the connections it accepted.
     */
    readonly blackhole: { readonly url: string; readonly connections: number };
    /**
     * Azure DevOps' OIDC token service at `azurePipelines.requestUri` (SYSTEM_OIDCREQUESTURI): asked
     * with `Bearer ${systemAccessToken}` and `serviceConnectionId`, it answers `{ oidcToken: idToken }`.
     * Register a client with `federatedToken: idToken`. IMDS (`/metadata/identity/oauth2/token`)
     * answers for the managed identity's client too.
     */
    readonly azurePipelines: { requestUri: string; systemAccessToken: string; serviceConnectionId: string; idToken: string };

    private readonly directory: Directory;
    private readonly tokens: TokenStore;
    private readonly pipeline: Pipeline;
    private readonly sockets = new Set<Socket>();
    private connectionCount = 0;

    /** @internal use startEmulator() */
    constructor(
        private readonly server: https.Server | http2.Http2SecureServer,
        port: number,
        caCertPath: string,
        options: EmulatorOptions,
        private readonly extras: { otherOrigin: OtherOrigin; blackhole: Blackhole; ownedCaDir?: string },
    ) {
        this.otherOrigin = extras.otherOrigin;
        const blackhole = extras.blackhole;
        this.blackhole = {
            url: blackhole.url,
            get connections() {
                return blackhole.accepted;
            },
        };
        const ids = new IdSource(options.seed);
        this.tokens = new TokenStore(options.tokenLifetimeSeconds ?? 3599);
        this.graphEndpoint = `https://127.0.0.1:${port}`;
        this.authorityHost = `https://127.0.0.1:${port}`;
        this.caCertPath = caCertPath;
        this.tenantId = ids.guid("tenant");
        this.directory = new Directory(ids, this.tenantId);
        const seeded = seedDirectory(this.directory);
        this.githubOidc = seeded.githubOidc;
        this.clientId = seeded.main.clientId;
        this.clientSecret = seeded.main.secret!;
        this.unprivilegedClient = { clientId: seeded.unprivileged.clientId, clientSecret: seeded.unprivileged.secret! };
        this.managedIdentity = {
            endpoint: `${this.authorityHost}/msi/token`,
            header: seeded.managedIdentity.header,
            clientId: seeded.managedIdentity.client.clientId,
        };
        this.seed = seeded.seed;
        // Drawn after the seeded ids, so a seed still gives the same ids as before.
        this.azurePipelines = {
            requestUri: `${this.authorityHost}/ado-oidc/oidctoken`,
            systemAccessToken: ids.secret("ado-access"),
            serviceConnectionId: ids.guid("ado-connection"),
            idToken: `ado.${ids.secret("ado-id")}`,
        };

        this.pipeline = new Pipeline({
            origin: this.graphEndpoint,
            otherOrigin: this.otherOrigin.url,
            entra: new Entra({
                directory: this.directory,
                tokens: this.tokens,
                authorityHost: this.authorityHost,
                githubOidc: this.githubOidc,
                managedIdentity: this.managedIdentity,
                azurePipelines: this.azurePipelines,
            }),
            graph: new GraphApi({ directory: this.directory, tokens: this.tokens, graphEndpoint: this.graphEndpoint }),
            caller: (authorization) => this.tokens.check(authorization, this.graphEndpoint).token,
        });
        this.requests = this.pipeline.log.entries;
        // close() must not wait for keep-alive connections to idle out.
        server.on("connection", (socket: Socket) => {
            this.connectionCount++;
            this.sockets.add(socket);
            socket.on("close", () => this.sockets.delete(socket));
        });
        // An HTTP/2 server with allowHTTP1 hands HTTP/1.1 requests over as http's IncomingMessage and
        // ServerResponse, and HTTP/2 streams as the compatibility API's Http2ServerRequest/Response.
        server.on(
            "request",
            (req: IncomingMessage | http2.Http2ServerRequest, res: ServerResponse | http2.Http2ServerResponse) =>
                void this.pipeline.handle(req, res),
        );
    }

    /** Lifetime of tokens issued from now on. */
    get tokenLifetimeSeconds(): number {
        return this.tokens.lifetimeSeconds;
    }

    set tokenLifetimeSeconds(seconds: number) {
        this.tokens.lifetimeSeconds = seconds;
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

    // ---- tenant contents ---------------------------------------------------------------------

    addClient(options: Partial<ClientRecord> = {}): ClientRecord {
        return this.directory.addClient(options);
    }

    addServicePrincipal(options: ServicePrincipalOptions = {}): ServicePrincipalRecord {
        return this.directory.addServicePrincipal(options);
    }

    /** Makes a client an owner of a service principal (what an `ownedBy` client needs to reach its jobs). */
    addOwner(servicePrincipalId: string, clientId: string): void {
        this.directory.mustServicePrincipal(servicePrincipalId).owners.add(clientId);
    }

    addJob(servicePrincipalId: string, options: AddJobOptions = {}): JobRecord {
        return this.directory.addJob(servicePrincipalId, options);
    }

    /** The live job record (tests may change it), or undefined. */
    job(servicePrincipalId: string, jobId: string): JobRecord | undefined {
        return this.directory.job(servicePrincipalId, jobId);
    }

    setJobState(servicePrincipalId: string, jobId: string, state: JobState, quarantineReason?: string): void {
        this.directory.setJobState(servicePrincipalId, jobId, state, quarantineReason);
    }

    /** What the job's next provisioning runs do: their delay, outcome, counts, error. */
    setRunPlan(servicePrincipalId: string, jobId: string, plan: RunPlan): void {
        const job = this.directory.job(servicePrincipalId, jobId);
        if (!job) throw new Error(`emulator: no job ${jobId} on ${servicePrincipalId}`);
        job.runs.plan = plan;
    }

    deleteJob(servicePrincipalId: string, jobId: string): boolean {
        return this.directory.deleteJob(servicePrincipalId, jobId);
    }

    /**
     * A cycle found more deletions than the job's threshold: the job goes to quarantine with
     * TooManyDeletes and `count` deletions are held. A start performs them, as does a restart with
     * ForceDeletes (`job.deletions.released` counts them); a restart without it quarantines the job
     * again until the cause is fixed (fixDeletionCause).
     */
    holdDeletions(servicePrincipalId: string, jobId: string, count: number): void {
        holdDeletions(this.mustJob(servicePrincipalId, jobId), count);
    }

    /** The admin fixed what caused the deletions (a scoping filter): nothing is held any more; the job stays quarantined until restarted. */
    fixDeletionCause(servicePrincipalId: string, jobId: string): void {
        this.mustJob(servicePrincipalId, jobId).deletions.held = 0;
    }

    /** Uploads staged for an inbound job's next cycle, as `POST …/bulkUpload` stages them (`job.uploads`). */
    stageUploads(servicePrincipalId: string, jobId: string, count: number): void {
        this.mustJob(servicePrincipalId, jobId).uploads.staged += count;
    }

    /** After each start or restart, reads show the job as it was before: for `reads` reads and/or `ms` ms; undefined ends it. */
    setReadLag(servicePrincipalId: string, jobId: string, lag: { reads?: number; ms?: number } | undefined): void {
        const job = this.mustJob(servicePrincipalId, jobId);
        job.readLag = lag;
        if (!lag) job.lagged = undefined;
    }

    private mustJob(servicePrincipalId: string, jobId: string): JobRecord {
        const job = this.directory.job(servicePrincipalId, jobId);
        if (!job) throw new Error(`emulator: no job ${jobId} on ${servicePrincipalId}`);
        return job;
    }

    // ---- log, tokens and faults --------------------------------------------------------------

    /** Requests matching a filter, e.g. count({ kind: "start" }). */
    count(filter: Partial<RequestLogEntry> = {}): number {
        return this.pipeline.log.filter(filter).length;
    }

    filter(filter: Partial<RequestLogEntry> = {}): RequestLogEntry[] {
        return this.pipeline.log.filter(filter);
    }

    /** Graph requests only (token and metadata calls left out), as "METHOD kind" strings. */
    graphCalls(): string[] {
        return this.pipeline.log.graphCalls();
    }

    /** Every access token issued so far (for tests that scan output for leaks). */
    issuedTokens(): string[] {
        return [...this.tokens.issued];
    }

    /** Invalidates every issued token (Graph then answers 401 until a new one is fetched). */
    revokeTokens(): void {
        this.tokens.revokeAll();
    }

    clearLog(): void {
        this.pipeline.log.clear();
        this.pipeline.peakInFlight = this.pipeline.inFlight;
    }

    /** Adds a fault rule; returns a function that removes it. */
    inject(rule: FaultRule): () => void {
        return this.pipeline.faults.add(rule);
    }

    /** Fault rules declared and not used up (FaultRules.pending): empty when every declared fault met its request. */
    pendingFaults(): PendingFault[] {
        return this.pipeline.faults.pending();
    }

    /** Throws, listing them, when a declared fault was not used up (as undici's assertNoPendingInterceptors()). */
    assertNoPendingFaults(): void {
        const pending = this.pendingFaults();
        if (pending.length === 0) return;
        const lines = pending.map(
            ({ rule, used, remaining }) =>
                `  ${JSON.stringify(rule.fault)} on ${rule.routes?.join(", ") ?? "every route"}: ` +
                (remaining !== undefined ? `${remaining} of ${used + remaining} uses left` : "never used"),
        );
        throw new Error(`${pending.length} declared fault(s) never met their request:\n${lines.join("\n")}`);
    }

    /** A token bucket over all Graph routes: at most `ratePerSecond`, bursts of `burst`; 429 past it. */
    throttle(ratePerSecond: number, burst = ratePerSecond): void {
        this.pipeline.throttle = new TokenBucket({ ratePerSecond, burst });
    }

    /**
     * Graph's own throttling, per app and tenant: resource units per window by tenant size, a write
     * cap, 429 with Retry-After and x-ms-throttle-scope / x-ms-throttle-information (throttle.ts).
     */
    throttleLikeEntra(options: EntraThrottleOptions = {}): EntraThrottle {
        const model = new EntraThrottle(options);
        this.pipeline.throttle = model;
        return model;
    }

    /** Installs a throttle model (what `--throttle` parses to); undefined removes it. */
    setThrottle(model: ThrottleModel | undefined): void {
        this.pipeline.throttle = model;
    }

    /** Requests open now, and the most open at once since the emulator started or the last clearLog(). */
    stats(): { inFlight: number; peakInFlight: number } {
        return { inFlight: this.pipeline.inFlight, peakInFlight: this.pipeline.peakInFlight };
    }

    /** TCP connections the Graph/Entra port accepted since the emulator started (HTTP/2 carries many requests on one). */
    get connections(): number {
        return this.connectionCount;
    }

    /** Removes every fault rule and the throttle. */
    clearFaults(): void {
        this.pipeline.faults.clear();
        this.pipeline.throttle = undefined;
    }

    async close(): Promise<void> {
        for (const socket of this.sockets) socket.destroy();
        await Promise.all([
            new Promise<void>((resolve) => this.server.close(() => resolve())),
            this.extras.otherOrigin.close(),
            this.extras.blackhole.close(),
        ]);
        // The folder made for the CA file when none was given goes with the emulator.
        if (this.extras.ownedCaDir) fs.rmSync(this.extras.ownedCaDir, { recursive: true, force: true });
    }
}

/**
 * Writes the CA certificate where clients read it. Emulators sharing one CA (a test run's) share one
 * file that other processes read at any moment: an identical file is left alone, and a new one is
 * written beside it and renamed into place, so no reader ever sees it empty or half written.
 */
function writeCaFile(file: string, pem: string): void {
    try {
        if (fs.readFileSync(file, "utf8") === pem) return;
    } catch {
        // not there yet
    }
    const partial = `${file}.${process.pid}.partial`;
    fs.writeFileSync(partial, pem);
    fs.renameSync(partial, file);
}

/** Starts the emulator on 127.0.0.1 with a fresh CA; see Emulator for what it offers. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
    const tls = generateTlsMaterial(options.ca);
    const ownedCaDir = options.caCertPath ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "entra-sync-emulator-"));
    const caCertPath = options.caCertPath ?? path.join(ownedCaDir!, "ca.pem");
    writeCaFile(caCertPath, tls.caCertPem);
    const cert = { key: tls.keyPem, cert: tls.certPem + tls.caCertPem };
    const server =
        options.http2 === false
            ? https.createServer({ ...cert, keepAlive: true } as https.ServerOptions)
            : // allowHTTP1: a client that offers only http/1.1 by ALPN (or none) gets HTTP/1.1 on the same port.
              // The default stream limit per connection (Node's 4294967295) is left as is: Graph's
              // is not documented, and the client side queues past whatever the server announces.
              http2.createSecureServer({ ...cert, allowHTTP1: true });
    const port = await new Promise<number>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
    });
    const [otherOrigin, blackhole] = await Promise.all([
        OtherOrigin.start({ key: tls.keyPem, cert: tls.certPem + tls.caCertPem }),
        Blackhole.start(),
    ]);
    return new Emulator(server, port, caCertPath, options, { otherOrigin, blackhole, ownedCaDir });
}
