/**
 * What of a job answer may reach state (pure, but for the one stderr note). Graph's answer is data
 * from the network: only fields that are what they claim to be are kept (an https: URL, ISO times,
 * enums from their sets, counts that are counts); Graph's sentinels ("0001-01-01T00:00:00Z", an
 * empty-string quarantine reason, the "never" interval) mean "none" and are left out; anything else
 * is left out too and named once on stderr.
 */
import type { LastRun } from "./inputs";

export const JOB_STATUS_CODES = ["NotConfigured", "NotRun", "Active", "Paused", "Quarantine"] as const;
export const SCHEDULE_STATES = ["Active", "Disabled", "Paused"] as const;
/** synchronizationQuarantine.reason (Graph's quarantineReason enum). */
export const QUARANTINE_REASONS = [
    "EncounteredBaseEscrowThreshold",
    "EncounteredTotalEscrowThreshold",
    "EncounteredEscrowProportionThreshold",
    "EncounteredQuarantineException",
    "Unknown",
    "QuarantinedOnDemand",
    "TooManyDeletes",
    "IngestionInterrupted",
] as const;
/** synchronizationTaskExecution.state. */
export const RUN_STATES = ["Succeeded", "Failed", "EntryLevelErrors"] as const;

/** Graph's "no date": .NET's DateTime.MinValue. */
export function isSentinelTime(value: unknown): boolean {
    return typeof value === "string" && value.startsWith("0001-01-01");
}

/** The "never" interval (TimeSpan.MaxValue), as a job that is not scheduled shows it. */
export function isNeverInterval(value: unknown): boolean {
    return typeof value === "string" && value.startsWith("P10675199DT");
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})$/;
const CODE = /^[A-Za-z0-9_.:-]{1,200}$/;
const TEMPLATE_ID = /^[A-Za-z0-9_.-]{1,100}$/;
const MAX_TEXT = 2000;
const MAX_URL = 2048;

/** A field left out of the outputs, and why. */
export interface Refused {
    field: string;
    why: string;
}

/** The fields of a job answer that may reach state. */
export interface JobFields {
    status?: string;
    scheduleState?: string;
    quarantineReason?: string;
    lastRun?: LastRun;
    troubleshootingUrl?: string;
    templateId?: string;
    /** QuarantineTooManyDeletesThreshold from synchronizationJobSettings, when Graph gives it. */
    deleteThreshold?: string;
}

/** Reads one field: `absent` (null, undefined, "" or a sentinel) gives undefined silently; an invalid value is refused. */
class FieldReader {
    readonly refused: Refused[] = [];

    private refuse(field: string, why: string): undefined {
        this.refused.push({ field, why });
        return undefined;
    }

    private static absent(value: unknown): boolean {
        return value === undefined || value === null || value === "" || isSentinelTime(value);
    }

    oneOf(field: string, value: unknown, allowed: readonly string[]): string | undefined {
        if (FieldReader.absent(value)) return undefined;
        if (typeof value === "string" && allowed.includes(value)) return value;
        return this.refuse(field, `not one of ${allowed.join(", ")}`);
    }

    time(field: string, value: unknown): string | undefined {
        if (FieldReader.absent(value)) return undefined;
        if (typeof value === "string" && ISO_TIME.test(value) && !Number.isNaN(Date.parse(value))) return value;
        return this.refuse(field, "not an ISO 8601 time");
    }

    httpsUrl(field: string, value: unknown): string | undefined {
        if (FieldReader.absent(value)) return undefined;
        if (typeof value === "string" && value.length <= MAX_URL) {
            try {
                if (new URL(value).protocol === "https:") return value;
            } catch {
                // refused below
            }
        }
        return this.refuse(field, "not an https: URL");
    }

    count(field: string, value: unknown): number | undefined {
        if (value === undefined || value === null) return undefined;
        if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
        return this.refuse(field, "not a count");
    }

    code(field: string, value: unknown): string | undefined {
        if (FieldReader.absent(value)) return undefined;
        if (typeof value === "string" && CODE.test(value)) return value;
        return this.refuse(field, "not a code (letters, digits, _ . : -)");
    }

    text(field: string, value: unknown): string | undefined {
        if (FieldReader.absent(value)) return undefined;
        if (typeof value === "string" && value.length <= MAX_TEXT) return value;
        return this.refuse(field, `not a text of at most ${MAX_TEXT} characters`);
    }

    templateId(field: string, value: unknown): string | undefined {
        if (FieldReader.absent(value)) return undefined;
        if (typeof value === "string" && TEMPLATE_ID.test(value)) return value;
        return this.refuse(field, "not a template id");
    }
}

/** The fields of a job answer (Graph's synchronizationJob) that may reach state, and what was refused. */
export function readJobFields(body: unknown): { fields: JobFields; refused: Refused[] } {
    const job = (body ?? {}) as Record<string, any>;
    const status = (job.status ?? {}) as Record<string, any>;
    const read = new FieldReader();
    const fields: JobFields = {
        status: read.oneOf("status.code", status.code, JOB_STATUS_CODES),
        scheduleState: read.oneOf("schedule.state", job.schedule?.state, SCHEDULE_STATES),
        quarantineReason: read.oneOf("status.quarantine.reason", status.quarantine?.reason, QUARANTINE_REASONS),
        lastRun: readLastRun(read, status.lastExecution),
        troubleshootingUrl: read.httpsUrl("status.troubleshootingUrl", status.troubleshootingUrl),
        templateId: read.templateId("templateId", job.templateId),
        deleteThreshold: deleteThresholdOf(read, job.synchronizationJobSettings),
    };
    return { fields: stripUndefined(fields), refused: read.refused };
}

/** status.lastExecution as lastRun; undefined when the job reports none (null, or a sentinel timeBegan: never ran). */
function readLastRun(read: FieldReader, execution: unknown): LastRun | undefined {
    if (!execution || typeof execution !== "object") return undefined;
    const run = execution as Record<string, any>;
    const timeBegan = read.time("status.lastExecution.timeBegan", run.timeBegan);
    if (!timeBegan) return undefined;
    return stripUndefined({
        state: read.oneOf("status.lastExecution.state", run.state, RUN_STATES),
        timeBegan,
        timeEnded: read.time("status.lastExecution.timeEnded", run.timeEnded),
        countExported: read.count("status.lastExecution.countExported", run.countExported),
        countEscrowed: read.count("status.lastExecution.countEscrowed", run.countEscrowed),
        errorCode: read.code("status.lastExecution.error.code", run.error?.code),
        errorMessage: read.text("status.lastExecution.error.message", run.error?.message),
    });
}

function deleteThresholdOf(read: FieldReader, settings: unknown): string | undefined {
    if (!Array.isArray(settings)) return undefined;
    const setting = settings.find((entry) => entry && typeof entry === "object" && entry.name === "QuarantineTooManyDeletesThreshold");
    if (!setting || setting.value === undefined || setting.value === null || setting.value === "") return undefined;
    const value = String(setting.value);
    if (/^\d{1,9}$/.test(value)) return value;
    read.count("synchronizationJobSettings.QuarantineTooManyDeletesThreshold", -1);
    return undefined;
}

function stripUndefined<T extends object>(value: T): T {
    return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as T;
}

/** What was already named on stderr in this process (one object: see operations.ts on module state). */
const named: { keys: Record<string, true> } = { keys: {} };

/**
 * Names refused fields on stderr, each field and reason once per provider process (the dynamic
 * provider host has no other channel to the engine's log; stderr reaches it).
 */
export function reportRefused(refused: Refused[], write: (text: string) => void = (text) => process.stderr.write(text)): void {
    for (const { field, why } of refused) {
        const key = `${field}\u0000${why}`;
        if (named.keys[key]) continue;
        named.keys[key] = true;
        write(`pulumi-entra-sync: ${field} from Graph left out of the outputs: ${why}.\n`);
    }
}
