/**
 * The provider plugin `entrasync` through the real CLI: installed from the tarball `npm run
 * plugin:pack` makes, driven by a TypeScript program on the generated Node.js SDK (sdk/nodejs) and
 * by a YAML program (the YAML language host `npm run pulumi:install` builds); `pulumi import`;
 * customTimeouts; settings from `entrasync:` config, read in configure.
 */
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Emulator } from "../../emulator";
import { startTestEmulator } from "../support/testEnv";
import { pulumiBin, RealStack, REPO, requireRealEngine } from "./support/realEngine";
import { assertLifecycle, CommandResult, installedPluginHome, pluginEnv, VERSION } from "./support/plugin";

/** The generated Node.js SDK, loaded from its TypeScript sources (as `npm install ./sdk/nodejs` would build them). */
function nodeSdk(): any {
    return require(path.join(REPO, "sdk", "nodejs"));
}

/** Runs the pulumi CLI in `cwd`; resolves with its exit code and output. */
function cli(cwd: string, env: Record<string, string>, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) =>
        execFile(
            path.join(pulumiBin()!, "pulumi"),
            args,
            { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
            (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
    );
}

describe("provider plugin entrasync: TypeScript (generated SDK) and YAML programs, import, customTimeouts, config", function () {
    this.timeout(300_000);
    let emu: Emulator;
    let home: string;
    const cleanup: (() => Promise<void> | void)[] = [];
    before(async function () {
        requireRealEngine(this);
        if (!fs.existsSync(path.join(pulumiBin()!, "pulumi-language-yaml"))) {
            // A CLI installed before npm run pulumi:install built the YAML language host too.
            const reason = `no YAML language host next to ${pulumiBin()}/pulumi: run \`npm run pulumi:install\``;
            if (process.env.ENTRA_SYNC_REQUIRE_PULUMI === "1") throw new Error(`${reason} (ENTRA_SYNC_REQUIRE_PULUMI=1)`);
            console.log(`      skipped: ${reason}`);
            this.skip();
        }
        emu = await startTestEmulator();
        const installed = await installedPluginHome();
        home = installed.home;
        cleanup.push(() => fs.rmSync(home, { recursive: true, force: true }));
        // The CLI unpacked it where it looks for plugins, at the package's version.
        assert.ok(fs.existsSync(path.join(home, "plugins", `resource-entrasync-v${VERSION}`, "pulumi-resource-entrasync")));
    });
    after(async () => {
        for (const step of cleanup.reverse()) await step();
        await emu?.close();
    });

    /** A stack whose inline program declares resources with the generated Node.js SDK. */
    async function tsStack(
        project: string,
        declare: (sdk: any, pulumi: typeof import("@pulumi/pulumi")) => Record<string, unknown>,
        options: { config?: Record<string, string | { secret: string }>; env?: Record<string, string> } = {},
    ): Promise<RealStack> {
        const stack = await RealStack.create({
            emu,
            project,
            modules: "repo",
            program: async () => {
                return declare(nodeSdk(), require("@pulumi/pulumi"));
            },
            config: options.config,
            env: { PULUMI_HOME: home, ...options.env },
        });
        cleanup.push(() => stack.close());
        return stack;
    }

    it("TypeScript on the generated Node.js SDK: create, update on a trigger change, refresh and destroy make the dynamic resource's Graph calls", async () => {
        const job = emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" });
        let triggers: Record<string, unknown> = {};
        const stack = await tsStack("entrasync-ts", (sdk) => {
            const resume = new sdk.SyncJobStart("resume", { servicePrincipalId: emu.seed.servicePrincipalId, jobId: job.id, triggers });
            return { status: resume.status, startCount: resume.startCount, lastAction: resume.lastAction };
        });
        const outputs = async () => Object.fromEntries(Object.entries(await stack.stack.outputs()).map(([k, v]) => [k, v.value]));
        emu.clearLog();
        const preview = await stack.stack.preview();
        assert.deepStrictEqual(emu.graphCalls(), []);
        assert.deepStrictEqual(preview.changeSummary, { create: 2 });
        await assertLifecycle(emu, job.id, async (command, next): Promise<CommandResult> => {
            triggers = next;
            if (command === "up") {
                const result = await stack.stack.up();
                return { resourceChanges: result.summary.resourceChanges, outputs: await outputs() };
            }
            const result = command === "refresh" ? await stack.stack.refresh() : await stack.stack.destroy();
            return { resourceChanges: result.summary.resourceChanges };
        });
    });

    it("customTimeouts reach the plugin: a create with customTimeouts.create 2s and waitFor active fails after 2 s, not waitTimeoutSeconds' 300, and state keeps the start", async () => {
        const job = emu.addJob(emu.seed.servicePrincipalId, { state: "Paused", afterStart: { kind: "stuck" } });
        const stack = await tsStack("entrasync-timeouts", (sdk) => {
            new sdk.SyncJobStart(
                "waits",
                { servicePrincipalId: emu.seed.servicePrincipalId, jobId: job.id, waitFor: "active" },
                { customTimeouts: { create: "2s" } },
            );
            return {};
        });
        await assert.rejects(stack.stack.up(), (e: Error) => {
            assert.match(
                e.message,
                new RegExp(
                    `wait for job failed: /v1\\.0/servicePrincipals/${emu.seed.servicePrincipalId}/synchronization/jobs/${job.id.replace(/\./g, "\\.")} ` +
                        `did not become Active within 2s \\(the bound of the resource's customTimeouts, shorter than waitTimeoutSeconds\\) \\(last status NotRun/Active\\)\\. ` +
                        `Raise the resource's customTimeouts, or use waitFor "none" and watch the job's status output\\.`,
                ),
            );
            return true;
        });
        assert.strictEqual(job.starts, 1);
        const state = (await stack.exportState()).find((r) => r.urn.endsWith("::waits"))!;
        assert.deepStrictEqual(
            [state.outputs!.startCount, state.outputs!.lastAction, state.outputs!.waitTimeoutSeconds],
            [1, "started", 300],
        );
    });

    it("settings come from entrasync: config, read in configure: a wrong AZURE_CLIENT_SECRET in the environment is not used; a secret trigger stays secret", async () => {
        const job = emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" });
        const stack = await tsStack(
            "entrasync-config",
            (sdk, pulumi) => ({
                status: new sdk.SyncJobStart("resume", {
                    servicePrincipalId: emu.seed.servicePrincipalId,
                    jobId: job.id,
                    triggers: pulumi.secret({ rotation: "trigger-secret-value" }),
                }).status,
            }),
            {
                config: {
                    "entrasync:tenantId": emu.tenantId,
                    "entrasync:clientId": emu.clientId,
                    "entrasync:clientSecret": { secret: emu.clientSecret },
                },
                env: { AZURE_CLIENT_SECRET: "not-the-secret" },
            },
        );
        const up = await stack.stack.up();
        assert.strictEqual(up.outputs.status.value, "Active");
        assert.strictEqual(job.starts, 1);
        assert.ok(!stack.stateFileText().includes(emu.clientSecret), "the secret config value is stored encrypted");
        // Secrets: the plugin takes them as plain values (acceptSecrets false) and the engine keeps the output secret.
        assert.ok(!stack.stateFileText().includes("trigger-secret-value"), "a secret trigger is stored encrypted in inputs and outputs");
        // The state holds the plugin's resource type, not a dynamic resource with a serialized provider.
        const state = (await stack.exportState()).find((r) => r.urn.endsWith("::resume"))!;
        assert.strictEqual(state.type, "entrasync:index:SyncJobStart");
        assert.strictEqual(state.id, `${emu.seed.servicePrincipalId}/${job.id}`);
        assert.ok(!("__provider" in state.inputs!));
    });

    /** A YAML project in its own folder, run by the CLI (its language host is the YAML one). */
    function yamlProject(
        name: string,
        body: string,
    ): { dir: string; env: Record<string, string>; run: (args: string[]) => ReturnType<typeof cli> } {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `entrasync-${name}-`));
        fs.mkdirSync(path.join(dir, "state"));
        fs.mkdirSync(path.join(dir, "project"));
        fs.writeFileSync(path.join(dir, "project", "Pulumi.yaml"), `name: ${name}\nruntime: yaml\n${body}`);
        const env = pluginEnv(dir, emu, home, { PULUMI_SKIP_CONFIRMATIONS: "true" });
        cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
        return { dir, env, run: (args) => cli(path.join(dir, "project"), env, [...args, "--non-interactive"]) };
    }

    /** The resource changes of `pulumi up/refresh/destroy --json` (a stream of engine events, one per line: its summary event). */
    function changes(result: { code: number; stdout: string; stderr: string }): Record<string, number> {
        assert.strictEqual(result.code, 0, result.stderr + result.stdout);
        const events = result.stdout
            .split("\n")
            .filter((line) => line.startsWith("{"))
            .map((line) => JSON.parse(line) as { summaryEvent?: { resourceChanges: Record<string, number> } });
        return events.find((e) => e.summaryEvent)!.summaryEvent!.resourceChanges;
    }

    it("YAML: create, update on a trigger change, refresh and destroy make the dynamic resource's Graph calls", async () => {
        const job = emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" });
        const project = yamlProject(
            "entrasync-yaml",
            [
                "config:",
                "  rev:",
                "    type: integer",
                "resources:",
                "  resume:",
                "    type: entrasync:SyncJobStart",
                "    properties:",
                `      servicePrincipalId: ${emu.seed.servicePrincipalId}`,
                `      jobId: ${job.id}`,
                "      triggers:",
                "        rev: ${rev}",
                "outputs:",
                "  status: ${resume.status}",
                "  startCount: ${resume.startCount}",
                "  lastAction: ${resume.lastAction}",
                "",
            ].join("\n"),
        );
        assert.strictEqual((await project.run(["stack", "init", "dev"])).code, 0);
        await assertLifecycle(emu, job.id, async (command, triggers) => {
            assert.strictEqual((await project.run(["config", "set", "rev", String(triggers.rev)])).code, 0);
            const result = await project.run([command, "--yes", "--skip-preview", "--json"]);
            const resourceChanges = changes(result);
            if (command !== "up") return { resourceChanges };
            const outputs = await project.run(["stack", "output", "--json"]);
            return { resourceChanges, outputs: JSON.parse(outputs.stdout) };
        });
    });

    it("pulumi import entrasync:index:SyncJobStart adopts an existing job (one GET) and the next up, declaring it, makes no call", async () => {
        const job = emu.addJob(emu.seed.servicePrincipalId, { state: "Active" });
        const id = `${emu.seed.servicePrincipalId}/${job.id}`;
        const project = yamlProject("entrasync-import", "resources: {}\n");
        assert.strictEqual((await project.run(["stack", "init", "dev"])).code, 0);
        emu.clearLog();
        const imported = await project.run(["import", "entrasync:index:SyncJobStart", "adopted", id, "--yes", "--skip-preview"]);
        assert.strictEqual(imported.code, 0, imported.stderr + imported.stdout);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob"]);
        // The program the CLI prints declares the id's two parts (check fills in the rest).
        assert.match(
            imported.stdout,
            new RegExp(
                `  adopted:\\n    type: entrasync:SyncJobStart\\n    properties:\\n      jobId: ${job.id.replace(/\./g, "\\.")}\\n      servicePrincipalId: ${emu.seed.servicePrincipalId}\\n    options:\\n      protect: true\\n`,
            ),
        );
        const program = imported.stdout.slice(imported.stdout.indexOf("resources:\n"));
        fs.writeFileSync(path.join(project.dir, "project", "Pulumi.yaml"), `name: entrasync-import\nruntime: yaml\n${program}`);
        emu.clearLog();
        const up = await project.run(["up", "--yes", "--skip-preview", "--json"]);
        assert.deepStrictEqual(changes(up), { same: 2 });
        assert.deepStrictEqual(emu.graphCalls(), []);
        assert.strictEqual(job.starts, 0);
        const state = JSON.parse((await project.run(["stack", "export"])).stdout) as {
            deployment: { resources: { urn: string; id?: string; outputs?: Record<string, unknown> }[] };
        };
        const adopted = state.deployment.resources.find((r) => r.urn.endsWith("::adopted"))!;
        assert.deepStrictEqual([adopted.id, adopted.outputs!.status, adopted.outputs!.startCount], [id, "Active", 0]);
    });

    it("pulumi import of an id that is not {servicePrincipalId}/{jobId} fails with the form it takes, and calls nothing", async () => {
        const project = yamlProject("entrasync-import-bad", "resources: {}\n");
        assert.strictEqual((await project.run(["stack", "init", "dev"])).code, 0);
        emu.clearLog();
        const imported = await project.run(["import", "entrasync:index:SyncJobStart", "adopted", "scim.123", "--yes", "--skip-preview"]);
        assert.notStrictEqual(imported.code, 0);
        assert.match(
            imported.stdout + imported.stderr,
            /import of "scim\.123" failed: the id is \{servicePrincipalId\}\/\{jobId\}, e\.g\. 1b9e6a3e-0c8f-4a56-9a57-2b1f3c4d5e6f\/scim\.0123456789abcdef0123456789abcdef/,
        );
        assert.deepStrictEqual(emu.graphCalls(), []);
    });
});
