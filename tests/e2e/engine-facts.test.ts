/**
 * Facts about the real engine that the harness models (harness/engine.ts), pinned by what reached
 * the emulator: one provider host per command (token requests), credentials from another tenant
 * under `pulumi refresh`, the provider configuration refresh and destroy use (the one stored at the
 * last up), and how many steps run at once (--parallel). The `it`s share one stack, in order.
 */
import * as assert from "assert";
import * as os from "os";
import { Emulator, JobRecord } from "../../emulator";
import { startTestEmulator } from "../support/testEnv";
import { RealStack, requireRealEngine, ScenarioProgram } from "./support/realEngine";

describe("real engine: hosts per command, other-tenant credentials, the config refresh/destroy use, parallelism", function () {
    this.timeout(180_000);
    let emu: Emulator;
    let stack: RealStack;
    let a: JobRecord;
    const program = new ScenarioProgram();
    before(async function () {
        requireRealEngine(this);
        emu = await startTestEmulator();
        stack = await RealStack.create({ emu, program: program.program });
        a = emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" });
    });
    after(async () => {
        await stack?.close();
        await emu?.close();
    });
    const sp = () => emu.seed.servicePrincipalId;
    const tokens = () => emu.count({ kind: "token" });
    const failure = (p: Promise<unknown>) =>
        p.then(
            () => assert.fail("the command succeeded"),
            (e: Error) => e,
        );

    it("one provider host per command: preview asks for no token (no Graph call), each up asks for one (a host kept between commands would reuse its token)", async () => {
        program.set([{ name: "a", args: { servicePrincipalId: sp(), jobId: a.id, triggers: 1, onDelete: "pause" } }]);
        const preview = await stack.stack.preview();
        assert.deepStrictEqual(preview.changeSummary, { create: 2 });
        assert.deepStrictEqual([tokens(), emu.graphCalls()], [0, []]);
        await stack.stack.up();
        assert.deepStrictEqual([tokens(), emu.graphCalls()], [1, ["GET getJob", "POST start", "GET getJob"]]);

        emu.setJobState(sp(), a.id, "Paused");
        program.set([{ name: "a", args: { servicePrincipalId: sp(), jobId: a.id, triggers: 2, onDelete: "pause" } }]);
        emu.clearLog();
        await stack.stack.up();
        assert.deepStrictEqual([tokens(), emu.graphCalls()], [1, ["GET getJob", "POST start", "GET getJob"]]);
    });

    it("pulumi refresh with credentials for another tenant: the token request fails, the error names AADSTS700016 and the tenant, and the state is what the last refresh left", async () => {
        const other = emu.addClient({ tenantId: "0f0f0f0f-0000-4000-8000-00000000beef", displayName: "another tenant's app" });
        const afterUp = await stack.exportState();
        // A refresh that succeeds rewrites the resource (its lastRun, `modified`) and drops the empty propertyDependencies the up recorded.
        const ok = await stack.cli(["refresh", "--yes", "--skip-preview"]);
        assert.strictEqual(ok.code, 0, ok.stderr);
        const before = await stack.exportState();
        const dependencies = (resources: typeof before) =>
            (resources.find((r) => r.urn.endsWith("::a")) as { propertyDependencies?: Record<string, string[]> }).propertyDependencies;
        assert.deepStrictEqual(
            [dependencies(afterUp), dependencies(before)],
            [{ __provider: [], jobId: [], onDelete: [], servicePrincipalId: [], triggers: [] }, undefined],
        );

        emu.clearLog();
        // The stack's own client, asked for in a tenant it does not belong to (AZURE_* variables: DefaultAzureCredential).
        const refused = await stack.cli(["refresh", "--yes", "--skip-preview"], { AZURE_TENANT_ID: other.tenantId });
        assert.strictEqual(refused.code, 1);
        assert.ok(
            refused.stdout.includes(
                `  pulumi-nodejs:dynamic/entra-sync:SyncJobStart (a):\n    error: get token failed with DefaultAzureCredential (AZURE_* variables, workload identity, managed identity or az login; no azuread:* or ARM_* client credentials were found) for tenant ${other.tenantId}: EnvironmentCredential authentication failed.`,
            ),
            refused.stdout,
        );
        assert.ok(
            refused.stdout.includes(
                `AADSTS700016: Application with identifier '${emu.clientId}' was not found in the directory '${other.tenantId}'.`,
            ),
            refused.stdout,
        );
        assert.deepStrictEqual(
            emu.filter({}).map((e) => `${e.method} ${e.kind} ${e.status}`),
            ["GET openid 200", "POST token 400"],
        );
        assert.deepStrictEqual(await stack.exportState(), before);
    });

    it("refresh and destroy configure the provider from the state (the config of the last up): azuread:* set to an unprivileged client afterwards is not used until the next up", async () => {
        await stack.stack.setConfig("azuread:tenantId", { value: emu.tenantId });
        await stack.stack.setConfig("azuread:clientId", { value: emu.unprivilegedClient.clientId });
        await stack.stack.setConfig("azuread:clientSecret", { value: emu.unprivilegedClient.clientSecret, secret: true });
        const seen = () =>
            emu.filter({}).map((e) => `${e.method} ${e.kind} ${e.status} ${e.clientId === emu.clientId ? "stack's client" : e.clientId}`);
        emu.clearLog();
        await stack.stack.refresh();
        assert.deepStrictEqual(seen(), ["GET openid 200 undefined", "POST token 200 stack's client", "GET getJob 200 stack's client"]);
        emu.clearLog();
        const destroyed = await stack.stack.destroy();
        assert.deepStrictEqual(destroyed.summary.resourceChanges, { delete: 2 });
        assert.deepStrictEqual(seen(), ["GET openid 200 undefined", "POST token 200 stack's client", "POST pause 204 stack's client"]);

        // The next up configures from the current config: the unprivileged client, refused by Graph.
        emu.clearLog();
        const error = await failure(stack.stack.up());
        const unprivileged = emu.unprivilegedClient.clientId;
        assert.deepStrictEqual(seen(), ["GET openid 200 undefined", `POST token 200 ${unprivileged}`, `GET getJob 403 ${unprivileged}`]);
        assert.match(
            error.message,
            new RegExp(
                `403 Authorization_RequestDenied .*The identity \\(ClientSecretCredential \\(client ${unprivileged} from azuread:clientId, secret from azuread:clientSecret, tenant from azuread:tenantId\\)\\) lacks permission\\.`,
            ),
        );
        await stack.stack.removeAllConfig(["azuread:tenantId", "azuread:clientId", "azuread:clientSecret"]);
    });

    it("at most 4 × GOMAXPROCS steps at once (8 on 2 cores): 20 creates whose start the emulator holds 1 s; with parallel 1, one at a time", async () => {
        const jobs = Array.from({ length: 20 }, () => emu.addJob(sp(), { state: "Paused" }));
        const set = (triggers: number) =>
            program.set(jobs.map((job, i) => ({ name: `p${i}`, args: { servicePrincipalId: sp(), jobId: job.id, triggers } })));
        set(1);
        let release = emu.inject({ fault: { kind: "latency", ms: 1000 }, routes: ["start"] });
        emu.clearLog();
        await stack.stack.up();
        release();
        // The CLI's default --parallel is 4 × GOMAXPROCS (Go counts the CPUs this process may use).
        assert.deepStrictEqual([emu.stats().peakInFlight, emu.count({ kind: "start" })], [Math.min(20, 4 * os.availableParallelism()), 20]);

        // 20 updates (triggers changed), 4 of them on paused jobs (GET, start, GET), 16 on running ones (GET).
        for (const job of jobs.slice(0, 4)) emu.setJobState(sp(), job.id, "Paused");
        release = emu.inject({ fault: { kind: "latency", ms: 300 }, routes: ["start"] });
        set(2);
        emu.clearLog();
        const serial = await stack.stack.up({ parallel: 1 });
        release();
        assert.deepStrictEqual(serial.summary.resourceChanges, { same: 1, update: 20 });
        assert.deepStrictEqual([emu.stats().peakInFlight, emu.count({ kind: "start" }), emu.graphCalls().length], [1, 4, 28]);
    });
});
