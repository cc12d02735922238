import { containsUnknown, DEFAULTS, INPUT_NAMES, InputName, UNKNOWN, withTimeoutDefault } from "./inputs";
import type { Settings } from "./settings";
import { triggersEqual } from "./triggers";

const REPLACE_ON: InputName[] = ["servicePrincipalId", "jobId"];

/** A job that refresh found stopped: the drift `ensureActive` corrects. */
export function isStopped(outs: Record<string, unknown>): boolean {
    return outs.status === "Paused" || outs.status === "Quarantine" || outs.scheduleState === "Paused";
}

function withDefault(value: unknown, key: InputName, settings?: Pick<Settings, "timeoutSeconds">): unknown {
    // States written before timeoutSeconds existed: compare against today's default, not "changed".
    if (key === "timeoutSeconds") return withTimeoutDefault(value, settings);
    return value === undefined && key in DEFAULTS ? DEFAULTS[key as keyof typeof DEFAULTS] : value;
}

export interface Decision {
    changes: boolean;
    replaces: string[];
    /** Properties whose change caused the diff (for humans and tests). */
    changed: string[];
    /** Whether the update must start the job (trigger change, or drift under ensureActive). */
    start: boolean;
    /**
     * Whether the update must restart the job: restartTriggers changed from a value in state (set
     * where it was absent only records it). A restart also resumes the job, so it replaces a start.
     */
    restart: boolean;
}

/**
 * Compares old OUTPUTS (what create/update/read stored, inputs echoed) with new checked inputs.
 * Pure: diff and update both use it, so preview says exactly what up will do. `settings` gives
 * timeoutSeconds' default (the provider passes its ENTRA_SYNC_* settings).
 */
export function decide(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
    settings?: Pick<Settings, "timeoutSeconds">,
): Decision {
    const changed: string[] = [];
    const replaces: string[] = [];
    for (const key of INPUT_NAMES) {
        const before = withDefault(olds[key], key, settings);
        const after = withDefault(news[key], key, settings);
        let same: boolean;
        if (key === "triggers" || key === "restartTriggers") same = !containsUnknown(after) && triggersEqual(before, after);
        else same = after !== UNKNOWN && before === after;
        if (same) continue;
        changed.push(key);
        if (REPLACE_ON.includes(key)) replaces.push(key);
    }
    const drift = news.ensureActive === true && isStopped(olds);
    if (drift) changed.push("status");
    const restart = changed.includes("restartTriggers") && olds.restartTriggers !== undefined && news.restartTriggers !== undefined;
    const start = !restart && (changed.includes("triggers") || drift);
    return { changes: changed.length > 0, replaces, changed, start, restart };
}
