/**
 * The naive pattern, as Pulumi's own Azure dynamic-provider examples are written: every call builds
 * its credential and Graph client, then GET, POST start, GET. No shared token, no bound on requests
 * in flight, no retries beyond the Graph client's defaults.
 */
import { ClientSecretCredential } from "@azure/identity";
import { Client } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";
import * as pulumi from "@pulumi/pulumi";
import { loadScenario } from "../harness/scenario";

const naiveProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: { servicePrincipalId: string; jobId: string }) {
        const graph = process.env.ENTRA_SYNC_GRAPH_ENDPOINT!;
        const credential = new ClientSecretCredential(
            process.env.AZURE_TENANT_ID!,
            process.env.AZURE_CLIENT_ID!,
            process.env.AZURE_CLIENT_SECRET!,
            {
                authorityHost: process.env.ENTRA_SYNC_AUTHORITY_HOST,
                disableInstanceDiscovery: true,
            },
        );
        const client = Client.initWithMiddleware({
            authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [`${graph}/.default`] }),
            baseUrl: graph,
            customHosts: new Set([new URL(graph).hostname]),
        });
        const path = `/servicePrincipals/${inputs.servicePrincipalId}/synchronization/jobs/${inputs.jobId}`;
        const before = await client.api(path).get();
        if (before.status.code !== "Active") await client.api(`${path}/start`).post(undefined);
        const after = await client.api(path).get();
        return { id: `${inputs.servicePrincipalId}/${inputs.jobId}`, outs: { ...inputs, status: after.status.code } };
    },
};

class NaiveSyncJobStart extends pulumi.dynamic.Resource {
    constructor(name: string, args: { servicePrincipalId: string; jobId: string }) {
        super(naiveProvider, name, { ...args, status: undefined }, undefined, "naive", "NaiveSyncJobStart");
    }
}

for (const r of loadScenario<{ servicePrincipalId: string; jobId: string }>().resources) new NaiveSyncJobStart(r.name, r.args);
