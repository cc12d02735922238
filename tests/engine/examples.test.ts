/**
 * examples/azuread, the real-world stack, run for real except for the azuread provider: its
 * resources are mocked (the azuread job's id in azuread's own /servicePrincipals/…/jobs/… form),
 * SyncJobStart goes through the real provider host to the emulator.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as path from "path";
import { Emulator } from "../../emulator";
import { repoRoot, Stack } from "../../harness";
import { startTestStack } from "../support/testStack";
import { startTestEmulator } from "../support/testEnv";

const PROGRAM = path.join(repoRoot, "examples/azuread/index.ts");
const PROJECT = "entra-sync-azuread";

describe("examples/azuread through the provider host (azuread mocked)", function () {
    this.timeout(120_000);
    let emu: Emulator;
    let stack: Stack;
    beforeEach(async () => {
        emu = await startTestEmulator();
        const sp = emu.seed.servicePrincipalId;
        const job = emu.seed.quarantinedJobId;
        stack = await startTestStack(emu, {
            program: PROGRAM,
            project: PROJECT,
            env: {
                PULUMI_CONFIG_SECRET_KEYS: JSON.stringify([`${PROJECT}:scimToken`]),
                ENTRA_SYNC_MOCKS: JSON.stringify({
                    resources: {
                        // azuread 6's real forms: ids are /servicePrincipals/{objectId}; objectId is the bare GUID.
                        "azuread:index/applicationFromTemplate:ApplicationFromTemplate": {
                            state: { servicePrincipalId: `/servicePrincipals/${sp}`, servicePrincipalObjectId: sp },
                        },
                        "azuread:index/synchronizationJob:SynchronizationJob": {
                            id: `/servicePrincipals/${sp}/synchronization/jobs/${job}`,
                        },
                    },
                    calls: {
                        "azuread:index/getApplicationTemplate:getApplicationTemplate": {
                            templateId: "8b1025e4-1dd2-430b-a150-2ef79cd700f5",
                        },
                    },
                }),
            },
        });
    });
    afterEach(async () => {
        await stack.stop();
        await emu.close();
    });

    const run = (scimToken: string) => stack.program({ config: { scimUrl: "https://scim.example/api/2.0/preview/scim", scimToken } }, "up");

    it("resumes the quarantined job given azuread's job id; the secret-derived trigger is secret; a token rotation starts it again", async () => {
        const engine = stack.engine;
        const first = await run("scim-token-one");
        assert.strictEqual(first.error, undefined);
        assert.deepStrictEqual(
            (await engine.up(first)).map((s) => `${s.op} ${s.ok} ${s.error ?? ""}`.trim()),
            ["create true"],
        );
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
        assert.deepStrictEqual(
            emu.filter({ kind: "start" }).map((entry) => entry.servicePrincipalId),
            [emu.seed.servicePrincipalId],
        );
        const r = Object.values(engine.resources)[0];
        assert.strictEqual(r.id, `${emu.seed.servicePrincipalId}/${emu.seed.quarantinedJobId}`);
        assert.deepStrictEqual([r.outputs.jobId, r.outputs.status, r.outputs.waitFor], [emu.seed.quarantinedJobId, "Active", "active"]);
        assert.deepStrictEqual(r.secretOutputs, ["triggers"]);
        const digest = crypto.createHash("sha256").update("https://scim.example/api/2.0/preview/scim\nscim-token-one").digest("hex");
        assert.strictEqual((r.outputs.triggers as { secret: string }).secret, digest);
        const checkpoint = engine.checkpoint();
        assert.ok(!checkpoint.includes(digest) && !checkpoint.includes("scim-token-one"));

        emu.clearLog();
        assert.deepStrictEqual(
            (await engine.up(await run("scim-token-one"))).map((s) => s.op),
            ["same"],
        );
        assert.deepStrictEqual(emu.graphCalls(), []);
        emu.setJobState(emu.seed.servicePrincipalId, emu.seed.quarantinedJobId, "Quarantine", "EncounteredQuarantineException");
        assert.deepStrictEqual(
            (await engine.up(await run("scim-token-two"))).map((s) => s.op),
            ["update"],
        );
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
        assert.strictEqual(Object.values(engine.resources)[0].outputs.startCount, 2);
    });
});

describe("examples/quickstart through the provider host (azuread mocked in its 6.x forms)", function () {
    this.timeout(120_000);
    it("passes the data source's /servicePrincipals/{id} to both azuread and SyncJobStart; Graph gets the GUID", async () => {
        const emu = await startTestEmulator();
        const sp = emu.seed.servicePrincipalId;
        const job = emu.seed.pausedJobId;
        const stack = await startTestStack(emu, {
            program: path.join(repoRoot, "examples/quickstart/index.ts"),
            project: "entra-sync-quickstart",
            env: {
                ENTRA_SYNC_MOCKS: JSON.stringify({
                    resources: {
                        "azuread:index/synchronizationJob:SynchronizationJob": {
                            id: `/servicePrincipals/${sp}/synchronization/jobs/${job}`,
                        },
                    },
                    calls: {
                        "azuread:index/getServicePrincipal:getServicePrincipal": { id: `/servicePrincipals/${sp}`, objectId: sp },
                    },
                }),
            },
        });
        try {
            const program = await stack.program({ config: { secretVersion: "1" } }, "up");
            assert.strictEqual(program.error, undefined);
            assert.strictEqual(program.resources[0].inputs.servicePrincipalId, `/servicePrincipals/${sp}`);
            assert.deepStrictEqual(
                (await stack.engine.up(program)).map((s) => `${s.op} ${s.ok} ${s.error ?? ""}`.trim()),
                ["create true"],
            );
            assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
            assert.deepStrictEqual(
                emu.filter({ kind: "start" }).map((entry) => [entry.servicePrincipalId, entry.jobId]),
                [[sp, job]],
            );
            assert.strictEqual(Object.values(stack.engine.resources)[0].id, `${sp}/${job}`);
        } finally {
            await stack.stop();
            await emu.close();
        }
    });
});
