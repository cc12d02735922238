/**
 * Every ENTRA_SYNC_* variable the provider reads, in one place (the README's table mirrors this).
 * Read at call time, from the environment of the process running the provider: the provider host's,
 * not the program's that serialized it, so nothing here may be captured at module load.
 * This module imports nothing: everything else may import it.
 */

/**
 * The default cap (ENTRA_SYNC_MAX_CONCURRENCY unset). A large tenant's bucket, 8,000 units per
 * 10 s, is 800 requests/s; at ~300 ms per answer that is ~240 in flight, so 256 lets one provider
 * process use a whole bucket. Over HTTP/2 (graph/proxy.ts) the requests are streams on one
 * connection; over HTTP/1.1 each is a socket, so the cap also bounds sockets and host memory.
 */
export const DEFAULT_MAX_CONCURRENCY = 256;
/** Every default, in one place (the doc comments below and the README's table give the same numbers). */
export const SETTING_DEFAULTS = {
    maxConcurrency: DEFAULT_MAX_CONCURRENCY,
    requestTimeoutSeconds: 30,
    timeoutSeconds: 120,
    pollIntervalSeconds: 5,
} as const;
const MS_PER_SECOND = 1000;

export interface Settings {
    /**
     * ENTRA_SYNC_MAX_CONCURRENCY: the cap on Graph requests in flight per provider process; the limit
     * itself adapts below it (starts at 64, grows while Graph answers unthrottled and fast, halves on
     * 429/503/504). @default 256 (DEFAULT_MAX_CONCURRENCY says why)
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

/**
 * Every ENTRA_SYNC_* setting from `env` (pure). The provider passes process.env where the value is
 * used, never at module load.
 */
export function readSettings(env: NodeJS.ProcessEnv): Settings {
    return {
        maxConcurrency: Math.max(1, Math.floor(positive(env.ENTRA_SYNC_MAX_CONCURRENCY, SETTING_DEFAULTS.maxConcurrency))),
        requestTimeoutMs: positive(env.ENTRA_SYNC_REQUEST_TIMEOUT_SECONDS, SETTING_DEFAULTS.requestTimeoutSeconds) * MS_PER_SECOND,
        timeoutSeconds: positive(env.ENTRA_SYNC_TIMEOUT_SECONDS, SETTING_DEFAULTS.timeoutSeconds),
        pollIntervalMs: positive(env.ENTRA_SYNC_POLL_INTERVAL_SECONDS, SETTING_DEFAULTS.pollIntervalSeconds) * MS_PER_SECOND,
        graphEndpoint: env.ENTRA_SYNC_GRAPH_ENDPOINT,
        authorityHost: env.ENTRA_SYNC_AUTHORITY_HOST,
    };
}
