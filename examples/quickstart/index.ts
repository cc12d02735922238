import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import { SyncJobStart } from "pulumi-entra-sync";

const config = new pulumi.Config();
const sp = azuread.getServicePrincipalOutput({ displayName: "SCIM app" });
const job = new azuread.SynchronizationJob("scim", { servicePrincipalId: sp.objectId, templateId: "dataBricks", enabled: true });

const resume = new SyncJobStart("resume-scim", {
    servicePrincipalId: sp.objectId, // the service principal's object id, not the application (client) id
    jobId: job.id, // azuread's id (/servicePrincipals/…/jobs/…) or the bare job id
    triggers: { secretVersion: config.require("secretVersion"), schemaRevision: "2026-11-01" },
});
export const jobStatus = resume.status;
