import { endpointProblem, ENVIRONMENTS, parseEnvironment } from "./clouds";
import { canonicalize, JsonValue, sizeProblem, TriggersValueError } from "./triggers";

/** The value the engine sends for an input not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type StartPolicy = "ifNotActive" | "always";
export type WaitFor = "none" | "active";
export type OnDelete = "none" | "pause";
export type ApiVersion = "v1.0" | "beta";

/** Inputs as the provider sees them after check (defaults filled in). */
export interface ProviderInputs {
    servicePrincipalId: string;
    jobId: string;
    triggers?: JsonValue;
    startPolicy: StartPolicy;
    waitFor: WaitFor;
    waitTimeoutSeconds: number;
    ensureActive: boolean;
    onDelete: OnDelete;
    environment?: string;
    apiVersion: ApiVersion;
    graphEndpoint?: string;
    authorityHost?: string;
}

/** What create/update/read add to the echoed inputs. */
export interface ProviderOutputs extends ProviderInputs {
    status?: string;
    scheduleState?: string;
    quarantineReason?: string;
    lastAction?: "started" | "skipped";
    startedAt?: string;
    startCount: number;
}

export interface CheckFailure {
    property: string;
    reason: string;
}

export const DEFAULTS = {
    startPolicy: "ifNotActive" as StartPolicy,
    waitFor: "none" as WaitFor,
    waitTimeoutSeconds: 300,
    ensureActive: false,
    onDelete: "none" as OnDelete,
    apiVersion: "v1.0" as ApiVersion,
};

export const INPUT_NAMES = [
    "servicePrincipalId", "jobId", "triggers", "startPolicy", "waitFor", "waitTimeoutSeconds",
    "ensureActive", "onDelete", "environment", "apiVersion", "graphEndpoint", "authorityHost",
];

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const JOB_ID = /^[A-Za-z0-9._-]+$/;
const MAX_JOB_ID = 256;
const AZUREAD_JOB_ID = /^\/servicePrincipals\/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\/synchronization\/jobs\/([^/]+)$/;

function show(v: unknown): string {
    const s = typeof v === "string" ? JSON.stringify(v) : String(v);
    return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[], failures: CheckFailure[]): void {
    if (v === undefined || v === UNKNOWN) return;
    if (!allowed.includes(v as T)) {
        failures.push({ property: name, reason: `${show(v)} is not one of ${allowed.map((a) => `"${a}"`).join(", ")}` });
    }
}

/** Why a servicePrincipalId is unacceptable, or undefined. */
export function servicePrincipalIdProblem(v: unknown): string | undefined {
    if (typeof v !== "string" || v === "") {
        return "is required: the object id (GUID) of the service principal that owns the job (e.g. azuread.ServicePrincipal's objectId)";
    }
    if (!GUID.test(v)) {
        return `${show(v)} is not a GUID; give the service principal's object id, such as 1b9e6a3e-0c8f-4a56-9a57-2b1f3c4d5e6f`;
    }
    return undefined;
}

/** Why a jobId is unacceptable, or undefined. Only [A-Za-z0-9._-] reach Graph, so no path can be formed. */
export function jobIdProblem(v: unknown): string | undefined {
    if (typeof v !== "string" || v === "") {
        return "is required: the synchronization job id, e.g. azuread.SynchronizationJob's id or scim.0123…cdef.guid";
    }
    if (v.length > MAX_JOB_ID) return `is ${v.length} characters long; job ids are at most ${MAX_JOB_ID}`;
    if (!JOB_ID.test(v) || v === "." || v === "..") {
        return `${show(v)} has characters a job id never has; use letters, digits, ".", "-" and "_" only (e.g. scim.0123456789abcdef0123456789abcdef)`;
    }
    return undefined;
}

/**
 * check: validates and normalizes inputs (defaults filled, triggers canonical). Unknown values
 * (preview) pass through unchecked; they are checked again when known.
 */
export function checkInputs(news: Record<string, unknown>): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
    const failures: CheckFailure[] = [];
    const inputs: Record<string, unknown> = { ...news };
    for (const key of Object.keys(news)) {
        if (key !== "__provider" && !INPUT_NAMES.includes(key)) {
            failures.push({ property: key, reason: `is not an input of SyncJobStart; known inputs: ${INPUT_NAMES.join(", ")}` });
        }
    }
    for (const [key, value] of Object.entries(DEFAULTS)) {
        if (inputs[key] === undefined || inputs[key] === null) inputs[key] = value;
    }

    if (news.servicePrincipalId !== UNKNOWN) {
        const p = servicePrincipalIdProblem(news.servicePrincipalId);
        if (p) failures.push({ property: "servicePrincipalId", reason: p });
    }
    if (news.jobId !== UNKNOWN) {
        // azuread.SynchronizationJob's id is the path /servicePrincipals/{sp}/synchronization/jobs/{jobId};
        // users pass it as is, so take the job id from it (and check it belongs to servicePrincipalId).
        const m = typeof news.jobId === "string" ? AZUREAD_JOB_ID.exec(news.jobId) : null;
        if (m) {
            inputs.jobId = m[2];
            if (typeof news.servicePrincipalId === "string" && news.servicePrincipalId !== UNKNOWN && news.servicePrincipalId.toLowerCase() !== m[1].toLowerCase()) {
                failures.push({ property: "jobId", reason: `belongs to service principal ${m[1]}, but servicePrincipalId is ${news.servicePrincipalId}; pass the same service principal to both` });
            }
        }
        const p = jobIdProblem(inputs.jobId);
        if (p) failures.push({ property: "jobId", reason: p });
    }
    if (news.triggers !== undefined && !containsUnknown(news.triggers)) {
        try {
            const canonical = canonicalize(news.triggers);
            const p = sizeProblem(canonical);
            if (p) failures.push({ property: "triggers", reason: p });
            else inputs.triggers = canonical;
        } catch (e) {
            if (!(e instanceof TriggersValueError)) throw e;
            failures.push({ property: "triggers", reason: `${e.at} ${e.reason}` });
        }
    }
    oneOf("startPolicy", inputs.startPolicy, ["ifNotActive", "always"], failures);
    oneOf("waitFor", inputs.waitFor, ["none", "active"], failures);
    oneOf("onDelete", inputs.onDelete, ["none", "pause"], failures);
    oneOf("apiVersion", inputs.apiVersion, ["v1.0", "beta"], failures);
    const t = inputs.waitTimeoutSeconds;
    if (t !== UNKNOWN && (typeof t !== "number" || !Number.isFinite(t) || t < 1 || t > 86400)) {
        failures.push({ property: "waitTimeoutSeconds", reason: `${show(t)} is not a number of seconds from 1 to 86400` });
    }
    if (inputs.ensureActive !== UNKNOWN && typeof inputs.ensureActive !== "boolean") {
        failures.push({ property: "ensureActive", reason: `${show(inputs.ensureActive)} is not true or false` });
    }
    const env = news.environment;
    if (env !== undefined && env !== UNKNOWN && (typeof env !== "string" || parseEnvironment(env) === undefined)) {
        failures.push({ property: "environment", reason: `${show(env)} is not one of ${Object.keys(ENVIRONMENTS).map((e) => `"${e}"`).join(", ")}` });
    }
    for (const key of ["graphEndpoint", "authorityHost"]) {
        const v = news[key];
        if (v === undefined || v === UNKNOWN) continue;
        const p = typeof v === "string" ? endpointProblem(v) : `${show(v)} is not a string`;
        if (p) failures.push({ property: key, reason: p });
    }
    return { inputs, failures };
}

/** Whether a value holds the preview's unknown marker anywhere. */
export function containsUnknown(v: unknown): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(containsUnknown);
    if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
    return false;
}

/** The inputs part of the stored outputs (what diff compares new inputs against). */
export function echoInputs(inputs: Record<string, unknown>): ProviderInputs {
    const out: Record<string, unknown> = {};
    for (const key of INPUT_NAMES) if (inputs[key] !== undefined) out[key] = inputs[key];
    return out as unknown as ProviderInputs;
}
