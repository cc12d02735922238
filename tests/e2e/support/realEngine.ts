/**
 * The real Pulumi engine for the e2e suite: the CLI that `npm run pulumi:install` built from Go
 * modules, driven through the Automation API with a file:// backend, a passphrase secrets provider
 * and PULUMI_HOME in the test's temp folder. Programs are Automation API inline programs: their
 * language runtime is @pulumi/pulumi in this process (the Go module proxy does not serve the
 * Node.js language host's module; docs/real-engine.md). The CLI starts the dynamic-provider host
 * (our pulumi-resource-pulumi-nodejs launcher) in the stack's folder, whose node_modules is this
 * checkout's.
 *
 * Without an installed CLI the e2e tests are skipped with the command that installs it; with
 * ENTRA_SYNC_REQUIRE_PULUMI=1 (CI) a missing CLI fails them instead.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as automation from "@pulumi/pulumi/automation";
import type { Emulator } from "../../../emulator";
import { packedConsumer } from "../../../harness";
import { emulatorEnv } from "../../support/testEnv";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const locate = require("../../../scripts/pulumi-cli/locate.js") as {
    installedBin(): string | undefined;
    pulumiRoot(): string;
    pinnedVersion(): string;
    INSTALL_COMMAND: string;
};

export const REPO = path.resolve(__dirname, "../../..");
export const PASSPHRASE = "e2e-only-passphrase";

/** The installed CLI's bin folder, or undefined. */
export function pulumiBin(): string | undefined {
    return locate.installedBin();
}

/**
 * In a suite's `before`: skips the suite when no CLI is installed (saying how to install one), or
 * fails it when the run requires the real engine (CI).
 */
export function requireRealEngine(context: Mocha.Context): void {
    if (pulumiBin()) return;
    const reason = `no Pulumi CLI installed at ${locate.pulumiRoot()}/bin: run \`${locate.INSTALL_COMMAND}\``;
    if (process.env.ENTRA_SYNC_REQUIRE_PULUMI === "1")
        throw new Error(`${reason} (ENTRA_SYNC_REQUIRE_PULUMI=1: the real engine is required)`);
    console.log(`      skipped: ${reason}`);
    context.skip();
}

/**
 * An inline program made of a program file (e.g. examples/basic/index.ts): each run loads it anew,
 * as the language host would, and its exports become the stack's outputs.
 */
export function programFile(file: string): automation.PulumiFn {
    return async () => {
        delete require.cache[require.resolve(file)];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return { ...(require(file) as Record<string, unknown>) };
    };
}

export interface RealStackOptions {
    emu: Emulator;
    /** The inline program. */
    program: automation.PulumiFn;
    project?: string;
    stack?: string;
    /** Stack config (plain values; `{ secret }` values are stored encrypted). */
    config?: Record<string, string | { secret: string }>;
    /** More environment for the CLI and the provider hosts it starts. */
    env?: Record<string, string>;
    /**
     * Whose node_modules the stack's folder has (the dynamic-provider host resolves the serialized
     * provider from there): "consumer" (default), the packed package installed as a user installs it
     * (ScenarioProgram loads SyncJobStart from there); "repo", this checkout's (programs that load the
     * package by its own name, as the examples do).
     */
    modules?: "consumer" | "repo";
}

/** One stack on the real engine, in its own temp folder (project, PULUMI_HOME, state). */
export class RealStack {
    private constructor(
        readonly stack: automation.Stack,
        readonly dir: string,
        readonly env: Record<string, string>,
        readonly options: RealStackOptions,
    ) {}

    static async create(options: RealStackOptions): Promise<RealStack> {
        const bin = pulumiBin();
        if (!bin) throw new Error(`no Pulumi CLI: run ${locate.INSTALL_COMMAND}`);
        const { LocalWorkspace, PulumiCommand } = await import("@pulumi/pulumi/automation");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-sync-e2e-"));
        const project = path.join(dir, "project");
        fs.mkdirSync(project);
        fs.mkdirSync(path.join(dir, "state"));
        // The dynamic-provider host resolves @pulumi/pulumi and the serialized provider's requires from here.
        const modules = options.modules === "repo" ? path.join(REPO, "node_modules") : path.join(packedConsumer().dir, "node_modules");
        fs.symlinkSync(modules, path.join(project, "node_modules"), "dir");
        const env = realEngineEnv(dir, bin, { ...emulatorEnv(options.emu), ...options.env });
        const pulumiCommand = await PulumiCommand.get({ root: path.dirname(bin) });
        const projectName = options.project ?? "entra-sync-e2e";
        // `main` given: the Automation API's default project for inline programs has `main:
        // process.cwd()`, and the engine starts plugins (the dynamic-provider host) in `main`.
        const projectSettings = { name: projectName, runtime: "nodejs" as const, main: project };
        const stack = await LocalWorkspace.createOrSelectStack(
            { stackName: options.stack ?? "e2e", projectName, program: options.program },
            { workDir: project, pulumiHome: env.PULUMI_HOME, pulumiCommand, envVars: env, projectSettings },
        );
        for (const [key, value] of Object.entries(options.config ?? {})) {
            await stack.setConfig(key, typeof value === "string" ? { value } : { value: value.secret, secret: true });
        }
        return new RealStack(stack, dir, env, options);
    }

    /** The deployment as `pulumi stack export` gives it (secrets stay ciphertext). */
    async exportState(): Promise<StateResource[]> {
        const deployment = await this.stack.exportStack();
        return (deployment.deployment.resources ?? []) as StateResource[];
    }

    /** One resource of the deployment by its name (the last URN segment), or undefined. */
    async resource(name: string): Promise<StateResource | undefined> {
        return (await this.exportState()).find((r) => r.urn.endsWith(`::${name}`) && r.type.startsWith("pulumi-nodejs:dynamic/"));
    }

    /** The state file as stored by the file backend (for plaintext scans). */
    stateFileText(): string {
        const files = (fs.readdirSync(path.join(this.dir, "state"), { recursive: true }) as string[]).filter(
            (f) => f.endsWith(".json") && f.includes(`stacks${path.sep}`) && !f.includes(".bak"),
        );
        return files.map((f) => fs.readFileSync(path.join(this.dir, "state", f), "utf8")).join("\n");
    }

    /** The pulumi CLI itself, in the stack's folder with its environment (for commands the Automation API lacks). */
    cli(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
        return new Promise((resolve) => {
            execFile(
                path.join(pulumiBin()!, "pulumi"),
                [...args, "--stack", this.stack.name, "--non-interactive"],
                { cwd: path.join(this.dir, "project"), env: { ...process.env, ...this.env, ...extraEnv }, maxBuffer: 64 * 1024 * 1024 },
                (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
            );
        });
    }

    async close(): Promise<void> {
        try {
            await this.stack.workspace.removeStack(this.stack.name, { force: true });
        } catch {
            // The stack may hold resources a test left on purpose (protect, a failed destroy).
        }
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

export interface StateResource {
    urn: string;
    type: string;
    id?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    protect?: boolean;
    retainOnDelete?: boolean;
    initErrors?: string[];
}

/**
 * The environment of every CLI run: nothing leaves the machine (no update check, no plugin
 * download, no ambient plugins), state and secrets stay in the test's folder, and the node that
 * runs this test is the one the CLI's plugins find first on PATH.
 */
export function realEngineEnv(dir: string, bin: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
    const env: Record<string, string> = {
        PULUMI_HOME: path.join(dir, "home"),
        PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
        PATH: [path.dirname(process.execPath), bin, process.env.PATH].join(path.delimiter),
    };
    for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
    return env;
}

/** One SyncJobStart of a scenario program, with the resource options the engine applies. */
export interface E2eResource {
    name: string;
    args: Record<string, unknown>;
    /** Triggers wrapped in pulumi.secret(). */
    secretTriggers?: boolean;
    /** Resource options (JSON-able ones: protect, retainOnDelete, ignoreChanges, aliases, import, customTimeouts, …). */
    opts?: Record<string, unknown>;
}

/**
 * A program whose resources a test sets before each command (`set`): what tests/fixtures/program.ts
 * is to the harness. SyncJobStart comes from the packed package installed in a consumer project
 * (harness/consumer.ts), so `__provider` is the `require("pulumi-entra-sync/dist/…")` users get.
 */
export class ScenarioProgram {
    private resources: E2eResource[] = [];
    /** Each SyncJobStart's outputs are exported under its name. */
    readonly program: automation.PulumiFn = async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { SyncJobStart } = require(
            path.join(packedConsumer().dir, "node_modules", "pulumi-entra-sync"),
        ) as typeof import("../../../provider");
        const exports: Record<string, unknown> = {};
        for (const r of this.resources) {
            const args = { ...r.args } as Record<string, unknown>;
            if (r.secretTriggers) args.triggers = pulumi.secret(args.triggers);
            const resource = new SyncJobStart(r.name, args as never, r.opts as never);
            exports[r.name] = { status: resource.status, startCount: resource.startCount, lastAction: resource.lastAction };
        }
        return exports;
    };

    set(resources: E2eResource[]): this {
        this.resources = resources;
        return this;
    }
}
