/**
 * The e2e suite's side of the real engine (harness/realEngine.ts): stacks pointed at an emulator,
 * on the packed package or this checkout, and the rule that skips the suite without a CLI (saying
 * how to install one) or, with ENTRA_SYNC_REQUIRE_PULUMI=1 (CI), fails it.
 */
import * as path from "path";
import type * as automation from "@pulumi/pulumi/automation";
import type { Emulator } from "../../../emulator";
import * as harness from "../../../harness";
import { packedConsumer, PULUMI_INSTALL_COMMAND, pulumiBin, pulumiRoot } from "../../../harness";
import { emulatorEnv } from "../../support/testEnv";

export { programFile, pulumiBin } from "../../../harness";
export type { ExportedResource as StateResource } from "../../../harness";

export const REPO = harness.repoRoot;
export const PASSPHRASE = "e2e-only-passphrase";

/**
 * In a suite's `before`: skips the suite when no CLI is installed (saying how to install one), or
 * fails it when the run requires the real engine (CI).
 */
export function requireRealEngine(context: Mocha.Context): void {
    if (pulumiBin()) return;
    const reason = `no Pulumi CLI installed at ${pulumiRoot()}/bin: run \`${PULUMI_INSTALL_COMMAND}\``;
    if (process.env.ENTRA_SYNC_REQUIRE_PULUMI === "1")
        throw new Error(`${reason} (ENTRA_SYNC_REQUIRE_PULUMI=1: the real engine is required)`);
    console.log(`      skipped: ${reason}`);
    context.skip();
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

export type RealStack = harness.RealStack;
/** A real-engine stack on an emulator, in the test run's temp folder. */
export const RealStack = {
    async create(options: RealStackOptions): Promise<RealStack> {
        const nodeModules = options.modules === "repo" ? path.join(REPO, "node_modules") : path.join(packedConsumer().dir, "node_modules");
        return harness.RealStack.create({
            program: options.program,
            project: options.project ?? "entra-sync-e2e",
            stack: options.stack ?? "e2e",
            config: options.config,
            env: { ...emulatorEnv(options.emu), ...options.env },
            nodeModules,
            passphrase: PASSPHRASE,
        });
    },
};

/** One SyncJobStart of a scenario program, with the resource options the engine applies. */
export interface E2eResource {
    name: string;
    args: Record<string, unknown>;
    /** Triggers wrapped in pulumi.secret(). */
    secretTriggers?: boolean;
    /** Dotted paths into args (e.g. "triggers.nested.value") whose values are wrapped in pulumi.secret(): secrets nested in plain objects. */
    secretPaths?: string[];
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
        const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");

        const { SyncJobStart } = require(
            path.join(packedConsumer().dir, "node_modules", "pulumi-entra-sync"),
        ) as typeof import("../../../provider");
        const exports: Record<string, unknown> = {};
        for (const r of this.resources) {
            const args = { ...r.args } as Record<string, unknown>;
            if (r.secretTriggers) args.triggers = pulumi.secret(args.triggers);
            for (const secretPath of r.secretPaths ?? []) wrapSecretAt(args, secretPath.split("."), pulumi.secret);
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

/** Replaces the value at `keys` inside `target` (copying the objects on the way) with secret(value). */
function wrapSecretAt(target: Record<string, unknown>, keys: string[], secret: (value: unknown) => unknown): void {
    const [key, ...rest] = keys;
    if (rest.length === 0) {
        target[key] = secret(target[key]);
        return;
    }
    const inner = { ...(target[key] as Record<string, unknown>) };
    target[key] = inner;
    wrapSecretAt(inner, rest, secret);
}
