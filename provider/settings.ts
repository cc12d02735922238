/**
 * Every ENTRA_SYNC_* variable the provider reads, in one place (the README's table mirrors this).
 * Read at call time, from the environment of the process running the provider: the provider host's,
 * not the program's that serialized it, so nothing here may be captured at module load.
 */
import { DEFAULT_MAX_CONCURRENCY } from "./graph/limiter";

export interface Settings {
    /**
     * ENTRA_SYNC_MAX_CONCURRENCY: the cap on Graph requests in flight per provider process; the limit
     * itself adapts below it (starts at 64, grows while Graph answers unthrottled and fast, halves on
     * 429/503/504). @default 256 (graph/limiter.ts says why)
     */
    maxConcurrency: number;
    /** ENTRA_SYNC_REQUEST_TIMEOUT_SECONDS: one HTTP attempt's time limit (headers and body), in ms here. @default 30 s */
    requestTimeoutMs: number;
    /** ENTRA_SYNC_TIMEOUT_SECONDS: the default of the timeoutSeconds input (one operation's bound), in seconds. @default 120 */
    timeoutSeconds: number;
    /** ENTRA_SYNC_POLL_INTERVAL_SECONDS: pause between reads while waiting for a job (waitFor), in ms here. @default 5 s */
    pollIntervalMs: number;
    /** ENTRA_SYNC_GRAPH_ENDPOINT: Graph origin when the graphEndpoint input is absent (an emulator, a proxy). @default the environment's Graph host */
    graphEndpoint?: string;
    /** ENTRA_SYNC_AUTHORITY_HOST: Entra authority when the authorityHost input is absent. @default the environment's login host */
    authorityHost?: string;
}

/** The settings that bound Graph traffic (what a Graph session is built with). */
export type Limits = Pick<Settings, "maxConcurrency" | "requestTimeoutMs">;

/** A positive number from a variable; unset, empty, zero, negative or not a number gives the default. */
function positive(value: string | undefined, fallback: number): number {
    const n = Number(value);
    return value !== undefined && value !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** Reads every ENTRA_SYNC_* setting now (call it where the value is used, not at module load). */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
    return {
        maxConcurrency: Math.max(1, Math.floor(positive(env.ENTRA_SYNC_MAX_CONCURRENCY, DEFAULT_MAX_CONCURRENCY))),
        requestTimeoutMs: positive(env.ENTRA_SYNC_REQUEST_TIMEOUT_SECONDS, 30) * 1000,
        timeoutSeconds: positive(env.ENTRA_SYNC_TIMEOUT_SECONDS, 120),
        pollIntervalMs: positive(env.ENTRA_SYNC_POLL_INTERVAL_SECONDS, 5) * 1000,
        graphEndpoint: env.ENTRA_SYNC_GRAPH_ENDPOINT,
        authorityHost: env.ENTRA_SYNC_AUTHORITY_HOST,
    };
}
