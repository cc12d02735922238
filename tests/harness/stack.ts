import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Emulator } from "../../emulator";
import { Engine, ProgramResult, ProviderHost, runProgram, Step } from "./engine";
import { emulatorEnv } from "./testEnv";

export const PROGRAM = path.resolve(__dirname, "../fixtures/program.ts");

export interface StackOptions {
    env?: NodeJS.ProcessEnv;
    config?: Record<string, string>;
    secretConfig?: string[];
    configure?: boolean;
}

export interface ResourceSpec {
    name: string;
    args: Record<string, unknown>;
    secretTriggers?: boolean;
    triggersFromUpstream?: boolean;
}

/**
 * A stack for engine tests: the fixture program (run under setMocks) + the real provider host +
 * the harness engine, pointed at an emulator.
 */
export class TestStack {
    private constructor(readonly host: ProviderHost, readonly engine: Engine, private readonly emu: Emulator, private readonly opts: StackOptions) {}

    static async start(emu: Emulator, opts: StackOptions = {}): Promise<TestStack> {
        const host = await ProviderHost.start(path.dirname(PROGRAM), emulatorEnv(emu, opts.env));
        await host.getPluginInfo();
        if (opts.configure !== false) await host.configure(opts.config ?? {}, opts.secretConfig ?? []);
        return new TestStack(host, new Engine(host), emu, opts);
    }

    /**
     * As between two `pulumi up` runs: the state goes to a file, the provider host stops, a new
     * one starts (fresh process: no token, no sessions) and the state is read back.
     */
    async restart(): Promise<TestStack> {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "entra-sync-state-")), "state.json");
        this.engine.save(file);
        await this.stop();
        const next = await TestStack.start(this.emu, this.opts);
        next.engine.load(file);
        return next;
    }

    program(resources: ResourceSpec[], mode: "up" | "preview"): Promise<ProgramResult> {
        return runProgram(PROGRAM, mode, { ENTRA_SYNC_PROGRAM: JSON.stringify({ resources }) });
    }

    async preview(resources: ResourceSpec[]): Promise<Step[]> {
        return this.engine.preview(await this.program(resources, "preview"));
    }

    async up(resources: ResourceSpec[]): Promise<Step[]> {
        return this.engine.up(await this.program(resources, "up"));
    }

    refresh(): Promise<Step[]> {
        return this.engine.refresh();
    }

    destroy(): Promise<Step[]> {
        return this.engine.destroy();
    }

    /** Outputs of a resource, without the serialized provider. */
    outputs(name: string): Record<string, unknown> {
        const r = Object.values(this.engine.resources).find((x) => x.name === name);
        if (!r) throw new Error(`no resource ${name} in state`);
        const { __provider, ...rest } = r.outputs;
        void __provider;
        return rest;
    }

    stop(): Promise<void> {
        return this.host.stop();
    }
}

/** "op name ok" strings, sorted, for compact assertions. */
export function summary(steps: Step[]): string[] {
    return steps.map((s) => `${s.op} ${s.name}${s.ok ? "" : " FAILED"}`).sort();
}
