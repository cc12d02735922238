import type * as dynamic from "@pulumi/pulumi/dynamic";
import { isMicrosoftAuthority, resolveEndpoints } from "./clouds";
import { CachedCredential, createCredential, planCredential, readConfig, resolveAuthSettings } from "./auth";
import { decide } from "./diff";
import { IncompleteStateError, PartialStartError } from "./errors";
import { GraphSession } from "./graph";
import { deadlineIn } from "./graph/deadline";
import { checkInputs, DEFAULTS, echoInputs, ProviderInputs, ProviderOutputs, withTimeoutDefault } from "./inputs";
import { FailedAfterStart, JobClient, JobTarget, JobView, restartJob, startJob, StartResult } from "./job";
import { readSettings } from "./settings";

/**
 * Everything this provider process holds. One object (not several module variables): when the
 * provider is serialized from local source, module state is copied by value, and a single object
 * keeps one identity for every function that uses it.
 */
const processState: {
    config: Record<string, string>;
    sessions: Record<string, GraphSession>;
    locks: Record<string, Promise<unknown>>;
    /**
     * Jobs a create or update ran on in this process. The engine runs one dynamic-provider host per
     * deployment, and a replace or rename creates the new resource before it deletes the old one: a
     * delete that finds its job here must not pause what the new resource just started.
     */
    claimed: Record<string, string>;
} = { config: {}, sessions: {}, locks: {}, claimed: {} };

/** The largest serialized provider a partial failure carries back to the engine (see runAction). */
const PARTIAL_PROVIDER_MAX_CHARS = 16 * 1024;

/**
 * One key per job, whatever the case of the GUID the program gave (Graph matches it in any case):
 * the job lock and the claims both use it, so two resources naming one job are serialized.
 */
function jobKey(graphEndpoint: string, inputs: Pick<ProviderInputs, "servicePrincipalId" | "jobId">): string {
    return `${graphEndpoint}/${inputs.servicePrincipalId.toLowerCase()}/${inputs.jobId}`;
}

/** The Graph origin these inputs name (no credential is built: a settings-only update calls nothing). */
function graphEndpointOf(inputs: Partial<ProviderInputs>): string {
    return resolveEndpoints(inputs, resolveAuthSettings(processState.config, process.env).environment, process.env).graphEndpoint;
}

/**
 * Stack config arrives here. It must be stored before any await: the host caches the provider
 * before configure resolves, so a concurrent create may already be running.
 */
export async function configure(request: dynamic.ConfigureRequest): Promise<void> {
    processState.config = readConfig(request.config);
}

/** The shared Graph session for these inputs' endpoints and the configured credential. */
export function sessionFor(inputs: Partial<ProviderInputs>): GraphSession {
    const auth = resolveAuthSettings(processState.config, process.env);
    const endpoints = resolveEndpoints(inputs, auth.environment, process.env);
    const plan = planCredential(auth, process.env);
    // The description and the sources name each setting's origin (never a secret): a changed msiEndpoint or
    // file path, or a variable that appeared (SYSTEM_ACCESSTOKEN), is a new credential. The credential is
    // built at its first token request (CachedCredential), so a setting it cannot be built from fails then.
    const key = JSON.stringify([
        endpoints.graphEndpoint,
        endpoints.authorityHost,
        plan.kind,
        plan.tenantId,
        plan.clientId,
        plan.description,
        auth.sources,
    ]);
    let session = processState.sessions[key];
    if (!session) {
        const create = () =>
            createCredential(plan, auth, {
                authorityHost: endpoints.authorityHost,
                disableInstanceDiscovery: !isMicrosoftAuthority(endpoints.authorityHost),
                env: process.env,
            });
        session = new GraphSession(endpoints, new CachedCredential(create, plan, auth, endpoints.authorityHost), readSettings(process.env));
        processState.sessions[key] = session;
    }
    return session;
}

/** Runs operations on one job one at a time in this process, so resources on one job never race. */
async function withJobLock<T>(key: string, operation: () => Promise<T>): Promise<T> {
    const previous = processState.locks[key] ?? Promise.resolve();
    const run = previous.then(operation, operation);
    const settled = run.then(
        () => undefined,
        () => undefined,
    );
    processState.locks[key] = settled;
    try {
        return await run;
    } finally {
        if (processState.locks[key] === settled) delete processState.locks[key];
    }
}

/** timeoutSeconds; states written before it existed use ENTRA_SYNC_TIMEOUT_SECONDS. */
function timeoutOf(inputs: Partial<ProviderInputs>): number {
    return withTimeoutDefault(inputs.timeoutSeconds, readSettings(process.env)) as number;
}

function targetOf(inputs: ProviderInputs): JobTarget {
    return { servicePrincipalId: inputs.servicePrincipalId, jobId: inputs.jobId, apiVersion: inputs.apiVersion ?? DEFAULTS.apiVersion };
}

function stripUndefined<T extends object>(value: T): T {
    return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as T;
}

/** What the resource remembers of its own actions (the rest is read from Graph). */
type History = Pick<ProviderOutputs, "lastAction" | "startedAt" | "startCount" | "restartedAt" | "restartCount">;

function historyOf(olds: Partial<ProviderOutputs>): History {
    return {
        lastAction: olds.lastAction,
        startedAt: olds.startedAt,
        startCount: typeof olds.startCount === "number" ? olds.startCount : 0,
        restartedAt: olds.restartedAt,
        restartCount: typeof olds.restartCount === "number" ? olds.restartCount : 0,
    };
}

function outputs(inputs: ProviderInputs, job: Partial<JobView> | undefined, history: History): ProviderOutputs {
    return stripUndefined({
        ...echoInputs(inputs),
        status: job?.status,
        scheduleState: job?.scheduleState,
        quarantineReason: job?.quarantineReason,
        lastRun: job?.lastRun,
        troubleshootingUrl: job?.troubleshootingUrl,
        ...history,
    });
}

/** The history after an action: a start or restart counts and is dated; a skip only says so. */
function afterAction(previous: History, action: StartResult["action"], at: string | undefined): History {
    return {
        ...previous,
        lastAction: action,
        startedAt: action === "started" ? at : previous.startedAt,
        startCount: previous.startCount + (action === "started" ? 1 : 0),
        restartedAt: action === "restarted" ? at : previous.restartedAt,
        restartCount: (previous.restartCount ?? 0) + (action === "restarted" ? 1 : 0),
    };
}

/**
 * Starts (or skips), or restarts, under the job lock and builds outputs; a failure after the
 * action is partial, so state records what was done.
 */
async function runAction(id: string, inputs: ProviderInputs, previous: History, kind: "start" | "restart"): Promise<ProviderOutputs> {
    const session = sessionFor(inputs);
    const job = new JobClient(session, targetOf(inputs));
    const key = jobKey(session.endpoints.graphEndpoint, inputs);
    processState.claimed[key] = id;
    let result: StartResult;
    try {
        result = await withJobLock(key, () => {
            // Taken inside the lock: the wait for another operation on this job is bounded by that one's deadline.
            const deadline = deadlineIn(timeoutOf(inputs));
            const options = {
                startPolicy: inputs.startPolicy,
                waitFor: inputs.waitFor,
                waitTimeoutSeconds: inputs.waitTimeoutSeconds,
                pollIntervalMs: readSettings(process.env).pollIntervalMs,
                deadline,
                waitDeadline: { ...deadlineIn(timeoutOf(inputs) + inputs.waitTimeoutSeconds), seconds: deadline.seconds },
            };
            return kind === "restart"
                ? restartJob(job, { ...options, restartScope: inputs.restartScope ?? DEFAULTS.restartScope })
                : startJob(job, options);
        });
    } catch (e) {
        if (e instanceof FailedAfterStart) {
            const outs = outputs(inputs, e.job, afterAction(previous, e.action, e.startedAt));
            // The engine stores a partial failure's properties as the resource's outputs, and the
            // dynamic-provider host adds `__provider` only to a success's: without it here, refresh
            // and destroy fail with "code must be a string, not undefined" until an up succeeds
            // (they load the provider from the outputs' copy). Found under the real engine (tests/e2e).
            // Only the small one an installed package gives (a `require`, ~300 bytes): the error's
            // properties travel in a gRPC trailer, and Node's HTTP/2 peers refuse header lists over
            // 64 KB, which a provider serialized by value (run from source) can exceed.
            const serialized = (inputs as { __provider?: unknown }).__provider;
            const keep = typeof serialized === "string" && serialized.length <= PARTIAL_PROVIDER_MAX_CHARS;
            throw new PartialStartError(id, keep ? { ...outs, __provider: serialized } : outs, e.failure, e.action);
        }
        throw e;
    }
    return outputs(inputs, result.job, afterAction(previous, result.action, result.startedAt));
}

/** Validates and normalizes; with no failures, what it returns is a complete ProviderInputs. */
export async function check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.CheckResult<ProviderInputs>> {
    const { inputs, failures } = checkInputs(news, readSettings(process.env));
    return { inputs: inputs as ProviderInputs, failures };
}

export async function diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.DiffResult> {
    const decision = decide(olds, news, readSettings(process.env));
    return { changes: decision.changes, replaces: decision.replaces, deleteBeforeReplace: false };
}

export async function create(inputs: ProviderInputs): Promise<dynamic.CreateResult<ProviderOutputs>> {
    const id = `${inputs.servicePrincipalId}/${inputs.jobId}`;
    return { id, outs: await runAction(id, inputs, historyOf({}), "start") };
}

export async function update(id: string, olds: ProviderOutputs, news: ProviderInputs): Promise<dynamic.UpdateResult<ProviderOutputs>> {
    const decision = decide(olds, news, readSettings(process.env));
    // A restart also resumes a paused job: restartTriggers and triggers changing together make one restart.
    if (decision.restart) return { outs: await runAction(id, news, historyOf(olds), "restart") };
    if (decision.start) return { outs: await runAction(id, news, historyOf(olds), "start") };
    processState.claimed[jobKey(graphEndpointOf(news), news)] = id;
    // Settings only (or restartTriggers set where it was absent): no Graph call; keep what was last read.
    return { outs: outputs(news, olds, historyOf(olds)) };
}

export async function read(id: string, props?: ProviderOutputs): Promise<dynamic.ReadResult<ProviderOutputs>> {
    if (!props || !props.servicePrincipalId || !props.jobId) {
        throw new IncompleteStateError(
            `refresh of ${id} failed: the state has no servicePrincipalId/jobId (pulumi import of a dynamic resource is not supported; declare the resource and run up instead)`,
        );
    }
    const session = sessionFor(props);
    const job = await new JobClient(session, targetOf(props)).readIfExists(deadlineIn(timeoutOf(props)), session.credential.tenantId);
    // Confirmed gone: an empty id removes the resource from state (the host cannot encode an absent id).
    if (!job) return { id: "", props: {} as ProviderOutputs };
    return {
        id,
        props: outputs(props, job, historyOf(props)),
    };
}

export async function remove(id: string, props: ProviderOutputs): Promise<void> {
    if (props.onDelete !== "pause") return;
    const session = sessionFor(props);
    const key = jobKey(session.endpoints.graphEndpoint, props);
    await withJobLock(key, async () => {
        if (processState.claimed[key]) {
            // The dynamic provider host has no channel to the engine's log and delete returns nothing:
            // the engine shows each line a dynamic provider writes as a diagnostic of the update
            // (tests/e2e/replace.test.ts sees it in `pulumi up`'s output).
            process.stderr.write(
                `pulumi-entra-sync: delete of ${id} did not pause job ${props.jobId}: another SyncJobStart created, started or updated it in this deployment (a replace or rename); the job keeps running.\n`,
            );
            return;
        }
        await new JobClient(session, targetOf(props)).pause(deadlineIn(timeoutOf(props)));
    });
}
