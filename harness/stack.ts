import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Engine, Step } from "./engine";
import { HostOptions, ProviderHost, startHost } from "./host";
import { ProgramResult, runProgram } from "./program";
import { ResourceSpec, scenarioEnv } from "./scenario";

export interface StackOptions extends Omit<HostOptions, "programDir"> {
    /** The Pulumi program (run under setMocks by ./program-runner.ts). */
    program: string;
    /** Stack and project names, for URNs and the program's config keys. */
    stack?: string;
    project?: string;
    /** As `pulumi up --parallel N` (the engine's default when absent). */
    parallel?: number;
}

/** What one run hands the program: a scenario's resources, and/or the program's own config. */
export type ProgramInput = ResourceSpec[] | { resources?: ResourceSpec[]; config?: Record<string, string> };

/**
 * A stack: a program, the real provider host and the engine's side of the protocol, kept across
 * runs. Used by the tests, the demo and the benchmark.
 */
export class Stack {
    private constructor(
        readonly host: ProviderHost,
        readonly engine: Engine,
        readonly options: StackOptions,
    ) {}

    static async start(options: StackOptions): Promise<Stack> {
        const host = await startHost({ ...options, programDir: path.dirname(options.program) });
        return new Stack(host, new Engine(host, options.stack ?? "test", options.project ?? "entra-sync-test", options.parallel), options);
    }

    /**
     * As between two `pulumi up` runs: the state goes to a file, the provider host stops, a new
     * one starts (fresh process: no token, no sessions) and the state is read back.
     */
    async restart(): Promise<Stack> {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "entra-sync-state-")), "state.json");
        this.engine.save(file);
        await this.stop();
        const next = await Stack.start(this.options);
        next.engine.load(file);
        return next;
    }

    /** Runs the program (under mocks) and returns what it registered, without deploying it. */
    program(input: ProgramInput, mode: "up" | "preview"): Promise<ProgramResult> {
        const { resources, config } = Array.isArray(input) ? { resources: input, config: undefined } : input;
        const project = this.engine.project;
        const env: NodeJS.ProcessEnv = { ENTRA_SYNC_PROGRAM_PROJECT: project };
        if (resources) Object.assign(env, scenarioEnv({ resources }));
        if (config) env.PULUMI_CONFIG = JSON.stringify(Object.fromEntries(Object.entries(config).map(([k, v]) => [`${project}:${k}`, v])));
        return runProgram(this.options.program, mode, { ...this.options.env, ...env });
    }

    async preview(input: ProgramInput): Promise<Step[]> {
        return this.engine.preview(await this.program(input, "preview"));
    }

    async up(input: ProgramInput): Promise<Step[]> {
        return this.engine.up(await this.program(input, "up"));
    }

    refresh(): Promise<Step[]> {
        return this.engine.refresh();
    }

    destroy(): Promise<Step[]> {
        return this.engine.destroy();
    }

    /** Outputs of a resource, without the serialized provider. */
    outputs(name: string): Record<string, unknown> {
        const resource = Object.values(this.engine.resources).find((r) => r.name === name);
        if (!resource) throw new Error(`no resource ${name} in state`);
        const { __provider, ...rest } = resource.outputs;
        void __provider;
        return rest;
    }

    stop(): Promise<void> {
        return this.host.stop();
    }
}

/** "op name" strings (with FAILED), sorted, for compact assertions. */
export function summary(steps: Step[]): string[] {
    return steps.map((s) => `${s.op} ${s.name}${s.ok ? "" : " FAILED"}`).sort();
}
