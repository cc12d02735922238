// The real-world stack: an enterprise app from the gallery, its provisioning secret and job
// (managed by @pulumi/azuread), and SyncJobStart to make sure the job runs after every change
// of the secret, and restart it when the attribute mappings change. Credentials: the same azuread:* config the azuread provider uses.
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

// The attribute mappings and scoping filter this stack owns for the job. azuread does not deploy a
// synchronization schema, so it is applied by your own step (Graph's PUT …/jobs/{id}/schema, or the
// admin center); its digest is what restarts provisioning when it changes, so existing users are
// evaluated again, not only the next changes.
const mappings = {
    userName: "userPrincipalName",
    'emails[type eq "work"].value': "mail",
    displayName: "displayName",
    active: 'Switch([IsSoftDeleted], , "False", "True", "True", "False")',
    scope: { department: ["Engineering", "Data"] },
};
const mappingsDigest = crypto.createHash("sha256").update(JSON.stringify(mappings)).digest("hex");

const resume = new SyncJobStart(
    "resume-scim",
    {
        servicePrincipalId: app.servicePrincipalId, // azuread's /servicePrincipals/{objectId}; stored as the GUID
        jobId: job.id, // azuread's id (/servicePrincipals/{id}/synchronization/jobs/{jobId}) is accepted as is
        triggers: {
            // A digest, not the token: triggers are stored in state (as a secret, since this derives from one).
            secret: scimToken.apply((t) => crypto.createHash("sha256").update(`${scimUrl}\n${t}`).digest("hex")),
        },
        // A change of the mappings restarts the job (a new secret only resumes it).
        restartTriggers: { mappings: mappingsDigest },
        waitFor: "active",
        waitTimeoutSeconds: 600,
        ensureActive: true,
    },
    { dependsOn: [secret, job] },
);

export const jobId = job.id;
export const jobStatus = resume.status;
export const quarantineReason = resume.quarantineReason;
