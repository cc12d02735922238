import type { EnvHttpProxyAgent } from "undici";

/** Upper case first, then lower case; an empty value counts as unset (core-rest-pipeline's rule). */
function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
    return env[name] || env[name.toLowerCase()] || undefined;
}

/**
 * What the Graph client's fetch needs to go through the proxy the environment names.
 *
 * @azure/identity's token requests honour HTTPS_PROXY/ALL_PROXY/HTTP_PROXY and NO_PROXY
 * (core-rest-pipeline's proxy policy); Node's global fetch, which the Graph client calls, honours
 * none of them (Node 24's NODE_USE_ENV_PROXY does not exist on 22). undici's EnvHttpProxyAgent,
 * passed as fetch's `dispatcher`, does the tunnelling and the NO_PROXY matching; the values are
 * picked here by core-rest-pipeline's rule (its own reading prefers an empty lower-case variable),
 * so tokens and Graph calls take the same path. The npm `undici` 6 is the line Node 22 bundles
 * (Node 24's fetch drives dispatchers through the same handler interface); @pulumi/pulumi already
 * installs it.
 *
 * Without a proxy variable nothing changes: fetch keeps its global dispatcher, and the npm `undici`
 * is not even loaded. (Loading it costs ~40 ms in the provider host, and its module installs its own
 * Agent as fetch's global dispatcher, so every Graph call would run through a second HTTP stack.)
 */
export function proxyFetchOptions(env: NodeJS.ProcessEnv = process.env): { dispatcher?: EnvHttpProxyAgent } {
    const proxy = envValue(env, "HTTPS_PROXY") ?? envValue(env, "ALL_PROXY") ?? envValue(env, "HTTP_PROXY");
    if (!proxy) return {};
    const { EnvHttpProxyAgent: Agent } = require("undici") as typeof import("undici");
    return { dispatcher: new Agent({ httpsProxy: proxy, httpProxy: proxy, noProxy: envValue(env, "NO_PROXY") ?? "" }) };
}
