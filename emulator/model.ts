import { beginRun, RunPlan, settleRun } from "./runs";
import { AfterStart, holdDeletions, IdSource, JobRecord, JobState, ServicePrincipalRecord, newJob, setState, settle } from "./jobs";

export interface ClientRecord {
    clientId: string;
    tenantId: string;
    secret?: string;
    /** PEM of a certificate whose key signs client assertions (ClientCertificateCredential). */
    certificatePem?: string;
    /** An external token accepted as client_assertion (workload identity federation). */
    federatedToken?: string;
    /** Holds Synchronization.ReadWrite.All; without it (and without ownedBy) Graph answers 403. */
    permitted: boolean;
    /**
     * Holds Application.ReadWrite.OwnedBy instead: it reaches the jobs of service principals it owns
     * (`owners`); on any other, Graph answers 401 UnknownError with an empty message.
     */
    ownedBy?: boolean;
    displayName: string;
}

export interface AddJobOptions {
    templateId?: string;
    id?: string;
    state?: JobState;
    quarantineReason?: string;
    afterStart?: AfterStart;
    /** What the job's provisioning runs do (delay, outcome, counts). */
    run?: RunPlan;
    /** A finished run in the job's past (as if provisioning had run before), e.g. `{ outcome: "succeeded" }`. */
    history?: RunPlan & { endedSecondsAgo?: number };
    /** Quarantines the job with TooManyDeletes, this many deletions held (see JobRecord.deletions). */
    heldDeletions?: number;
    /** QuarantineTooManyDeletesThreshold in the job's settings; null leaves the setting out. @default 500 */
    deleteThreshold?: number | null;
    /** Uploads staged for the next cycle (inbound templates API2AAD, API2AD). */
    stagedUploads?: number;
    /** Reads after a start or restart show the job as it was: for `reads` reads and/or `ms` ms. */
    readLag?: { reads?: number; ms?: number };
    /** Shows a new job's sentinels ("0001-01-01T00:00:00Z", empty-string quarantine members). @default false */
    sentinels?: boolean;
    /** status.troubleshootingUrl whatever the state (e.g. a `javascript:` URL, to test what reaches state). */
    troubleshootingUrl?: string;
}

export interface ServicePrincipalOptions {
    id?: string;
    appId?: string;
    displayName?: string;
    /** Client ids that own it (for clients with `ownedBy`). */
    owners?: string[];
}

/** The tenant's contents: app registrations (clients), service principals and their jobs. */
export class Directory {
    readonly clients = new Map<string, ClientRecord>();
    /** By object id; Graph matches GUIDs in any case, so lookups here do too. */
    readonly servicePrincipals = new GuidMap<ServicePrincipalRecord>();

    constructor(
        readonly ids: IdSource,
        readonly tenantId: string,
    ) {}

    addClient(options: Partial<ClientRecord> = {}): ClientRecord {
        const client: ClientRecord = {
            clientId: options.clientId ?? this.ids.guid("client"),
            tenantId: options.tenantId ?? this.tenantId,
            // A client that proves itself with a certificate or a federated token has no secret.
            secret: options.secret ?? (options.certificatePem || options.federatedToken ? undefined : this.ids.secret("secret")),
            certificatePem: options.certificatePem,
            federatedToken: options.federatedToken,
            permitted: options.permitted ?? !options.ownedBy,
            ownedBy: options.ownedBy,
            displayName: options.displayName ?? "client",
        };
        this.clients.set(client.clientId, client);
        return client;
    }

    knownTenant(tenant: string): boolean {
        return tenant === this.tenantId || [...this.clients.values()].some((client) => client.tenantId === tenant);
    }

    addServicePrincipal(options: ServicePrincipalOptions = {}): ServicePrincipalRecord {
        const servicePrincipal: ServicePrincipalRecord = {
            id: options.id ?? this.ids.guid("sp"),
            appId: options.appId ?? this.ids.guid("app"),
            displayName: options.displayName ?? "app",
            jobs: new Map(),
            owners: new Set(options.owners ?? []),
        };
        this.servicePrincipals.set(servicePrincipal.id, servicePrincipal);
        return servicePrincipal;
    }

    servicePrincipalByAppId(appId: string | undefined): ServicePrincipalRecord | undefined {
        return [...this.servicePrincipals.values()].find((servicePrincipal) => servicePrincipal.appId === appId);
    }

    mustServicePrincipal(servicePrincipalId: string): ServicePrincipalRecord {
        const servicePrincipal = this.servicePrincipals.get(servicePrincipalId);
        if (!servicePrincipal) throw new Error(`emulator: no service principal ${servicePrincipalId}`);
        return servicePrincipal;
    }

    addJob(servicePrincipalId: string, options: AddJobOptions = {}): JobRecord {
        const servicePrincipal = this.mustServicePrincipal(servicePrincipalId);
        const job = newJob(
            servicePrincipal.id,
            options.templateId ?? "scim",
            this.ids,
            options.state ?? "Paused",
            options.quarantineReason,
        );
        if (options.id) job.id = options.id;
        if (options.afterStart) job.afterStart = options.afterStart;
        if (options.history) {
            const ended = Date.now() - (options.history.endedSecondsAgo ?? 3600) * 1000;
            const delayMs = options.history.delayMs ?? 60_000;
            job.runs.plan = { ...options.history, delayMs };
            beginRun(job.runs, ended - delayMs, `history-${job.id}`);
            settleRun(job.runs, ended);
        }
        job.runs.plan = options.run ?? {};
        if (options.deleteThreshold !== undefined) job.deletions.threshold = options.deleteThreshold ?? undefined;
        if (options.heldDeletions) holdDeletions(job, options.heldDeletions);
        if (options.stagedUploads) job.uploads.staged = options.stagedUploads;
        if (options.readLag) job.readLag = options.readLag;
        if (options.sentinels) job.sentinels = true;
        if (options.troubleshootingUrl !== undefined) job.troubleshootingUrl = options.troubleshootingUrl;
        servicePrincipal.jobs.set(job.id, job);
        return job;
    }

    /** The live job record, its time-driven transitions applied, or undefined. */
    job(servicePrincipalId: string, jobId: string): JobRecord | undefined {
        const job = this.servicePrincipals.get(servicePrincipalId)?.jobs.get(jobId);
        if (job) settle(job);
        return job;
    }

    setJobState(servicePrincipalId: string, jobId: string, state: JobState, quarantineReason?: string): void {
        const job = this.job(servicePrincipalId, jobId);
        if (!job) throw new Error(`emulator: no job ${jobId} on ${servicePrincipalId}`);
        setState(job, state, quarantineReason);
    }

    deleteJob(servicePrincipalId: string, jobId: string): boolean {
        return this.mustServicePrincipal(servicePrincipalId).jobs.delete(jobId);
    }
}

/** What the emulator seeds; the order of id draws is fixed, so a seed gives the same ids every run. */
export interface Seeded {
    githubOidc: { requestToken: string; idToken: string };
    main: ClientRecord;
    unprivileged: ClientRecord;
    managedIdentity: { client: ClientRecord; header: string };
    seed: { servicePrincipalId: string; appId: string; pausedJobId: string; quarantinedJobId: string };
}

export function seedDirectory(directory: Directory): Seeded {
    const { ids } = directory;
    const githubOidc = { requestToken: ids.secret("gh-request"), idToken: `gh.${ids.secret("gh-id")}` };
    const main = directory.addClient({ displayName: "entra-sync-emulator" });
    const unprivileged = directory.addClient({ displayName: "no-permission", permitted: false });
    const managedIdentityClient = directory.addClient({ displayName: "managed identity" });
    const managedIdentity = { client: managedIdentityClient, header: ids.secret("mi-header") };
    const servicePrincipal = directory.addServicePrincipal({ displayName: "SCIM app (emulated)" });
    const seed = {
        servicePrincipalId: servicePrincipal.id,
        appId: servicePrincipal.appId,
        pausedJobId: directory.addJob(servicePrincipal.id, { templateId: "scim", state: "Paused" }).id,
        quarantinedJobId: directory.addJob(servicePrincipal.id, {
            templateId: "scim",
            state: "Quarantine",
            quarantineReason: "EncounteredQuarantineException",
        }).id,
    };
    return { githubOidc, main, unprivileged, managedIdentity, seed };
}

/** A Map keyed by GUIDs that ignores their case, as Graph does in paths. */
export class GuidMap<V> extends Map<string, V> {
    override get(key: string): V | undefined {
        return super.get(key.toLowerCase());
    }
    override has(key: string): boolean {
        return super.has(key.toLowerCase());
    }
    override set(key: string, value: V): this {
        return super.set(key.toLowerCase(), value);
    }
    override delete(key: string): boolean {
        return super.delete(key.toLowerCase());
    }
}
