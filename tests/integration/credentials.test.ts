/**
 * The rest of the azuread provider's credential settings, each against the emulator through the
 * real @azure/identity: file paths for the client id and secret, an inline PFX, Azure DevOps
 * workload identity, AKS workload identity and a custom managed identity endpoint.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as forge from "node-forge";
import * as os from "os";
import * as path from "path";
import { Emulator, generateClientCertificate } from "../../emulator";
import { checkInputs, ProviderInputs } from "../../provider/inputs";
import * as ops from "../../provider/operations";
import { emulatorEnv, setEnv, startTestEmulator, withEnv } from "../support/testEnv";
import { config, failure } from "../support/operations";

const CLEAR = {
    ARM_TENANT_ID: undefined,
    ARM_CLIENT_ID: undefined,
    ARM_CLIENT_SECRET: undefined,
    AZURE_TENANT_ID: undefined,
    AZURE_CLIENT_ID: undefined,
    AZURE_CLIENT_SECRET: undefined,
    // MSAL's custom IMDS host, which msiEndpoint sets in this process: restored after each test.
    AZURE_POD_IDENTITY_AUTHORITY_HOST: undefined,
};

describe("credentials: the rest of azuread's settings", function () {
    this.timeout(60_000);
    let emu: Emulator;
    let dir: string;
    let restore: () => void;
    beforeEach(async () => {
        emu = await startTestEmulator();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-sync-cred-"));
        restore = setEnv(emulatorEnv(emu));
        await config({});
    });
    afterEach(async () => {
        restore();
        await config({});
        await emu.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const create = (jobId = emu.seed.pausedJobId, extra: Record<string, unknown> = {}) => {
        const { inputs, failures } = checkInputs({ servicePrincipalId: emu.seed.servicePrincipalId, jobId, ...extra });
        assert.deepStrictEqual(failures, []);
        return ops.create(inputs as unknown as ProviderInputs);
    };
    const write = (name: string, text: string) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, text);
        return file;
    };

    it("ARM_CLIENT_ID_FILE_PATH / ARM_CLIENT_SECRET_FILE_PATH, and azuread:clientIdFilePath / clientSecretFilePath; a missing file names the setting", async () => {
        await withEnv(
            {
                ...CLEAR,
                ARM_TENANT_ID: emu.tenantId,
                ARM_CLIENT_ID_FILE_PATH: write("id", `${emu.clientId}\n`),
                ARM_CLIENT_SECRET_FILE_PATH: write("secret", `${emu.clientSecret}\n`),
            },
            async () => {
                assert.strictEqual((await create()).outs!.lastAction, "started");
            },
        );
        const other = emu.addClient({});
        await withEnv({ ...CLEAR }, async () => {
            await config({
                "azuread:tenantId": emu.tenantId,
                "azuread:clientIdFilePath": write("id2", other.clientId),
                "azuread:clientSecretFilePath": write("secret2", other.secret!),
            });
            assert.strictEqual((await create(emu.seed.quarantinedJobId)).outs!.lastAction, "started");
        });
        assert.deepStrictEqual(
            emu.filter({ kind: "token" }).map((t) => [t.clientId, t.status]),
            [
                [emu.clientId, 200],
                [other.clientId, 200],
            ],
        );

        await withEnv({ ...CLEAR }, async () => {
            await config({
                "azuread:tenantId": emu.tenantId,
                "azuread:clientId": other.clientId,
                "azuread:clientSecretFilePath": "/nonexistent/secret",
            });
            const e = await failure(create());
            assert.strictEqual(
                e.message,
                "cannot read /nonexistent/secret (from azuread:clientSecretFilePath): ENOENT. Fix the path or set clientSecret instead.",
            );
        });
    });

    it("azuread:clientCertificate (inline base64 PFX) with its password; a wrong password names the setting and shows neither value", async () => {
        const cert = generateClientCertificate("inline-pfx");
        const client = emu.addClient({ certificatePem: cert.certPem });
        const p12 = forge.pkcs12.toPkcs12Asn1(
            forge.pki.privateKeyFromPem(cert.pem),
            [forge.pki.certificateFromPem(cert.certPem)],
            "pfx-pass",
            {
                algorithm: "3des",
            },
        );
        const base64 = Buffer.from(forge.asn1.toDer(p12).getBytes(), "binary").toString("base64");
        await withEnv({ ...CLEAR }, async () => {
            await config({
                "azuread:tenantId": emu.tenantId,
                "azuread:clientId": client.clientId,
                "azuread:clientCertificate": base64,
                "azuread:clientCertificatePassword": "pfx-pass",
            });
            assert.strictEqual((await create()).outs!.lastAction, "started");
            assert.deepStrictEqual(
                emu.filter({ kind: "token" }).map((t) => [t.clientId, t.status]),
                [[client.clientId, 200]],
            );
            const other = emu.addClient({ certificatePem: cert.certPem });
            await config({
                "azuread:tenantId": emu.tenantId,
                "azuread:clientId": other.clientId,
                "azuread:clientCertificate": base64,
                "azuread:clientCertificatePassword": "wrong-password",
            });
            const e = await failure(create(emu.seed.quarantinedJobId));
            assert.match(
                e.message,
                /^the inline certificate \(from azuread:clientCertificate\) is neither PEM nor a PFX that opens with the given password/,
            );
            assert.ok(!e.message.includes("wrong-password") && !e.message.includes(base64.slice(0, 40)));
        });
    });

    it("Azure DevOps workload identity: ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID + SYSTEM_ACCESSTOKEN + SYSTEM_OIDCREQUESTURI (AzurePipelinesCredential)", async () => {
        const fed = emu.addClient({ federatedToken: emu.azurePipelines.idToken });
        const ado = {
            ...CLEAR,
            ARM_TENANT_ID: emu.tenantId,
            ARM_CLIENT_ID: fed.clientId,
            ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID: emu.azurePipelines.serviceConnectionId,
            SYSTEM_OIDCREQUESTURI: emu.azurePipelines.requestUri,
        };
        await withEnv({ ...ado, SYSTEM_ACCESSTOKEN: undefined }, async () => {
            const e = await failure(create());
            assert.strictEqual(
                e.message,
                "adoPipelineServiceConnectionId is set (from ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID) but SYSTEM_ACCESSTOKEN is not: " +
                    "run in an Azure Pipelines job and map the token into the step (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))",
            );
            assert.deepStrictEqual(emu.requests, []);
        });
        await withEnv({ ...ado, SYSTEM_ACCESSTOKEN: emu.azurePipelines.systemAccessToken }, async () => {
            assert.strictEqual((await create()).outs!.lastAction, "started");
        });
        assert.deepStrictEqual(
            emu.requests
                .filter((r) => r.kind === "azurePipelinesOidc" || r.kind === "token")
                .map((r) => `${r.kind} ${r.status} ${r.clientId ?? ""}`.trim()),
            // MSAL asks for the assertion twice per token request, and AzurePipelinesCredential does not keep it.
            ["azurePipelinesOidc 200", "azurePipelinesOidc 200", `token 200 ${fed.clientId}`],
        );
        assert.deepStrictEqual(new Set(emu.filter({ kind: "getJob" }).map((r) => r.clientId)), new Set([fed.clientId]));
    });

    it("ARM_USE_AKS_WORKLOAD_IDENTITY: WorkloadIdentityCredential with AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE", async () => {
        const fed = emu.addClient({ federatedToken: "aks.projected-service-account-token" });
        await withEnv(
            {
                ...CLEAR,
                ARM_USE_AKS_WORKLOAD_IDENTITY: "true",
                AZURE_TENANT_ID: emu.tenantId,
                AZURE_CLIENT_ID: fed.clientId,
                AZURE_FEDERATED_TOKEN_FILE: write("token", "aks.projected-service-account-token"),
            },
            async () => {
                assert.strictEqual((await create()).outs!.lastAction, "started");
            },
        );
        assert.deepStrictEqual(
            emu.filter({ kind: "token" }).map((t) => [t.clientId, t.status]),
            [[fed.clientId, 200]],
        );
    });

    // The working msiEndpoint runs through the provider host (tests/engine/managed-identity.test.ts):
    // MSAL picks a managed identity source once per process, and this process has used App Service's.
    it("ARM_MSI_ENDPOINT that is not an IMDS token URL is refused before any request", async () => {
        await withEnv({ ...CLEAR, ARM_USE_MSI: "true", ARM_MSI_ENDPOINT: `${emu.authorityHost}/msi/token` }, async () => {
            const e = await failure(create(emu.seed.quarantinedJobId));
            assert.strictEqual(
                e.message,
                `msiEndpoint ${emu.authorityHost}/msi/token (from ARM_MSI_ENDPOINT) is not an IMDS token URL; give one ending in /metadata/identity/oauth2/token, e.g. http://169.254.169.254/metadata/identity/oauth2/token`,
            );
        });
        assert.deepStrictEqual(emu.requests, []);
    });
});
