import { ClientSecretCredential } from "@azure/identity";
import { Client, GraphError } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";
import type { Emulator } from "../../emulator";

/** The real Graph client with a client-secret credential, pointed at an emulator. */
export function graphClient(emu: Emulator, clientId = emu.clientId, secret = emu.clientSecret): Client {
    const credential = new ClientSecretCredential(emu.tenantId, clientId, secret, {
        authorityHost: emu.authorityHost,
        disableInstanceDiscovery: true,
    });
    return Client.initWithMiddleware({
        authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [`${emu.graphEndpoint}/.default`] }),
        baseUrl: emu.graphEndpoint,
        customHosts: new Set(["127.0.0.1"]),
    });
}

/** The GraphError a call rejects with (the test fails when it resolves). */
export async function graphError(p: Promise<unknown>): Promise<GraphError> {
    try {
        await p;
    } catch (e) {
        return e as GraphError;
    }
    throw new Error("expected a Graph error");
}
