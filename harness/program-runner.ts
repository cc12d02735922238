/**
 * Runs a Pulumi program under pulumi.runtime.setMocks, in its own process, and prints the dynamic
 * resources it registered (type, name, inputs with the serialized __provider) as JSON on stdout.
 * usage: node -r ts-node/register/transpile-only program-runner.ts <program> <up|preview>
 */
import type * as pulumiType from "@pulumi/pulumi";
import * as path from "path";
import { setTimeout as sleep } from "timers/promises";

async function main(): Promise<void> {
    const [program, mode] = process.argv.slice(2);
    const preview = mode === "preview";
    // The program's own @pulumi/pulumi (a consumer project has its own copy): mocks must be set on it.
    const fromProgram = (m: string) => require(require.resolve(m, { paths: [path.dirname(path.resolve(program))] }));
    const pulumi: typeof pulumiType = fromProgram("@pulumi/pulumi");
    const resources: { type: string; name: string; inputs: unknown }[] = [];
    const { unknown } = fromProgram("@pulumi/pulumi/output");
    // The wire's unknown marker, from the program's own SDK (see ./wire.ts for the engine side).
    const UNKNOWN: string = fromProgram("@pulumi/pulumi/runtime").unknownValue;
    const toJson = (v: unknown): unknown => {
        if (v === unknown) return UNKNOWN;
        if (Array.isArray(v)) return v.map(toJson);
        if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
        return v;
    };
    // Mocked answers for other providers' resources and functions (e.g. azuread), by type/token:
    // { resources: { [type]: { id?, state? } }, calls: { [token]: outputs } }.
    const mocks = JSON.parse(process.env.ENTRA_SYNC_MOCKS ?? "{}") as {
        resources?: Record<string, { id?: string; state?: Record<string, unknown> }>;
        calls?: Record<string, Record<string, unknown>>;
    };
    pulumi.runtime.setMocks(
        {
            newResource(args) {
                if (args.type.startsWith("pulumi-nodejs:dynamic/")) {
                    resources.push({ type: args.type, name: args.name, inputs: toJson(args.inputs) });
                }
                // test:index:Upstream stands for a resource whose outputs are known only after up.
                const mocked = mocks.resources?.[args.type];
                const state = args.type === "test:index:Upstream" && preview ? { revision: UNKNOWN } : { ...args.inputs, ...mocked?.state };
                return { id: mocked?.id ?? `${args.name}-id`, state };
            },
            call: (args) => mocks.calls?.[args.token] ?? {},
        },
        process.env.ENTRA_SYNC_PROGRAM_PROJECT ?? "entra-sync-test",
        "test",
        preview,
    );
    let failure: string | undefined;
    process.on("unhandledRejection", (e) => (failure = (e as Error)?.message ?? String(e)));
    try {
        require(path.resolve(program));
        await (pulumi.runtime as unknown as { disconnect(): Promise<void> }).disconnect();
        await sleep(50);
    } catch (e) {
        failure = (e as Error).message;
    }
    process.stdout.write(JSON.stringify({ resources, error: failure }));
}

void main();
