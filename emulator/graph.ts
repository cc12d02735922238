import type { TokenStore } from "./entra";
import { IdSource, INBOUND_TEMPLATES, newJob, pause, readView, ServicePrincipalRecord, settle, start, toGraph } from "./jobs";
import type { Directory } from "./model";
import type { Reply } from "./reply";
import type { RouteMatch } from "./routes";

export interface GraphOptions {
    directory: Directory;
    tokens: TokenStore;
    /** The audience a token must have been issued for. */
    graphEndpoint: string;
}

/** Graph's servicePrincipals and synchronization job endpoints, behind Graph's bearer-token checks. */
export class GraphApi {
    constructor(private readonly options: GraphOptions) {}

    handle(route: RouteMatch, reply: Reply, request: { body: string }): void {
        const { directory, tokens, graphEndpoint } = this.options;
        const { token, refusal } = tokens.check(reply.req.headers.authorization, graphEndpoint);
        if (token) reply.entry.clientId = token.clientId;
        if (!token || refusal) return reply.graphError(401, "InvalidAuthenticationToken", refusal!);
        const client = directory.clients.get(token.clientId);
        if (!client?.permitted && !client?.ownedBy) {
            return reply.graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
        }
        if (route.kind === "servicePrincipalByAppId") {
            const servicePrincipal = directory.servicePrincipalByAppId(route.appId);
            if (!servicePrincipal)
                return reply.graphError(404, "Request_ResourceNotFound", `Resource with appId '${route.appId}' does not exist.`);
            return reply.json(200, servicePrincipalJson(servicePrincipal));
        }
        const servicePrincipal = directory.servicePrincipals.get(route.spId!);
        if (!servicePrincipal) {
            return reply.graphError(
                404,
                "Request_ResourceNotFound",
                `Resource '${route.spId}' does not exist or one of its queried reference-property objects are not present.`,
            );
        }
        // Application.ReadWrite.OwnedBy reaches only the service principals its app owns (not its app
        // registration): elsewhere the synchronization back end answers 401 UnknownError, empty message.
        if (!client.permitted && !servicePrincipal.owners.has(client.clientId) && route.kind !== "getServicePrincipal") {
            return reply.graphError(401, "UnknownError", "");
        }
        switch (route.kind) {
            case "getServicePrincipal":
                return reply.json(200, servicePrincipalJson(servicePrincipal));
            case "listJobs":
                return reply.json(200, { value: [...servicePrincipal.jobs.values()].map((job) => (settle(job), readView(job))) });
            case "createJob":
                return this.createJob(reply, servicePrincipal, request.body);
        }
        return this.jobAction(route, reply, servicePrincipal, request.body);
    }

    /**
     * Another job's JSON, as a misrouted or cached answer would carry it: a running job whose id is
     * not the one asked for (made up, never stored; its ids do not draw from the seed).
     */
    otherJob(route: RouteMatch): Record<string, unknown> {
        return toGraph(newJob(route.spId ?? "unknown", "scim", new IdSource(), "Active"));
    }

    private createJob(reply: Reply, servicePrincipal: ServicePrincipalRecord, body: string): void {
        const templateId = safeJson(body)?.templateId;
        if (typeof templateId !== "string" || !/^[A-Za-z0-9]+$/.test(templateId)) {
            return reply.graphError(400, "BadRequest", "templateId is required.");
        }
        const job = newJob(servicePrincipal.id, templateId, this.options.directory.ids, "NotConfigured");
        // A new job carries Graph's sentinels until it first runs.
        job.sentinels = true;
        servicePrincipal.jobs.set(job.id, job);
        reply.json(201, toGraph(job));
    }

    private jobAction(route: RouteMatch, reply: Reply, servicePrincipal: ServicePrincipalRecord, body: string): void {
        const job = servicePrincipal.jobs.get(route.jobId!);
        if (!job) {
            // The synchronization back end answers with UnknownError and a JSON string in the message.
            return reply.graphError(
                404,
                "UnknownError",
                JSON.stringify({
                    Message: `The job ${route.jobId} was not found for the service principal ${servicePrincipal.id}.`,
                    Code: "SyncJobNotFound",
                }),
            );
        }
        settle(job);
        switch (route.kind) {
            case "getJob":
                return reply.json(200, readView(job));
            case "deleteJob":
                servicePrincipal.jobs.delete(job.id);
                return reply.empty();
            case "start":
                start(job);
                return reply.empty();
            case "pause":
                pause(job);
                return reply.empty();
            case "restart": {
                const scope = safeJson(body)?.criteria?.resetScope;
                job.lastResetScope = typeof scope === "string" ? scope : undefined;
                start(job, { via: "restart", resetScope: job.lastResetScope });
                return reply.empty();
            }
            case "bulkUpload": {
                if (!INBOUND_TEMPLATES.includes(job.templateId)) {
                    return reply.graphError(400, "BadRequest", `Job ${job.id} is not an API-driven inbound provisioning job.`);
                }
                const type = reply.req.headers["content-type"] ?? "";
                const operations = safeJson(body)?.Operations;
                if (!/^application\/scim\+json/i.test(type) || !Array.isArray(operations)) {
                    return reply.graphError(400, "BadRequest", "Send a SCIM BulkRequest with Content-Type application/scim+json.");
                }
                job.uploads.staged += operations.length;
                return reply.accepted();
            }
        }
        return reply.graphError(405, "BadRequest", "Unsupported method.");
    }
}

function servicePrincipalJson(servicePrincipal: ServicePrincipalRecord): Record<string, unknown> {
    return {
        id: servicePrincipal.id,
        appId: servicePrincipal.appId,
        displayName: servicePrincipal.displayName,
        servicePrincipalType: "Application",
    };
}

function safeJson(text: string): any {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}
