/**
 * A test driver for the real Pulumi dynamic provider host (@pulumi/pulumi/cmd/dynamic-provider),
 * speaking the provider gRPC protocol as the engine does. It is not an engine: it runs resources'
 * steps in the engine's order (check, diff against old outputs, create/update/replace/delete,
 * read), keeps a state between runs, and applies the engine's secret rule (an output with the
 * name of a secret input is secret).
 */
import * as grpc from "@grpc/grpc-js";
import { ChildProcess, execFile, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// The engine side's protocol stubs; the host itself is the program's own copy (see ProviderHost.start).
const provrpc = require(path.join(pulumiDir, "proto/provider_grpc_pb.js"));
const provproto = require(path.join(pulumiDir, "proto/provider_pb.js"));
const plugproto = require(path.join(pulumiDir, "proto/plugin_pb.js"));
const statusproto = require(path.join(pulumiDir, "proto/status_pb.js"));
const structproto = require("google-protobuf/google/protobuf/struct_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";
const REPO = path.resolve(__dirname, "../..");

export type Props = Record<string, any>;

export interface ProgramResource {
    type: string;
    name: string;
    inputs: Props;
}

export interface ProgramResult {
    resources: ProgramResource[];
    error?: string;
}

/** Runs a program under setMocks in a child process; `env` reaches the program (e.g. its scenario). */
export function runProgram(program: string, mode: "up" | "preview", env: NodeJS.ProcessEnv = {}): Promise<ProgramResult> {
    const runner = path.join(__dirname, "program-runner.ts");
    if ((env.ENTRA_SYNC_PROGRAM?.length ?? 0) > 32 * 1024) {
        // Too large for one environment variable (E2BIG): hand the scenario over in a file.
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "entra-sync-program-")), "scenario.json");
        fs.writeFileSync(file, env.ENTRA_SYNC_PROGRAM!);
        env = { ...env, ENTRA_SYNC_PROGRAM: undefined, ENTRA_SYNC_PROGRAM_FILE: file };
    }
    return new Promise((resolve, reject) => {
        execFile(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), runner, program, mode], {
            cwd: path.dirname(program), env: { ...process.env, TS_NODE_PROJECT: path.join(REPO, "tsconfig.json"), ...env }, maxBuffer: 64 * 1024 * 1024,
        }, (err, stdout, stderr) => {
            try {
                resolve(JSON.parse(stdout) as ProgramResult);
            } catch {
                reject(new Error(`program ${program} failed: ${err?.message ?? ""}\n${stderr}`));
            }
        });
    });
}

export function isSecret(v: unknown): v is { value: unknown } {
    return !!v && typeof v === "object" && (v as Props)[SECRET_SIG] === SECRET_VALUE;
}

/** The engine hands a provider that does not accept secrets plain values. */
export function unwrapSecrets(v: unknown): unknown {
    if (isSecret(v)) return unwrapSecrets(v.value);
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
    return v;
}

function containsSecret(v: unknown): boolean {
    if (isSecret(v)) return true;
    if (Array.isArray(v)) return v.some(containsSecret);
    if (v && typeof v === "object") return Object.values(v).some(containsSecret);
    return false;
}

function struct(o: Props): any {
    return structproto.Struct.fromJavaScript(o);
}

export class RpcError extends Error {
    constructor(message: string, readonly partial?: { id: string; properties: Props; reasons: string[] }) {
        super(message);
    }
}

function fromGrpcError(e: grpc.ServiceError): RpcError {
    const bin = e.metadata?.get("grpc-status-details-bin")?.[0];
    if (bin) {
        const status = statusproto.Status.deserializeBinary(new Uint8Array(bin as Buffer));
        for (const any of status.getDetailsList()) {
            if (any.getTypeName() === "pulumirpc.ErrorResourceInitFailed") {
                const d = provproto.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
                return new RpcError(e.details, { id: d.getId(), properties: d.getProperties()?.toJavaScript() ?? {}, reasons: d.getReasonsList() });
            }
        }
    }
    return new RpcError(e.details ?? e.message);
}

/** The real provider host, in a child process, and a gRPC client to it. */
export class ProviderHost {
    /** Everything the host printed (stdout after the port, and stderr). */
    output = "";
    private constructor(private readonly child: ChildProcess, private readonly client: any) {}

    /** Starts the host with the program's directory as working directory (require-from-string resolves from there). */
    static async start(cwd: string, env: NodeJS.ProcessEnv = {}): Promise<ProviderHost> {
        const hostJs = path.join(path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [cwd] })), "cmd/dynamic-provider/index.js");
        const child = spawn(process.execPath, [hostJs, "127.0.0.1:0"], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        const port = await new Promise<number>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`provider host did not start: ${out}`)), 20_000);
            child.stdout!.on("data", (d: Buffer) => {
                out += d.toString();
                const m = /^(\d+)\s*$/m.exec(out);
                if (m) {
                    clearTimeout(timer);
                    resolve(Number(m[1]));
                }
            });
            child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
            child.on("exit", (code) => reject(new Error(`provider host exited with ${code}: ${out}`)));
        });
        const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        const host = new ProviderHost(child, client);
        child.stdout!.on("data", (d: Buffer) => (host.output += d.toString()));
        child.stderr!.on("data", (d: Buffer) => (host.output += d.toString()));
        return host;
    }

    private rpc<T>(method: string, req: unknown): Promise<T> {
        return new Promise((resolve, reject) => {
            this.client[method](req, (err: grpc.ServiceError | null, res: T) => (err ? reject(fromGrpcError(err)) : resolve(res)));
        });
    }

    async getPluginInfo(): Promise<string> {
        const res = await this.rpc<any>("getPluginInfo", new emptyproto.Empty());
        return res.getVersion();
    }

    /** Stack config as the engine sends it: `namespace:key` → value; secret ones wrapped. */
    async configure(config: Record<string, string>, secretKeys: string[] = []): Promise<void> {
        const args: Props = {};
        for (const [k, v] of Object.entries(config)) args[k] = secretKeys.includes(k) ? { [SECRET_SIG]: SECRET_VALUE, value: v } : v;
        const req = new provproto.ConfigureRequest();
        req.setArgs(struct(args));
        req.setAcceptsecrets(true);
        req.setAcceptresources(true);
        await this.rpc("configure", req);
    }

    async check(urn: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
        const req = new provproto.CheckRequest();
        req.setUrn(urn);
        req.setOlds(struct(olds));
        req.setNews(struct(news));
        const res = await this.rpc<any>("check", req);
        return {
            inputs: res.getInputs()?.toJavaScript() ?? {},
            failures: res.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
        };
    }

    async diff(urn: string, id: string, olds: Props, news: Props): Promise<{ changes: "none" | "some" | "unknown"; replaces: string[] }> {
        const req = new provproto.DiffRequest();
        req.setUrn(urn);
        req.setId(id);
        req.setOlds(struct(olds));
        req.setNews(struct(news));
        const res = await this.rpc<any>("diff", req);
        const C = provproto.DiffResponse.DiffChanges;
        const c = res.getChanges();
        return { changes: c === C.DIFF_SOME ? "some" : c === C.DIFF_NONE ? "none" : "unknown", replaces: res.getReplacesList() };
    }

    async create(urn: string, props: Props): Promise<{ id: string; outputs: Props }> {
        const req = new provproto.CreateRequest();
        req.setUrn(urn);
        req.setProperties(struct(props));
        const res = await this.rpc<any>("create", req);
        return { id: res.getId(), outputs: res.getProperties()?.toJavaScript() ?? {} };
    }

    async update(urn: string, id: string, olds: Props, news: Props, oldInputs: Props): Promise<Props> {
        const req = new provproto.UpdateRequest();
        req.setUrn(urn);
        req.setId(id);
        req.setOlds(struct(olds));
        req.setNews(struct(news));
        req.setOldInputs(struct(oldInputs));
        const res = await this.rpc<any>("update", req);
        return res.getProperties()?.toJavaScript() ?? {};
    }

    async read(urn: string, id: string, props: Props, inputs: Props): Promise<{ id: string; outputs: Props }> {
        const req = new provproto.ReadRequest();
        req.setUrn(urn);
        req.setId(id);
        req.setProperties(struct(props));
        req.setInputs(struct(inputs));
        const res = await this.rpc<any>("read", req);
        return { id: res.getId(), outputs: res.getProperties()?.toJavaScript() ?? {} };
    }

    async delete(urn: string, id: string, props: Props, oldInputs: Props): Promise<void> {
        const req = new provproto.DeleteRequest();
        req.setUrn(urn);
        req.setId(id);
        req.setProperties(struct(props));
        req.setOldInputs(struct(oldInputs));
        await this.rpc("delete", req);
    }

    /** Peak resident memory of the host (Linux), in bytes. */
    peakRss(): number | undefined {
        try {
            const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${this.child.pid}/status`, "utf8"));
            return m ? Number(m[1]) * 1024 : undefined;
        } catch {
            return undefined;
        }
    }

    async stop(): Promise<void> {
        this.client.close();
        if (this.child.exitCode !== null) return;
        const exited = new Promise((r) => this.child.once("exit", r));
        this.child.kill("SIGKILL");
        await exited;
    }
}

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
}

export interface Step {
    name: string;
    op: "create" | "update" | "replace" | "same" | "delete" | "refresh" | "removed";
    ok: boolean;
    error?: string;
    failures?: { property: string; reason: string }[];
    changed?: boolean;
}

/** State and steps across runs, as the engine keeps them. */
export class Engine {
    resources: Record<string, StateResource> = {};
    constructor(readonly host: ProviderHost, readonly stack = "test", readonly project = "entra-sync-test") {}

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
        const steps = await Promise.all(program.resources.map(async (r): Promise<Step> => {
            const urn = this.urn(r.type, r.name);
            seen.add(urn);
            const old = this.resources[urn];
            const secretInputs = Object.keys(r.inputs).filter((k) => containsSecret(r.inputs[k]));
            const news = unwrapSecrets(r.inputs) as Props;
            try {
                const checked = await this.host.check(urn, old?.inputs ?? {}, news);
                if (checked.failures.length) return { name: r.name, op: old ? "update" : "create", ok: false, failures: checked.failures };
                const inputs = checked.inputs;
                if (!old) {
                    if (!preview) await this.apply(urn, r, inputs, secretInputs, () => this.host.create(urn, inputs));
                    return { name: r.name, op: "create", ok: true };
                }
                const d = await this.host.diff(urn, old.id, old.outputs, inputs);
                if (d.replaces.length) {
                    if (!preview) {
                        await this.apply(urn, r, inputs, secretInputs, () => this.host.create(urn, inputs));
                        await this.host.delete(urn, old.id, old.outputs, old.inputs);
                    }
                    return { name: r.name, op: "replace", ok: true };
                }
                if (d.changes === "none") return { name: r.name, op: "same", ok: true };
                if (!preview) {
                    await this.apply(urn, r, inputs, secretInputs, async () =>
                        ({ id: old.id, outputs: await this.host.update(urn, old.id, old.outputs, inputs, old.inputs) }));
                }
                return { name: r.name, op: "update", ok: true };
            } catch (e) {
                return { name: r.name, op: old ? "update" : "create", ok: false, error: (e as Error).message };
            }
        }));
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
    private async apply(urn: string, r: ProgramResource, inputs: Props, secretInputs: string[], op: () => Promise<{ id: string; outputs: Props }>): Promise<void> {
        const record = (id: string, outputs: Props) => {
            this.resources[urn] = {
                urn, type: r.type, name: r.name, id, inputs, outputs, secretInputs,
                secretOutputs: Object.keys(outputs).filter((k) => secretInputs.includes(k)),
            };
        };
        try {
            const { id, outputs } = await op();
            record(id, outputs);
        } catch (e) {
            if (e instanceof RpcError && e.partial) record(e.partial.id, { ...e.partial.properties, __provider: inputs.__provider });
            throw e;
        }
    }

    /** refresh: read every resource; one that is gone leaves the state. */
    async refresh(): Promise<Step[]> {
        return Promise.all(Object.entries(this.resources).map(async ([urn, r]): Promise<Step> => {
            try {
                const res = await this.host.read(urn, r.id, r.outputs, r.inputs);
                if (!res.id) {
                    delete this.resources[urn];
                    return { name: r.name, op: "removed", ok: true };
                }
                const changed = JSON.stringify(res.outputs) !== JSON.stringify(r.outputs);
                r.outputs = res.outputs;
                return { name: r.name, op: "refresh", ok: true, changed };
            } catch (e) {
                return { name: r.name, op: "refresh", ok: false, error: (e as Error).message };
            }
        }));
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
        const encrypt = (props: Props, secret: string[]) => Object.fromEntries(Object.entries(props).map(([k, v]) =>
            [k, secret.includes(k) ? { [SECRET_SIG]: SECRET_VALUE, ciphertext: "v1:encrypted" } : v]));
        const resources = Object.values(this.resources).map((r) => ({
            urn: r.urn, id: r.id, type: r.type,
            inputs: encrypt(r.inputs, r.secretInputs),
            outputs: encrypt(r.outputs, r.secretOutputs),
        }));
        return JSON.stringify({ version: 3, deployment: { resources } }, null, 2);
    }
}

export const repoRoot = REPO;
