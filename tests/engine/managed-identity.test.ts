/**
 * msiEndpoint through the provider host: MSAL picks its managed identity source once per process,
 * so this runs where a user's runs, in a provider host of its own.
 */
import * as assert from "assert";
import { Emulator } from "../../emulator";
import { Stack, summary } from "../../harness";
import { startTestEmulator } from "../support/testEnv";
import { startTestStack } from "../support/testStack";

describe("managed identity with azuread's msiEndpoint, through the provider host", function () {
    this.timeout(60_000);
    let emu: Emulator;
    let stack: Stack | undefined;
    beforeEach(async () => (emu = await startTestEmulator()));
    afterEach(async () => {
        await stack?.stop();
        await emu.close();
    });

    it("ARM_USE_MSI with ARM_MSI_ENDPOINT: the token comes from that IMDS endpoint, for the managed identity's client", async () => {
        stack = await startTestStack(emu, {
            env: { ARM_USE_MSI: "true", ARM_MSI_ENDPOINT: `${emu.authorityHost}/metadata/identity/oauth2/token` },
        });
        const steps = await stack.up([
            { name: "resume", args: { servicePrincipalId: emu.seed.servicePrincipalId, jobId: emu.seed.pausedJobId } },
        ]);
        assert.deepStrictEqual(summary(steps), ["create resume"], JSON.stringify(steps));
        assert.deepStrictEqual(
            emu.requests.filter((r) => r.kind === "imds" || r.kind === "token").map((r) => [r.kind, r.status, r.scope]),
            [["imds", 200, emu.graphEndpoint]],
        );
        assert.deepStrictEqual(new Set(emu.filter({ kind: "getJob" }).map((r) => r.clientId)), new Set([emu.managedIdentity.clientId]));
    });
});
