import { endpointProblem, ENVIRONMENT_NAMES, parseEnvironment } from "./clouds";
import { readSettings, SETTING_DEFAULTS, type Settings } from "./settings";
import { canonicalize, JsonValue, sizeProblem, TriggersValueError } from "./triggers";

/** The value the engine sends for an input not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

// Allowed values: each list is the one source; check, the types and the docs derive from it.
export const START_POLICIES = ["ifNotActive", "always"] as const;
export type StartPolicy = (typeof START_POLICIES)[number];
export const WAIT_FOR = ["none", "active", "cycle"] as const;
export type WaitFor = (typeof WAIT_FOR)[number];
export const ON_DELETE = ["none", "pause"] as const;
export type OnDelete = (typeof ON_DELETE)[number];
export const API_VERSIONS = ["v1.0", "beta"] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];
/** restartScope's names (criteria.resetScope); None and ConnectorDataStore are documented "DO NOT USE". */
export const RESET_SCOPES = ["Watermark", "Escrows", "QuarantineState", "ForceDeletes", "Full"] as const;
export type ResetScope = (typeof RESET_SCOPES)[number];
const FORBIDDEN_RESET_SCOPES = ["None", "ConnectorDataStore"];

/**
 * Inputs as the provider sees them after check (defaults filled in). A type, not an interface, so
 * it is also a Record<string, unknown> (what the generic helpers take) without a cast.
 */
export type ProviderInputs = {
    servicePrincipalId: string;
    jobId: string;
    triggers?: JsonValue;
    restartTriggers?: JsonValue;
    restartScope: string;
    startPolicy: StartPolicy;
    waitFor: WaitFor;
    waitTimeoutSeconds: number;
    timeoutSeconds: number;
    ensureActive: boolean;
    onDelete: OnDelete;
    environment?: string;
    apiVersion: ApiVersion;
    graphEndpoint?: string;
    authorityHost?: string;
};

/** What create/update/read add to the echoed inputs. */
export type ProviderOutputs = ProviderInputs & {
    status?: string;
    scheduleState?: string;
    quarantineReason?: string;
    lastAction?: "started" | "restarted" | "skipped";
    startedAt?: string;
    startCount: number;
    restartedAt?: string;
    restartCount?: number;
    lastRun?: LastRun;
    troubleshootingUrl?: string;
};

/** A provisioning run as the resource reports it (Graph's status.lastExecution, members it lacks left out). */
export type LastRun = {
    state?: string;
    timeBegan?: string;
    timeEnded?: string;
    countExported?: number;
    countEscrowed?: number;
    errorCode?: string;
    errorMessage?: string;
};

export interface CheckFailure {
    property: string;
    reason: string;
}

export const DEFAULTS = {
    restartScope: "Watermark, Escrows, QuarantineState",
    startPolicy: "ifNotActive",
    waitFor: "none",
    waitTimeoutSeconds: 300,
    ensureActive: false,
    onDelete: "none",
    apiVersion: "v1.0",
} as const satisfies Partial<ProviderInputs>;

/** The longest timeoutSeconds and waitTimeoutSeconds: a day. */
const MAX_SECONDS = 86_400;

/** The documented defaults, no ENTRA_SYNC_* variable set: what the pure functions use unless given the provider's. */
const DEFAULT_SETTINGS = readSettings({});

/**
 * timeoutSeconds where none is given (check fills it in; states written before it existed are read
 * with it): ENTRA_SYNC_TIMEOUT_SECONDS, default 120. The one place that default is applied.
 */
export function withTimeoutDefault(value: unknown, settings: Pick<Settings, "timeoutSeconds"> = DEFAULT_SETTINGS): unknown {
    return value === undefined || value === null ? settings.timeoutSeconds : value;
}

// Every key of ProviderInputs, exactly once: the Record type refuses a missing or unknown name.
const INPUT_KEYS: Record<keyof ProviderInputs, true> = {
    servicePrincipalId: true,
    jobId: true,
    triggers: true,
    restartTriggers: true,
    restartScope: true,
    startPolicy: true,
    waitFor: true,
    waitTimeoutSeconds: true,
    timeoutSeconds: true,
    ensureActive: true,
    onDelete: true,
    environment: true,
    apiVersion: true,
    graphEndpoint: true,
    authorityHost: true,
};
export type InputName = keyof ProviderInputs;
/** The inputs' names, in the order diff reports them. */
export const INPUT_NAMES = Object.keys(INPUT_KEYS) as InputName[];

export function isInputName(key: string): key is InputName {
    return (INPUT_NAMES as string[]).includes(key);
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const JOB_ID = /^[A-Za-z0-9._-]+$/;
const MAX_JOB_ID = 256;
/** azuread 6's id of a service principal (ServicePrincipal.id, what SynchronizationJob.servicePrincipalId validates). */
const AZUREAD_SERVICE_PRINCIPAL_ID = /^\/servicePrincipals\/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;
const AZUREAD_JOB_ID =
    /^\/servicePrincipals\/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\/synchronization\/jobs\/([^/]+)$/;

/** How much of a bad value a check failure quotes (a pasted URL or secret is cut short). */
const SHOWN_CHARS = 60;

function show(value: unknown): string {
    const text = typeof value === "string" ? JSON.stringify(value) : String(value);
    return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text;
}

function oneOf(name: InputName, value: unknown, allowed: readonly string[], failures: CheckFailure[]): void {
    if (value === undefined || value === UNKNOWN) return;
    if (typeof value !== "string" || !allowed.includes(value)) {
        failures.push({ property: name, reason: `${show(value)} is not one of ${allowed.map((a) => `"${a}"`).join(", ")}` });
    }
}

/**
 * The canonical form of a triggers value, or why it is refused (the reason starts where check's
 * reasons start: after the property name). One rule for check and for the resource's constructor.
 */
export function checkTriggers(value: unknown): { canonical: JsonValue; problem?: undefined } | { problem: string } {
    try {
        const canonical = canonicalize(value);
        const problem = sizeProblem(canonical);
        return problem ? { problem } : { canonical };
    } catch (e) {
        if (!(e instanceof TriggersValueError)) throw e;
        return { problem: `${e.at} ${e.reason}` };
    }
}

/**
 * The object id inside azuread 6's `/servicePrincipals/{guid}` form; anything else as given. The
 * resource id, the Graph paths and the outputs all use the bare GUID.
 */
export function normalizeServicePrincipalId(value: unknown): unknown {
    const match = typeof value === "string" ? AZUREAD_SERVICE_PRINCIPAL_ID.exec(value) : null;
    return match ? match[1] : value;
}

/** Why a servicePrincipalId is unacceptable, or undefined. */
export function servicePrincipalIdProblem(value: unknown): string | undefined {
    if (typeof value !== "string" || value === "") {
        return "is required: the object id (GUID) of the service principal that owns the job (e.g. azuread.ServicePrincipal's objectId)";
    }
    if (!GUID.test(value)) {
        return `${show(value)} is not a GUID; give the service principal's object id, such as 1b9e6a3e-0c8f-4a56-9a57-2b1f3c4d5e6f, or azuread's id form /servicePrincipals/1b9e6a3e-0c8f-4a56-9a57-2b1f3c4d5e6f`;
    }
    return undefined;
}

/**
 * restartScope in its canonical spelling ("Watermark, Escrows"), or why it is refused. Names are
 * matched without regard to case or spaces and kept in RESET_SCOPES' order.
 */
export function normalizeRestartScope(value: unknown): { scope: string; problem?: undefined } | { problem: string } {
    if (typeof value !== "string" || value.trim() === "") {
        return { problem: `${show(value)} is not a comma-separated list of ${RESET_SCOPES.join(", ")}` };
    }
    const names = value.split(",").map((name) => name.trim());
    const forbidden = names.filter((name) => FORBIDDEN_RESET_SCOPES.some((bad) => bad.toLowerCase() === name.toLowerCase()));
    if (forbidden.length) {
        return {
            problem: `${forbidden.join(", ")} is documented by Microsoft as "DO NOT USE"; use ${RESET_SCOPES.join(", ")} (the default "Watermark, Escrows, QuarantineState" is the admin center's Restart provisioning)`,
        };
    }
    const unknown = names.filter((name) => !RESET_SCOPES.some((known) => known.toLowerCase() === name.toLowerCase()));
    if (unknown.length)
        return { problem: `${unknown.map((name) => JSON.stringify(name)).join(", ")} is not one of ${RESET_SCOPES.join(", ")}` };
    const wanted = new Set(names.map((name) => name.toLowerCase()));
    return { scope: RESET_SCOPES.filter((known) => wanted.has(known.toLowerCase())).join(", ") };
}

/** Why a jobId is unacceptable, or undefined. Only [A-Za-z0-9._-] reach Graph, so no path can be formed. */
export function jobIdProblem(value: unknown): string | undefined {
    if (typeof value !== "string" || value === "") {
        return "is required: the synchronization job id, e.g. azuread.SynchronizationJob's id or scim.0123…cdef.guid";
    }
    if (value.length > MAX_JOB_ID) return `is ${value.length} characters long; job ids are at most ${MAX_JOB_ID}`;
    if (!JOB_ID.test(value) || value === "." || value === "..") {
        return `${show(value)} has characters a job id never has; use letters, digits, ".", "-" and "_" only (e.g. scim.0123456789abcdef0123456789abcdef)`;
    }
    return undefined;
}

/**
 * check: validates and normalizes inputs (defaults filled, triggers canonical). Unknown values
 * (preview) pass through unchecked; they are checked again when known.
 */
export function checkInputs(
    news: Record<string, unknown>,
    settings: Pick<Settings, "timeoutSeconds"> = DEFAULT_SETTINGS,
): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
    const failures: CheckFailure[] = [];
    const inputs: Record<string, unknown> = { ...news };
    for (const key of Object.keys(news)) {
        if (key !== "__provider" && !isInputName(key)) {
            failures.push({ property: key, reason: `is not an input of SyncJobStart; known inputs: ${INPUT_NAMES.join(", ")}` });
        }
    }
    for (const [key, value] of Object.entries(DEFAULTS)) {
        if (inputs[key] === undefined || inputs[key] === null) inputs[key] = value;
    }
    inputs.timeoutSeconds = withTimeoutDefault(inputs.timeoutSeconds, settings);

    const servicePrincipalId = normalizeServicePrincipalId(news.servicePrincipalId);
    if (servicePrincipalId !== UNKNOWN) {
        inputs.servicePrincipalId = servicePrincipalId;
        const problem = servicePrincipalIdProblem(servicePrincipalId);
        if (problem) failures.push({ property: "servicePrincipalId", reason: problem });
    }
    if (news.jobId !== UNKNOWN) {
        // azuread.SynchronizationJob's id is the path /servicePrincipals/{sp}/synchronization/jobs/{jobId};
        // users pass it as is, so take the job id from it (and check it belongs to servicePrincipalId).
        const azureadId = typeof news.jobId === "string" ? AZUREAD_JOB_ID.exec(news.jobId) : null;
        if (azureadId) {
            const [, owner, jobId] = azureadId;
            inputs.jobId = jobId;
            if (
                typeof servicePrincipalId === "string" &&
                servicePrincipalId !== UNKNOWN &&
                servicePrincipalId.toLowerCase() !== owner.toLowerCase()
            ) {
                failures.push({
                    property: "jobId",
                    reason: `belongs to service principal ${owner}, but servicePrincipalId is ${servicePrincipalId}; pass the same service principal to both`,
                });
            }
        }
        const problem = jobIdProblem(inputs.jobId);
        if (problem) failures.push({ property: "jobId", reason: problem });
    }
    for (const key of ["triggers", "restartTriggers"] as const) {
        if (news[key] === undefined || containsUnknown(news[key])) continue;
        const triggers = checkTriggers(news[key]);
        if (triggers.problem !== undefined) failures.push({ property: key, reason: triggers.problem });
        else inputs[key] = triggers.canonical;
    }
    if (inputs.restartScope !== UNKNOWN) {
        const restartScope = normalizeRestartScope(inputs.restartScope);
        if (restartScope.problem !== undefined) failures.push({ property: "restartScope", reason: restartScope.problem });
        else inputs.restartScope = restartScope.scope;
    }
    oneOf("startPolicy", inputs.startPolicy, START_POLICIES, failures);
    oneOf("waitFor", inputs.waitFor, WAIT_FOR, failures);
    oneOf("onDelete", inputs.onDelete, ON_DELETE, failures);
    oneOf("apiVersion", inputs.apiVersion, API_VERSIONS, failures);
    const waitTimeout = inputs.waitTimeoutSeconds;
    if (
        waitTimeout !== UNKNOWN &&
        (typeof waitTimeout !== "number" || !Number.isFinite(waitTimeout) || waitTimeout < 1 || waitTimeout > MAX_SECONDS)
    ) {
        failures.push({
            property: "waitTimeoutSeconds",
            reason: `${show(waitTimeout)} is not a number of seconds from 1 to ${MAX_SECONDS}`,
        });
    }
    const timeout = inputs.timeoutSeconds;
    if (timeout !== UNKNOWN && (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_SECONDS)) {
        failures.push({
            property: "timeoutSeconds",
            reason: `${show(timeout)} is not a positive number of seconds (at most ${MAX_SECONDS}); give e.g. ${SETTING_DEFAULTS.timeoutSeconds}, or leave it out for ENTRA_SYNC_TIMEOUT_SECONDS (default ${SETTING_DEFAULTS.timeoutSeconds})`,
        });
    }
    if (inputs.ensureActive !== UNKNOWN && typeof inputs.ensureActive !== "boolean") {
        failures.push({ property: "ensureActive", reason: `${show(inputs.ensureActive)} is not true or false` });
    }
    const environment = news.environment;
    if (
        environment !== undefined &&
        environment !== UNKNOWN &&
        (typeof environment !== "string" || parseEnvironment(environment) === undefined)
    ) {
        failures.push({
            property: "environment",
            reason: `${show(environment)} is not one of ${ENVIRONMENT_NAMES.map((name) => `"${name}"`).join(", ")}`,
        });
    }
    for (const key of ["graphEndpoint", "authorityHost"] as const) {
        const value = news[key];
        if (value === undefined || value === UNKNOWN) continue;
        const problem = typeof value === "string" ? endpointProblem(value) : `${show(value)} is not a string`;
        if (problem) failures.push({ property: key, reason: problem });
    }
    return { inputs, failures };
}

/** Whether a value holds the preview's unknown marker anywhere. */
export function containsUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
    return false;
}

/** The inputs part of the stored outputs (what diff compares new inputs against). */
export function echoInputs(inputs: ProviderInputs): ProviderInputs {
    return Object.fromEntries(INPUT_NAMES.filter((key) => inputs[key] !== undefined).map((key) => [key, inputs[key]])) as ProviderInputs;
}
