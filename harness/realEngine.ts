/**
 * The real Pulumi engine: the CLI that `npm run pulumi:install` built from Go modules, driven
 * through the Automation API with a file:// backend, a passphrase secrets provider and PULUMI_HOME
 * in a temp folder. Programs are Automation API inline programs: their language runtime is
 * @pulumi/pulumi in this process (the Go module proxy does not serve the Node.js language host's
 * module; docs/real-engine.md). The CLI starts the dynamic-provider host (our
 * pulumi-resource-pulumi-nodejs launcher) in the stack's folder, whose node_modules the caller picks.
 * Used by the e2e suite, the demo and the benchmark.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as automation from "@pulumi/pulumi/automation";
import { repoRoot } from "./program";

const locate = require("../scripts/pulumi-cli/locate.js") as {
    installedBin(): string | undefined;
    pulumiRoot(): string;
    pinnedVersion(): string;
    INSTALL_COMMAND: string;
};

export const PULUMI_INSTALL_COMMAND = locate.INSTALL_COMMAND;
/** The CLI version this checkout pins (scripts/pulumi-cli/go.mod). */
export const pinnedPulumiVersion = (): string => locate.pinnedVersion();
/** Where `npm run pulumi:install` puts (or put) the CLI. */
export const pulumiRoot = (): string => locate.pulumiRoot();
/** The installed CLI's bin folder, or undefined. */
export const pulumiBin = (): string | undefined => locate.installedBin();

export interface RealStackOptions {
    /** The inline program. */
    program: automation.PulumiFn;
    project?: string;
    stack?: string;
    /** Stack config (plain values; `{ secret }` values are stored encrypted). */
    config?: Record<string, string | { secret: string }>;
    /** Environment for the CLI and the provider hosts it starts (e.g. an emulator's). */
    env?: Record<string, string | undefined>;
    /** The node_modules the stack's folder links to: the dynamic-provider host resolves the serialized provider there. */
    nodeModules?: string;
    passphrase?: string;
}

/** One stack on the real engine, in its own temp folder (project, PULUMI_HOME, state). */
export class RealStack {
    private constructor(
        readonly stack: automation.Stack,
        readonly dir: string,
        readonly env: Record<string, string>,
    ) {}

    static async create(options: RealStackOptions): Promise<RealStack> {
        const bin = pulumiBin();
        if (!bin) throw new Error(`no Pulumi CLI at ${pulumiRoot()}/bin: run ${PULUMI_INSTALL_COMMAND}`);
        const { LocalWorkspace, PulumiCommand } = await import("@pulumi/pulumi/automation");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-sync-real-engine-"));
        const project = path.join(dir, "project");
        fs.mkdirSync(project);
        fs.mkdirSync(path.join(dir, "state"));
        fs.symlinkSync(options.nodeModules ?? path.join(repoRoot, "node_modules"), path.join(project, "node_modules"), "dir");
        const env = realEngineEnv(dir, bin, options.passphrase, options.env);
        const pulumiCommand = await PulumiCommand.get({ root: path.dirname(bin) });
        const projectName = options.project ?? "entra-sync-real-engine";
        // `main` given: the Automation API's default project for inline programs has `main:
        // process.cwd()`, and the engine starts plugins (the dynamic-provider host) in `main`.
        const projectSettings = { name: projectName, runtime: "nodejs" as const, main: project };
        const stack = await LocalWorkspace.createOrSelectStack(
            { stackName: options.stack ?? "dev", projectName, program: options.program },
            { workDir: project, pulumiHome: env.PULUMI_HOME, pulumiCommand, envVars: env, projectSettings },
        );
        for (const [key, value] of Object.entries(options.config ?? {})) {
            await stack.setConfig(key, typeof value === "string" ? { value } : { value: value.secret, secret: true });
        }
        return new RealStack(stack, dir, env);
    }

    /** The deployment's resources (the Automation API exports with --show-secrets: secrets in plaintext; stateFileText() has what is stored). */
    async exportState(): Promise<ExportedResource[]> {
        const deployment = await this.stack.exportStack();
        return (deployment.deployment.resources ?? []) as ExportedResource[];
    }

    /** One dynamic resource of the deployment by its name (the last URN segment), or undefined. */
    async resource(name: string): Promise<ExportedResource | undefined> {
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

    /** Removes the stack (forced: it may hold resources left on purpose) and its folder. */
    async close(): Promise<void> {
        try {
            await this.stack.workspace.removeStack(this.stack.name, { force: true });
        } catch {
            // A stack a test left broken on purpose: its folder goes all the same.
        }
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

export interface ExportedResource {
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
 * An inline program made of a program file (e.g. examples/basic/index.ts): each run loads it anew,
 * as the language host would, and its exports become the stack's outputs.
 */
export function programFile(file: string): automation.PulumiFn {
    return async () => {
        delete require.cache[require.resolve(file)];

        return { ...(require(file) as Record<string, unknown>) };
    };
}

/**
 * The environment of every CLI run: nothing leaves the machine (no update check, no plugin
 * download, no ambient plugins), state and secrets stay in the stack's folder, and the node that
 * runs this process is the one the CLI's plugins find first on PATH.
 */
export function realEngineEnv(
    dir: string,
    bin: string,
    passphrase = "real-engine-local-passphrase",
    extra: Record<string, string | undefined> = {},
): Record<string, string> {
    const env: Record<string, string> = {
        PULUMI_HOME: path.join(dir, "home"),
        PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: passphrase,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
        PATH: [path.dirname(process.execPath), bin, process.env.PATH].join(path.delimiter),
    };
    for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
    return env;
}
