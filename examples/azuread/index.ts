// The real-world stack: an enterprise app from the gallery, its provisioning secret and job
// (managed by @pulumi/azuread), and SyncJobStart to make sure the job runs after every change
// of the secret or the schema. Credentials: the same azuread:* config the azuread provider uses.
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import { SyncJobStart } from "pulumi-entra-sync";

const config = new pulumi.Config();
const scimUrl = config.require("scimUrl");
const scimToken = config.requireSecret("scimToken");

const template = azuread.getApplicationTemplateOutput({ displayName: "Azure Databricks SCIM Provisioning Connector" });
const app = new azuread.ApplicationFromTemplate("scim", { displayName: "scim-provisioning", templateId: template.templateId });

// azuread 6 validates servicePrincipalId as /servicePrincipals/{objectId}: app.servicePrincipalId is that form.
const secret = new azuread.SynchronizationSecret("scim", {
    servicePrincipalId: app.servicePrincipalId,
    credentials: [
        { key: "BaseAddress", value: scimUrl },
        { key: "SecretToken", value: scimToken },
    ],
});

const job = new azuread.SynchronizationJob(
    "scim",
    {
        servicePrincipalId: app.servicePrincipalId,
        templateId: "dataBricks",
        enabled: true,
    },
    { dependsOn: [secret] },
);

// Bump when attribute mappings change; the job is started again.
const schemaRevision = "2026-11-01";

const resume = new SyncJobStart(
    "resume-scim",
    {
        servicePrincipalId: app.servicePrincipalId, // azuread's /servicePrincipals/{objectId}; stored as the GUID
        jobId: job.id, // azuread's id (/servicePrincipals/{id}/synchronization/jobs/{jobId}) is accepted as is
        triggers: {
            // A digest, not the token: triggers are stored in state (as a secret, since this derives from one).
            secret: scimToken.apply((t) => crypto.createHash("sha256").update(`${scimUrl}\n${t}`).digest("hex")),
            schemaRevision,
        },
        waitFor: "active",
        waitTimeoutSeconds: 600,
        ensureActive: true,
    },
    { dependsOn: [secret, job] },
);

export const jobId = job.id;
export const jobStatus = resume.status;
export const quarantineReason = resume.quarantineReason;
