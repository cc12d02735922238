/**
 * Not an engine, but the engine's side of a deployment: it runs resources' steps in the engine's
 * order (check, diff against old outputs, create/update/replace/delete, read), keeps a state
 * between runs, and applies the engine's secret rule (an output with the name of a secret input
 * is secret).
 */
import * as fs from "fs";
import * as os from "os";
import { ProviderHost, RpcError } from "./host";
import type { ProgramResource, ProgramResult } from "./program";
import { containsSecret, Props, SECRET_SIG, SECRET_VALUE, unwrapSecrets } from "./wire";

export interface StateResource {
    urn: string;
    type: string;
    name: string;
    id: string;
    inputs: Props;
    outputs: Props;
    /** Input names the program marked secret (stored encrypted). */
    secretInputs: string[];
    /** Output names the engine would store encrypted (same-name rule). */
    secretOutputs: string[];
    /** A partial failure's reasons: the engine then updates the resource on the next up, even with no diff. */
    initErrors?: string[];
}

export interface Step {
    name: string;
    op: "create" | "update" | "replace" | "same" | "delete" | "refresh" | "removed";
    ok: boolean;
    error?: string;
    failures?: { property: string; reason: string }[];
    changed?: boolean;
}

/**
 * How many creates, updates and deletes the engine runs at once by default: `pulumi up --parallel`'s
 * default, 4 × GOMAXPROCS (8 on 2 cores; tests/e2e/engine-facts.test.ts measures it).
 */
export const ENGINE_DEFAULT_PARALLEL = 4 * os.availableParallelism();

/** State and steps across runs, as the engine keeps them. */
export class Engine {
    resources: Record<string, StateResource> = {};
    constructor(
        readonly host: ProviderHost,
        readonly stack = "test",
        readonly project = "entra-sync-test",
        /** As `pulumi up --parallel N`: steps in flight at once (the benchmark raises it to N). */
        readonly parallel = ENGINE_DEFAULT_PARALLEL,
    ) {}

    urn(type: string, name: string): string {
        return `urn:pulumi:${this.stack}::${this.project}::${type}::${name}`;
    }

    /** preview: check and diff only. */
    preview(program: ProgramResult): Promise<Step[]> {
        return this.run(program, true);
    }

    /** up: check, diff, then create/update/replace/delete, all resources concurrently. */
    up(program: ProgramResult): Promise<Step[]> {
        return this.run(program, false);
    }

    private async run(program: ProgramResult, preview: boolean): Promise<Step[]> {
        if (program.error) throw new Error(`program failed: ${program.error}`);
        const seen = new Set<string>();
        const replaced: StateResource[] = [];
        const steps = await Promise.all(
            program.resources.map(async (r): Promise<Step> => {
                const urn = this.urn(r.type, r.name);
                seen.add(urn);
                const old = this.resources[urn];
                const secretInputs = Object.keys(r.inputs).filter((k) => containsSecret(r.inputs[k]));
                const news = unwrapSecrets(r.inputs) as Props;
                try {
                    const checked = await this.host.check(urn, old?.inputs ?? {}, news);
                    if (checked.failures.length)
                        return { name: r.name, op: old ? "update" : "create", ok: false, failures: checked.failures };
                    const inputs = checked.inputs;
                    if (!old) {
                        if (!preview) await this.apply(urn, r, inputs, secretInputs, () => this.host.create(urn, inputs));
                        return { name: r.name, op: "create", ok: true };
                    }
                    const d = await this.host.diff(urn, old.id, old.outputs, inputs);
                    if (d.replaces.length) {
                        if (!preview) {
                            await this.apply(urn, r, inputs, secretInputs, () => this.host.create(urn, inputs));
                            // Create-before-delete: the engine deletes replaced resources after every create and update.
                            replaced.push(old);
                        }
                        return { name: r.name, op: "replace", ok: true };
                    }
                    // A resource with initErrors is updated although nothing changed (step_generator.go).
                    if (d.changes === "none" && !old.initErrors) {
                        // A same step stores the new checked inputs with the old outputs (step.go).
                        if (!preview) old.inputs = inputs;
                        return { name: r.name, op: "same", ok: true };
                    }
                    if (!preview) {
                        await this.apply(urn, r, inputs, secretInputs, async () => ({
                            id: old.id,
                            outputs: await this.host.update(urn, old.id, old.outputs, inputs, old.inputs),
                        }));
                    }
                    return { name: r.name, op: "update", ok: true };
                } catch (e) {
                    return { name: r.name, op: old ? "update" : "create", ok: false, error: (e as Error).message };
                }
            }),
        );
        for (const old of replaced) {
            try {
                await this.host.delete(old.urn, old.id, old.outputs, old.inputs);
            } catch (e) {
                steps.push({ name: old.name, op: "delete", ok: false, error: (e as Error).message });
            }
        }
        for (const [urn, old] of Object.entries(this.resources)) {
            if (seen.has(urn)) continue;
            if (preview) {
                steps.push({ name: old.name, op: "delete", ok: true });
                continue;
            }
            try {
                await this.host.delete(urn, old.id, old.outputs, old.inputs);
                delete this.resources[urn];
                steps.push({ name: old.name, op: "delete", ok: true });
            } catch (e) {
                steps.push({ name: old.name, op: "delete", ok: false, error: (e as Error).message });
            }
        }
        return steps;
    }

    /** Runs a create/update; a partial failure still records the resource, as the engine does. */
    private inFlight = 0;
    private readonly waiting: (() => void)[] = [];

    /** Runs a step when fewer than `parallel` are in flight, as the engine's step executor does. */
    private async slot<T>(step: () => Promise<T>): Promise<T> {
        while (this.inFlight >= this.parallel) await new Promise<void>((resolve) => this.waiting.push(resolve));
        this.inFlight++;
        try {
            return await step();
        } finally {
            this.inFlight--;
            this.waiting.shift()?.();
        }
    }

    private async apply(
        urn: string,
        r: ProgramResource,
        inputs: Props,
        secretInputs: string[],
        step: () => Promise<{ id: string; outputs: Props }>,
    ): Promise<void> {
        const op = () => this.slot(step);
        const record = (id: string, outputs: Props, initErrors?: string[]) => {
            this.resources[urn] = {
                urn,
                type: r.type,
                name: r.name,
                id,
                inputs,
                outputs,
                secretInputs,
                secretOutputs: Object.keys(outputs).filter((k) => secretInputs.includes(k)),
                ...(initErrors ? { initErrors } : {}),
            };
        };
        try {
            const { id, outputs } = await op();
            record(id, outputs);
        } catch (e) {
            // The engine stores the error's properties as they are (the host adds no __provider to
            // them) with its reasons as initErrors, and shows the reasons, not the message.
            if (e instanceof RpcError && e.partial) {
                record(e.partial.id, e.partial.properties, e.partial.reasons);
                throw new RpcError(e.partial.reasons.join("; "), e.partial);
            }
            throw e;
        }
    }

    /** refresh: read every resource; one that is gone leaves the state. */
    async refresh(): Promise<Step[]> {
        return Promise.all(
            Object.entries(this.resources).map(async ([urn, r]): Promise<Step> => {
                try {
                    const res = await this.host.read(urn, r.id, r.outputs, r.inputs);
                    if (!res.id) {
                        delete this.resources[urn];
                        return { name: r.name, op: "removed", ok: true };
                    }
                    const changed = JSON.stringify(res.outputs) !== JSON.stringify(r.outputs);
                    r.outputs = res.outputs;
                    // A successful read clears a partial failure's initErrors.
                    delete r.initErrors;
                    return { name: r.name, op: "refresh", ok: true, changed };
                } catch (e) {
                    return { name: r.name, op: "refresh", ok: false, error: (e as Error).message };
                }
            }),
        );
    }

    async destroy(): Promise<Step[]> {
        return this.run({ resources: [] }, false);
    }

    /** Writes the state to a file, as the engine does between runs (plain: this is a test driver). */
    save(file: string): void {
        fs.writeFileSync(file, JSON.stringify(this.resources));
    }

    /** Reads a state written by save() (e.g. into an Engine on a new provider host). */
    load(file: string): this {
        this.resources = JSON.parse(fs.readFileSync(file, "utf8"));
        return this;
    }

    /** The state as a checkpoint file would hold it: secret outputs encrypted (here: replaced). */
    checkpoint(): string {
        const encrypt = (props: Props, secret: string[]) =>
            Object.fromEntries(
                Object.entries(props).map(([k, v]) => [
                    k,
                    secret.includes(k) ? { [SECRET_SIG]: SECRET_VALUE, ciphertext: "v1:encrypted" } : v,
                ]),
            );
        const resources = Object.values(this.resources).map((r) => ({
            urn: r.urn,
            id: r.id,
            type: r.type,
            inputs: encrypt(r.inputs, r.secretInputs),
            outputs: encrypt(r.outputs, r.secretOutputs),
        }));
        return JSON.stringify({ version: 3, deployment: { resources } }, null, 2);
    }
}
