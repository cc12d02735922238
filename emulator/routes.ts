/**
 * The one route table: the request log, counters, fault rules and the dispatch all name routes
 * by the `kind` declared here.
 */

interface RouteSpec {
    kind: string;
    /** "*" matches any method (MSAL's instance discovery is probed with several). */
    method: "GET" | "POST" | "DELETE" | "*";
    pattern: RegExp;
    area: "entra" | "graph";
}

const SERVICE_PRINCIPAL = String.raw`^/(?<version>v1\.0|beta)/servicePrincipals/(?<spId>[^/]+)`;
const JOB = String.raw`${SERVICE_PRINCIPAL}/synchronization/jobs/(?<jobId>[^/]+)`;

export const ROUTES = [
    { kind: "openid", method: "GET", pattern: /^\/(?<tenant>[^/]+)\/v2\.0\/\.well-known\/openid-configuration$/, area: "entra" },
    { kind: "token", method: "POST", pattern: /^\/(?<tenant>[^/]+)\/oauth2\/v2\.0\/token$/, area: "entra" },
    { kind: "instanceDiscovery", method: "*", pattern: /^\/common\/discovery\/instance/, area: "entra" },
    { kind: "githubOidc", method: "GET", pattern: /^\/github-oidc\/token$/, area: "entra" },
    { kind: "managedIdentity", method: "GET", pattern: /^\/msi\/token$/, area: "entra" },
    { kind: "azurePipelinesOidc", method: "POST", pattern: /^\/ado-oidc\/oidctoken$/, area: "entra" },
    { kind: "imds", method: "GET", pattern: /^\/metadata\/identity\/oauth2\/token\/?$/, area: "entra" },
    // Graph routes keep the order GRAPH_ROUTES has always had.
    { kind: "listJobs", method: "GET", pattern: new RegExp(`${SERVICE_PRINCIPAL}/synchronization/jobs$`), area: "graph" },
    { kind: "getJob", method: "GET", pattern: new RegExp(`${JOB}$`), area: "graph" },
    { kind: "createJob", method: "POST", pattern: new RegExp(`${SERVICE_PRINCIPAL}/synchronization/jobs$`), area: "graph" },
    { kind: "deleteJob", method: "DELETE", pattern: new RegExp(`${JOB}$`), area: "graph" },
    { kind: "start", method: "POST", pattern: new RegExp(`${JOB}/start$`), area: "graph" },
    { kind: "pause", method: "POST", pattern: new RegExp(`${JOB}/pause$`), area: "graph" },
    { kind: "restart", method: "POST", pattern: new RegExp(`${JOB}/restart$`), area: "graph" },
    // API-driven inbound provisioning: SCIM bulk requests staged for the job's next cycle.
    { kind: "bulkUpload", method: "POST", pattern: new RegExp(`${JOB}/bulkUpload$`), area: "graph" },
    { kind: "getServicePrincipal", method: "GET", pattern: new RegExp(`${SERVICE_PRINCIPAL}$`), area: "graph" },
    // The quotes arrive either raw or percent-encoded, depending on the client.
    {
        kind: "servicePrincipalByAppId",
        method: "GET",
        pattern: /^\/(?<version>v1\.0|beta)\/servicePrincipals\(appId=(?:'|%27)(?<appId>[^/]*?)(?:'|%27)\)$/,
        area: "graph",
    },
] as const satisfies readonly RouteSpec[];

/** Route names used by the request log, counters and fault injection. */
export type RouteKind = (typeof ROUTES)[number]["kind"] | "unknown";

export type RouteArea = RouteSpec["area"];

export const GRAPH_ROUTES: RouteKind[] = ROUTES.filter((route) => route.area === "graph").map((route) => route.kind);

export interface RouteMatch {
    kind: RouteKind;
    /** Absent for "unknown". */
    area?: RouteArea;
    version?: string;
    tenant?: string;
    spId?: string;
    jobId?: string;
    appId?: string;
}

// A path under a service principal that no route takes is still logged with its version and id.
const UNDER_SERVICE_PRINCIPAL = new RegExp(`${SERVICE_PRINCIPAL}(?:/.*)?$`);

/** Ids are logged and looked up decoded; the tenant is compared as sent. */
const DECODED = ["spId", "jobId", "appId"] as const;

export function matchRoute(method: string, pathname: string): RouteMatch {
    for (const route of ROUTES) {
        if (route.method !== "*" && route.method !== method) continue;
        const match = route.pattern.exec(pathname);
        if (match) return { kind: route.kind, area: route.area, ...params(match) };
    }
    const match = UNDER_SERVICE_PRINCIPAL.exec(pathname);
    return match ? { kind: "unknown", ...params(match) } : { kind: "unknown" };
}

function params(match: RegExpExecArray): Omit<RouteMatch, "kind" | "area"> {
    const groups: Record<string, string> = { ...match.groups };
    for (const name of DECODED) {
        if (groups[name] !== undefined) groups[name] = safeDecode(groups[name]);
    }
    return groups;
}

/** Malformed percent-encoding (`%E0%A4%A`) stays as sent: it then matches nothing (404), as on Graph, instead of crashing the server. */
function safeDecode(text: string): string {
    try {
        return decodeURIComponent(text);
    } catch {
        return text;
    }
}
