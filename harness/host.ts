/**
 * The real Pulumi dynamic provider host (@pulumi/pulumi/cmd/dynamic-provider) in a child process,
 * and a gRPC client speaking the provider protocol to it as the engine does.
 */
import * as grpc from "@grpc/grpc-js";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Props, wrapSecret } from "./wire";

const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// The engine side's protocol stubs; the host itself is the program's own copy (see ProviderHost.start).
const provrpc = require(path.join(pulumiDir, "proto/provider_grpc_pb.js"));
const provproto = require(path.join(pulumiDir, "proto/provider_pb.js"));
const statusproto = require(path.join(pulumiDir, "proto/status_pb.js"));
const structproto = require("google-protobuf/google/protobuf/struct_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");

function struct(o: Props): any {
    return structproto.Struct.fromJavaScript(o);
}

export class RpcError extends Error {
    constructor(
        message: string,
        readonly partial?: { id: string; properties: Props; reasons: string[] },
    ) {
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
                return new RpcError(e.details, {
                    id: d.getId(),
                    properties: d.getProperties()?.toJavaScript() ?? {},
                    reasons: d.getReasonsList(),
                });
            }
        }
    }
    return new RpcError(e.details ?? e.message);
}

/** The real provider host, in a child process, and a gRPC client to it. */
export class ProviderHost {
    /** Everything the host printed (stdout after the port, and stderr). */
    output = "";
    private constructor(
        private readonly child: ChildProcess,
        private readonly client: any,
    ) {}

    /** Starts the host with the program's directory as working directory (require-from-string resolves from there). */
    static async start(cwd: string, env: NodeJS.ProcessEnv = {}): Promise<ProviderHost> {
        const hostJs = path.join(
            path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [cwd] })),
            "cmd/dynamic-provider/index.js",
        );
        // ENTRA_SYNC_HOST_CPU_PROF=<dir>: a V8 CPU profile of the host, written when stop() ends it.
        const profileDir = env.ENTRA_SYNC_HOST_CPU_PROF ?? process.env.ENTRA_SYNC_HOST_CPU_PROF;
        const profile = profileDir
            ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, "--require", path.join(__dirname, "exit-on-sigterm.js")]
            : [];
        const child = spawn(process.execPath, [...profile, hostJs, "127.0.0.1:0"], {
            cwd,
            env: { ...process.env, ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
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
        for (const [k, v] of Object.entries(config)) args[k] = secretKeys.includes(k) ? wrapSecret(v) : v;
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

    /** CPU time the host has used so far (user + system, Linux), in ms. */
    cpuMs(): number | undefined {
        try {
            // /proc/<pid>/stat: the command may hold spaces, so count fields after its closing ")".
            const fields = fs.readFileSync(`/proc/${this.child.pid}/stat`, "utf8").split(") ")[1].split(" ");
            const ticksPerMs = 100 / 1000; // USER_HZ is 100 on Linux
            return (Number(fields[11]) + Number(fields[12])) / ticksPerMs;
        } catch {
            return undefined;
        }
    }

    async stop(): Promise<void> {
        this.client.close();
        if (this.child.exitCode !== null) return;
        const exited = new Promise((r) => this.child.once("exit", r));
        // SIGTERM lets a profiled host write its profile (exit-on-sigterm.js); SIGKILL otherwise.
        this.child.kill(this.child.spawnargs.includes("--cpu-prof") ? "SIGTERM" : "SIGKILL");
        await exited;
    }
}

export interface HostOptions {
    /** The program's directory: the host's working directory (require-from-string resolves node_modules from it). */
    programDir: string;
    /** Added to this process's environment for the host. */
    env?: NodeJS.ProcessEnv;
    /** Stack config, `namespace:key` → value; Configure is sent unless `configure` is false. */
    config?: Record<string, string>;
    /** Config keys the engine would send as secrets. */
    secretConfig?: string[];
    /** Leave the provider unconfigured (to test what happens before Configure). @default true */
    configure?: boolean;
}

/** Starts a host and makes the engine's first calls: GetPluginInfo, then Configure. */
export async function startHost(options: HostOptions): Promise<ProviderHost> {
    const host = await ProviderHost.start(options.programDir, options.env);
    try {
        await host.getPluginInfo();
        if (options.configure !== false) await host.configure(options.config ?? {}, options.secretConfig ?? []);
    } catch (e) {
        await host.stop();
        throw e;
    }
    return host;
}
