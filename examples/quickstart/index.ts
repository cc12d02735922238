import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import { SyncJobStart } from "pulumi-entra-sync";

const config = new pulumi.Config();
const sp = azuread.getServicePrincipalOutput({ displayName: "SCIM app" });
// azuread 6 wants the service principal's id in its /servicePrincipals/{objectId} form (sp.id).
const job = new azuread.SynchronizationJob("scim", { servicePrincipalId: sp.id, templateId: "dataBricks", enabled: true });

const resume = new SyncJobStart("resume-scim", {
    servicePrincipalId: sp.id, // /servicePrincipals/{objectId} or the bare object id; never the application (client) id
    jobId: job.id, // azuread's id (/servicePrincipals/…/jobs/…) or the bare job id
    triggers: { secretVersion: config.require("secretVersion"), schemaRevision: "2026-11-01" },
});
export const jobStatus = resume.status;
