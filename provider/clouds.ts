import { ConfigurationError } from "./errors";
import { readSettings } from "./settings";

/** The national clouds, by the names the `environment` input takes. */
export const ENVIRONMENT_NAMES = ["global", "usgovernmentl4", "usgovernmentl5", "china"] as const;
export type Environment = (typeof ENVIRONMENT_NAMES)[number];

export interface CloudHosts {
    graph: string;
    authority: string;
}

export const ENVIRONMENTS: Record<Environment, CloudHosts> = {
    global: { graph: "https://graph.microsoft.com", authority: "https://login.microsoftonline.com" },
    usgovernmentl4: { graph: "https://graph.microsoft.us", authority: "https://login.microsoftonline.us" },
    usgovernmentl5: { graph: "https://dod-graph.microsoft.us", authority: "https://login.microsoftonline.us" },
    china: { graph: "https://microsoftgraph.chinacloudapi.cn", authority: "https://login.chinacloudapi.cn" },
};

// Names the azuread provider (and ARM_ENVIRONMENT) also accept for the same clouds.
const ALIASES: Record<string, Environment> = {
    global: "global",
    public: "global",
    azurepubliccloud: "global",
    usgovernmentl4: "usgovernmentl4",
    usgovernment: "usgovernmentl4",
    azureusgovernment: "usgovernmentl4",
    azureusgovernmentcloud: "usgovernmentl4",
    usgovernmentl5: "usgovernmentl5",
    dod: "usgovernmentl5",
    china: "china",
    azurechinacloud: "china",
};

/** The environment a name stands for (case-insensitive, azuread aliases accepted), or undefined. */
export function parseEnvironment(name: string | undefined): Environment | undefined {
    return name === undefined ? undefined : ALIASES[name.trim().toLowerCase()];
}

// Arrays, not Sets: module-level values are copied into the serialized provider by value.
const MICROSOFT_AUTHORITY_HOSTS = [
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.chinacloudapi.cn",
    "login.windows.net",
    "login.microsoft.com",
    "login.partner.microsoftonline.cn",
    "login.microsoftonline.de",
];
const MICROSOFT_GRAPH_HOSTS = [
    "graph.microsoft.com",
    "graph.microsoft.us",
    "dod-graph.microsoft.us",
    "microsoftgraph.chinacloudapi.cn",
    "graph.microsoft.de",
    "canary.graph.microsoft.com",
];

export function isMicrosoftAuthority(url: string): boolean {
    return MICROSOFT_AUTHORITY_HOSTS.includes(new URL(url).hostname);
}

export function isMicrosoftGraphHost(url: string): boolean {
    return MICROSOFT_GRAPH_HOSTS.includes(new URL(url).hostname);
}

/** Why a URL is not acceptable as an endpoint, or undefined when it is. */
export function endpointProblem(value: string): string | undefined {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return `"${value.length > 80 ? value.slice(0, 80) + "…" : value}" is not a URL; give an origin such as https://graph.microsoft.us`;
    }
    if (url.protocol !== "https:") return `must use https (got ${url.protocol.replace(":", "")}); tokens are only sent over https`;
    if (url.username || url.password)
        return "must not carry credentials in the URL; configure the credential through azuread:* config, ARM_* or AZURE_* variables";
    if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) {
        return `must be an origin only (https://host[:port]), without a path, query or fragment (got ${url.origin}${url.pathname}${url.search})`;
    }
    return undefined;
}

export interface EndpointChoice {
    environment?: string;
    graphEndpoint?: string;
    authorityHost?: string;
}

export interface Endpoints {
    environment: Environment;
    /** Origin of Graph, e.g. https://graph.microsoft.com. */
    graphEndpoint: string;
    authorityHost: string;
    /** Token scope: always the Graph origin's own, so a token never goes to a host it was not issued for. */
    scope: string;
}

/**
 * Resolves endpoints, first match wins: the resource's inputs, then ENTRA_SYNC_* variables, then the
 * environment (input, else azuread:environment / ARM_ENVIRONMENT) and its hosts.
 */
export function resolveEndpoints(inputs: EndpointChoice, configuredEnvironment: string | undefined, env: NodeJS.ProcessEnv): Endpoints {
    const name = inputs.environment ?? configuredEnvironment;
    const environment = parseEnvironment(name);
    if (name !== undefined && environment === undefined) {
        throw new ConfigurationError(`unknown environment "${name}"; use one of ${ENVIRONMENT_NAMES.join(", ")}`);
    }
    const cloud = ENVIRONMENTS[environment ?? "global"];
    const settings = readSettings(env);
    const graph = inputs.graphEndpoint ?? settings.graphEndpoint ?? cloud.graph;
    const authority = inputs.authorityHost ?? settings.authorityHost ?? cloud.authority;
    for (const [what, value] of [
        ["graphEndpoint (or ENTRA_SYNC_GRAPH_ENDPOINT)", graph],
        ["authorityHost (or ENTRA_SYNC_AUTHORITY_HOST)", authority],
    ]) {
        const problem = endpointProblem(value);
        if (problem) throw new ConfigurationError(`${what} ${problem}`);
    }
    const graphEndpoint = new URL(graph).origin;
    return {
        environment: environment ?? "global",
        graphEndpoint,
        authorityHost: new URL(authority).origin,
        scope: `${graphEndpoint}/.default`,
    };
}
