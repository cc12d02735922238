/**
 * npm run bench:engine — N SyncJobStarts in one `pulumi up` through the real Pulumi CLI (built from Go
 * modules by `npm run pulumi:install`) against the emulator at a given latency, beside the same
 * deployment through the harness (our model of the engine), the engine floor (a dynamic resource
 * that makes no HTTP call, through the same CLI: what the engine and the protocol cost) and the
 * raw-HTTP bound (bench/raw.js, best of a concurrency sweep). One run of each, in this order, on
 * one machine; prints a table and writes docs/benchmark/real-engine.json.
 *
 * usage: npm run bench:engine [-- --n 200 --latency 50]
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { Emulator, startEmulator } from "../emulator";
import {
    Engine,
    LOOPBACK_GUARD,
    packedConsumer,
    pinnedPulumiVersion,
    pulumiBin,
    PULUMI_INSTALL_COMMAND,
    RealStack,
    repoRoot,
    runProgram,
    scenarioEnv,
    startHost,
} from "../harness";

const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg("n", 200);
const LATENCY_MS = arg("latency", 50);
/** The raw bound is the best of this sweep. */
const RAW_CONCURRENCY = [16, 64, 256];
const GUARD = LOOPBACK_GUARD;
const OUT = process.env.ENTRA_SYNC_BENCH_OUT ?? path.join(repoRoot, "docs/benchmark");

interface Row {
    variant: string;
    wallMs: number;
    /** From the first Graph request to the last answer: the part HTTP can shorten. */
    graphSpanMs?: number;
    graphCalls: number;
    starts: number;
    tokens: number;
    peakInFlight: number;
    note?: string;
}

function env(emu: Emulator): Record<string, string> {
    return { ...emu.environment(), AZURE_TOKEN_CREDENTIALS: "EnvironmentCredential", NODE_OPTIONS: `--require ${GUARD}` };
}

async function withJobs<T>(fn: (emu: Emulator, jobs: string[]) => Promise<T>): Promise<T> {
    const emu = await startEmulator();
    try {
        const jobs = Array.from({ length: N }, () => emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" }).id);
        emu.inject({ fault: { kind: "latency", ms: LATENCY_MS } });
        return await fn(emu, jobs);
    } finally {
        await emu.close();
    }
}

function observed(emu: Emulator, variant: string, wallMs: number, note?: string): Row {
    const graph = emu.filter({}).filter((e) => e.kind !== "token" && e.kind !== "openid" && e.kind !== "instanceDiscovery");
    const span = graph.length ? Math.max(...graph.map((e) => e.at)) - Math.min(...graph.map((e) => e.at)) + LATENCY_MS : undefined;
    return {
        variant,
        wallMs: Math.round(wallMs),
        ...(span !== undefined ? { graphSpanMs: Math.round(span) } : {}),
        graphCalls: emu.graphCalls().length,
        starts: emu.count({ kind: "start" }),
        tokens: emu.count({ kind: "token" }),
        peakInFlight: emu.stats().peakInFlight,
        ...(note ? { note } : {}),
    };
}

/** SyncJobStart from the packed package, as users install it, one resource per job. */
function syncJobStarts(sp: string, jobs: string[]): PulumiFn {
    return async () => {
        const { SyncJobStart } = require(
            path.join(packedConsumer().dir, "node_modules", "pulumi-entra-sync"),
        ) as typeof import("../provider");
        jobs.forEach((jobId, i) => new SyncJobStart(`job${i}`, { servicePrincipalId: sp, jobId }));
    };
}

/** The engine floor: no HTTP at all, the same number of resources. */
const floorProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: { servicePrincipalId: string; jobId: string }) {
        return { id: `${inputs.servicePrincipalId}/${inputs.jobId}`, outs: { ...inputs, status: "Active" } };
    },
};
class Floor extends pulumi.dynamic.Resource {
    constructor(name: string, args: { servicePrincipalId: string; jobId: string }) {
        super(floorProvider, name, { ...args, status: undefined }, undefined, "floor", "Floor");
    }
}
function floor(sp: string, jobs: string[]): PulumiFn {
    return async () => {
        jobs.forEach((jobId, i) => new Floor(`floor${i}`, { servicePrincipalId: sp, jobId }));
    };
}

async function realEngine(variant: string, program: (sp: string, jobs: string[]) => PulumiFn, parallel?: number): Promise<Row> {
    return withJobs(async (emu, jobs) => {
        const stack = await RealStack.create({
            program: program(emu.seed.servicePrincipalId, jobs),
            env: env(emu),
            nodeModules: path.join(packedConsumer().dir, "node_modules"),
        });
        try {
            emu.clearLog();
            const t0 = performance.now();
            await stack.stack.up(parallel ? { parallel } : {});
            const wallMs = performance.now() - t0;
            const created = (await stack.exportState()).filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/")).length;
            return observed(emu, variant, wallMs, `${created} created; --parallel ${parallel ?? "default"}`);
        } finally {
            await stack.close();
        }
    });
}

async function harness(): Promise<Row> {
    const consumer = packedConsumer();
    return withJobs(async (emu, jobs) => {
        const program = await runProgram(
            consumer.program,
            "up",
            scenarioEnv({
                resources: jobs.map((jobId, i) => ({ name: `job${i}`, args: { servicePrincipalId: emu.seed.servicePrincipalId, jobId } })),
            }),
        );
        const host = await startHost({ programDir: consumer.dir, env: env(emu) });
        try {
            emu.clearLog();
            const t0 = performance.now();
            const steps = await new Engine(host, undefined, undefined, N).up(program);
            const wallMs = performance.now() - t0;
            return observed(
                emu,
                "SyncJobStart, harness --parallel N (engine steps only)",
                wallMs,
                `${steps.filter((s) => s.ok).length} ok`,
            );
        } finally {
            await host.stop();
        }
    });
}

async function raw(concurrency: number): Promise<Row> {
    return withJobs(async (emu, jobs) => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-raw-")), "jobs.json");
        const { graphEndpoint: graph, authorityHost: authority, tenantId: tenant, clientId, clientSecret: secret } = emu;
        fs.writeFileSync(file, JSON.stringify({ graph, authority, tenant, clientId, secret, sp: emu.seed.servicePrincipalId, jobs }));
        emu.clearLog();
        const out = await new Promise<string>((resolve, reject) =>
            execFile(
                process.execPath,
                [path.join(__dirname, "raw.js"), file, String(concurrency)],
                { env: { ...process.env, ...env(emu) } },
                (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)),
            ),
        );
        return observed(emu, `raw HTTP, ${concurrency} in flight`, (JSON.parse(out) as { ms: number }).ms);
    });
}

async function main(): Promise<void> {
    if (!pulumiBin()) throw new Error(`no Pulumi CLI: run ${PULUMI_INSTALL_COMMAND} first`);
    console.log(
        `real engine benchmark: N=${N}, ${LATENCY_MS} ms latency, pulumi ${pinnedPulumiVersion()}, node ${process.version}, ${os.cpus().length} cores`,
    );
    packedConsumer();
    const rows: Row[] = [];
    const push = (row: Row) => {
        rows.push(row);
        console.log(
            `  ${row.variant}: ${row.wallMs} ms (Graph span ${row.graphSpanMs ?? "-"} ms, ${row.graphCalls} calls, ${row.starts} starts, ${row.tokens} tokens, peak ${row.peakInFlight} in flight${row.note ? `; ${row.note}` : ""})`,
        );
    };
    const rawRows: Row[] = [];
    for (const c of RAW_CONCURRENCY) rawRows.push(await raw(c));
    const best = rawRows.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
    rawRows.forEach(push);
    push(await harness());
    push(await realEngine("engine floor, real CLI (no HTTP)", floor));
    push(await realEngine("SyncJobStart, real CLI", syncJobStarts));
    push(await realEngine("SyncJobStart, real CLI, --parallel 64", syncJobStarts, 64));
    console.log(`\nratios to the best raw bound (${best.wallMs} ms):`);
    for (const row of rows) console.log(`  ${row.variant}: ${(row.wallMs / best.wallMs).toFixed(2)}x`);
    fs.mkdirSync(OUT, { recursive: true });
    const file = path.join(OUT, "real-engine.json");
    fs.writeFileSync(
        file,
        JSON.stringify(
            {
                n: N,
                latencyMs: LATENCY_MS,
                pulumi: pinnedPulumiVersion(),
                node: process.version,
                cores: os.cpus().length,
                date: new Date().toISOString(),
                bestRawMs: best.wallMs,
                rows,
            },
            null,
            2,
        ) + "\n",
    );
    console.log(`\nwritten: ${path.relative(repoRoot, file)}`);
}

main().then(
    () => process.exit(0),
    (e) => {
        console.error(e);
        process.exit(1);
    },
);
