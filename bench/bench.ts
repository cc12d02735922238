/**
 * npm run bench: SyncJobStart (the packed package, through the real provider host) against the
 * raw-HTTP bound (the best of a concurrency sweep) and the naive pattern, at several N and
 * latencies; throttled runs (simple buckets and the Entra-like model); the preview/unchanged-up
 * call counts. Prints tables and every target with pass/fail, writes docs/benchmark/results.json and
 * docs/benchmark/wall-time.svg. `npm run bench -- --quick` is the small smoke run.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Emulator, GRAPH_ROUTES, startEmulator } from "../emulator";
import {
    Engine,
    LOOPBACK_GUARD,
    packedConsumer,
    ProgramResult,
    repoRoot,
    runProgram,
    SCENARIO_PROGRAM,
    scenarioEnv,
    startHost,
} from "../harness";

const QUICK = process.argv.includes("--quick");
const OUT = process.env.ENTRA_SYNC_BENCH_OUT ?? path.join(repoRoot, "docs/benchmark");
const NS = QUICK ? [5] : [1, 50, 200, 1000];
const LATENCIES = QUICK ? [20] : [20, 50, 150];
/** The raw bound is the best of this sweep, not the product's own limit. */
const RAW_CONCURRENCY = QUICK ? [16, 64] : [16, 64, 256];
const GUARD = LOOPBACK_GUARD;
/** `--profile`: one SyncJobStart run (N=1000, 50 ms) with a CPU profile of the provider host, summarized. */
const PROFILE = process.argv.includes("--profile") ? fs.mkdtempSync(path.join(os.tmpdir(), "bench-profile-")) : undefined;

/**
 * Throttled runs, each sized to take seconds. The bound is the least time the throttle allows for
 * the Graph calls that succeeded: (calls − burst) / rate, and for the Entra-like model the larger of
 * the resource-unit and write bounds.
 */
interface ThrottleCase {
    name: string;
    n: number;
    install: (emu: Emulator) => void;
    boundMs: (gets: number, writes: number) => number;
}
function bucket(rate: number, n: number): ThrottleCase {
    return {
        name: `bucket ${rate}/s`,
        n,
        install: (emu) => emu.throttle(rate, rate),
        boundMs: (gets, writes) => (Math.max(0, gets + writes - rate) / rate) * 1000,
    };
}
function entraLike(units: number, windowSeconds: number, writes: number, n: number): ThrottleCase {
    return {
        name: `entra-like ${units} RU/${windowSeconds} s, ${writes} writes/${windowSeconds} s`,
        n,
        install: (emu) =>
            emu.throttleLikeEntra({ unitsPerWindow: units, windowSeconds, writesPerWindow: writes, writeWindowSeconds: windowSeconds }),
        boundMs: (gets, w) =>
            Math.max((Math.max(0, gets + w - units) / units) * windowSeconds, (Math.max(0, w - writes) / writes) * windowSeconds) * 1000,
    };
}
const THROTTLES: ThrottleCase[] = QUICK
    ? [bucket(10, 5), entraLike(10, 1, 5, 5)]
    : [bucket(10, 40), bucket(2, 10), entraLike(20, 2, 10, 40)];

type Variant = "SyncJobStart" | "raw-HTTP" | "naive" | "engine-floor";
/** The raw bound's two HTTP stacks: the best of both is the bound. */
type RawProtocol = "h1" | "h2";
const RAW_PROTOCOLS: RawProtocol[] = ["h1", "h2"];

/** The target points (50 ms; N=200 and 1000) run this many times; the median run is reported. */
const REPEATS = QUICK ? 1 : 3;
/** ENTRA_SYNC_MAX_CONCURRENCY values tried at N=1000, 50 ms besides the default: the memory/time trade-off. */
const CAPS = QUICK ? [] : [16, 64];

interface Run {
    variant: Variant;
    n: number;
    latencyMs: number;
    /** raw-HTTP only: HTTP/1.1 (fetch) or HTTP/2 (Node's http2 on one session). */
    protocol?: RawProtocol;
    /** raw-HTTP only: the requests in flight it ran at. */
    concurrency?: number;
    /** SyncJobStart only: ENTRA_SYNC_MAX_CONCURRENCY when not the default. */
    cap?: number;
    wallMs: number;
    /** At the target points: every repetition's wall time (the run shown is the median). */
    wallSamplesMs?: number[];
    failures: number;
    graphPerResource: Record<string, number>;
    tokenRequests: number;
    openidRequests: number;
    throttled429: number;
    peakInFlight: number;
    /** The most times any one job was started (1 when every job started once). */
    maxStartsPerJob: number;
    minStartsPerJob: number;
    /** From the start of the engine's steps to the first Graph request, and to the last one's arrival (ms). */
    firstGraphRequestMs?: number;
    lastGraphRequestMs?: number;
    /** CPU (user + system) of the process making the calls, per resource: the provider host, or raw.ts. */
    cpuMsPerResource?: number;
    /** Peak RSS of the process making the calls: the provider host, or raw.ts. */
    hostPeakRssMb?: number;
}

interface ThrottledRun extends Run {
    throttle: string;
    boundMs: number;
    ratioToBound: number;
    graphCalls: number;
}

function childEnv(emu: Emulator, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
        ...extra,
        ...emu.environment(),
        AZURE_TOKEN_CREDENTIALS: "EnvironmentCredential",
        NODE_OPTIONS: `--require ${GUARD}`,
        ...(PROFILE ? { ENTRA_SYNC_HOST_CPU_PROF: PROFILE } : {}),
    };
}

async function withJobs(n: number, latencyMs: number, fn: (emu: Emulator, jobs: string[]) => Promise<void>): Promise<void> {
    const emu = await startEmulator();
    try {
        const jobs = Array.from({ length: n }, () => emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" }).id);
        if (latencyMs) emu.inject({ fault: { kind: "latency", ms: latencyMs } });
        await fn(emu, jobs);
    } finally {
        await emu.close();
    }
}

function scenario(emu: Emulator, jobs: string[]): NodeJS.ProcessEnv {
    return scenarioEnv({
        resources: jobs.map((jobId, i) => ({ name: `job${i}`, args: { servicePrincipalId: emu.seed.servicePrincipalId, jobId } })),
    });
}

function perResource(emu: Emulator, n: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of emu.graphCalls()) out[c] = (out[c] ?? 0) + 1;
    for (const k of Object.keys(out)) out[k] = Math.round((out[k] / n) * 100) / 100;
    return out;
}

/** What the emulator saw, common to every variant. */
function observed(emu: Emulator, jobs: string[]): Omit<Run, "variant" | "n" | "latencyMs" | "wallMs" | "failures"> {
    const starts = jobs.map((id) => emu.job(emu.seed.servicePrincipalId, id)?.starts ?? 0);
    return {
        graphPerResource: perResource(emu, jobs.length),
        tokenRequests: emu.count({ kind: "token" }),
        openidRequests: emu.count({ kind: "openid" }),
        throttled429: emu.count({ status: 429 }),
        peakInFlight: emu.stats().peakInFlight,
        maxStartsPerJob: Math.max(...starts),
        minStartsPerJob: Math.min(...starts),
    };
}

function graphSpan(emu: Emulator, epoch0: number): { firstGraphRequestMs: number; lastGraphRequestMs: number } {
    const at = emu.requests.filter((r) => GRAPH_ROUTES.includes(r.kind)).map((r) => r.at);
    return { firstGraphRequestMs: Math.min(...at) - epoch0, lastGraphRequestMs: Math.max(...at) - epoch0 };
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

interface DeployOptions {
    /** Runs once the host is up and the log is clear (e.g. installs a throttle). */
    before?: (emu: Emulator) => void;
    /** Runs after the steps, before the emulator closes (e.g. counts what succeeded). */
    after?: (emu: Emulator) => void;
    /** ENTRA_SYNC_MAX_CONCURRENCY for the host; the default cap when absent. */
    cap?: number;
}

/** Deploys a program through the real provider host; times the engine's steps only. */
async function deploy(
    variant: Variant,
    program: string,
    n: number,
    latencyMs: number,
    { before, after, cap }: DeployOptions = {},
): Promise<Run> {
    let run!: Run;
    await withJobs(n, latencyMs, async (emu, jobs) => {
        const result: ProgramResult = await runProgram(program, "up", scenario(emu, jobs));
        if (result.error) throw new Error(result.error);
        const extra = cap ? { ENTRA_SYNC_MAX_CONCURRENCY: String(cap) } : {};
        const host = await startHost({ programDir: path.dirname(program), env: childEnv(emu, extra) });
        try {
            emu.clearLog();
            before?.(emu);
            const cpu0 = host.cpuMs() ?? 0;
            const epoch0 = Date.now();
            const t0 = performance.now();
            // As `pulumi up --parallel N`: the engine would otherwise run 4 × cores steps at once.
            const steps = await new Engine(host, undefined, undefined, n).up(result);
            const wallMs = performance.now() - t0;
            const cpuMs = (host.cpuMs() ?? 0) - cpu0;
            run = {
                variant,
                n,
                latencyMs,
                ...(cap ? { cap } : {}),
                wallMs: round(wallMs),
                failures: steps.filter((s) => !s.ok).length,
                ...observed(emu, jobs),
                cpuMsPerResource: round(cpuMs / n, 2),
                hostPeakRssMb: round((host.peakRss() ?? 0) / 1048576),
                ...graphSpan(emu, epoch0),
            };
            after?.(emu);
        } finally {
            await host.stop();
        }
    });
    return run;
}

async function raw(n: number, latencyMs: number, concurrency: number, protocol: RawProtocol = "h1"): Promise<Run> {
    let run!: Run;
    await withJobs(n, latencyMs, async (emu, jobs) => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-raw-")), "jobs.json");
        fs.writeFileSync(
            file,
            JSON.stringify({
                graph: emu.graphEndpoint,
                authority: emu.authorityHost,
                tenant: emu.tenantId,
                clientId: emu.clientId,
                secret: emu.clientSecret,
                sp: emu.seed.servicePrincipalId,
                jobs,
            }),
        );
        emu.clearLog();
        const out = await new Promise<string>((resolve, reject) =>
            execFile(
                process.execPath,
                [path.join(__dirname, "raw.js"), file, String(concurrency), protocol],
                { env: { ...process.env, ...childEnv(emu) } },
                (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)),
            ),
        );
        const { ms, cpuMs, peakRssMb } = JSON.parse(out) as { ms: number; cpuMs: number; peakRssMb: number };
        run = {
            variant: "raw-HTTP",
            protocol,
            n,
            latencyMs,
            concurrency,
            wallMs: round(ms),
            failures: emu.filter({}).filter((r) => r.status >= 400).length,
            ...observed(emu, jobs),
            cpuMsPerResource: round(cpuMs / n, 2),
            hostPeakRssMb: round(peakRssMb),
        };
    });
    return run;
}

/** Runs `once` REPEATS times and returns the run with the median wall time, carrying every sample. */
async function median(once: () => Promise<Run>, repeats: number): Promise<Run> {
    const all: Run[] = [];
    for (let i = 0; i < repeats; i++) all.push(await once());
    all.sort((a, b) => a.wallMs - b.wallMs);
    const mid = all[Math.floor((all.length - 1) / 2)];
    return repeats > 1 ? { ...mid, wallSamplesMs: all.map((r) => r.wallMs) } : mid;
}

async function throttled(variant: Variant, program: string, t: ThrottleCase): Promise<ThrottledRun> {
    let gets = 0;
    let writes = 0;
    const run = await deploy(variant, program, t.n, 0, {
        before: t.install,
        after: (emu) => {
            const ok = emu.filter({}).filter((r) => r.kind !== "token" && r.kind !== "openid" && r.status > 0 && r.status < 400);
            gets = ok.filter((r) => r.method === "GET").length;
            writes = ok.length - gets;
        },
    });
    const boundMs = t.boundMs(gets, writes);
    return { ...run, throttle: t.name, graphCalls: gets + writes, boundMs: round(boundMs), ratioToBound: round(run.wallMs / boundMs, 2) };
}

/** Preview and an unchanged up for N resources: Graph calls made. */
async function quietRuns(program: string, n: number): Promise<Record<string, number>> {
    let out!: Record<string, number>;
    await withJobs(n, 0, async (emu, jobs) => {
        const host = await startHost({ programDir: path.dirname(program), env: childEnv(emu) });
        try {
            const engine = new Engine(host);
            await engine.preview(await runProgram(program, "preview", scenario(emu, jobs)));
            const preview = emu.requests.length;
            const up = await runProgram(program, "up", scenario(emu, jobs));
            await engine.up(up);
            emu.clearLog();
            const steps = await engine.up(up);
            out = {
                n,
                previewRequests: preview,
                unchangedUpRequests: emu.requests.length,
                unchangedUpSameSteps: steps.filter((s) => s.op === "same").length,
            };
        } finally {
            await host.stop();
        }
    });
    return out;
}

async function providerBytes(program: string): Promise<number> {
    const emu = await startEmulator();
    try {
        const r = await runProgram(program, "up", scenario(emu, [emu.seed.pausedJobId]));
        return Buffer.byteLength(String(r.resources[0].inputs.__provider));
    } finally {
        await emu.close();
    }
}

function svg(runs: Run[], latencyMs: number): string {
    const series: Variant[] = ["SyncJobStart", "raw-HTTP", "naive", "engine-floor"];
    const colors: Record<Variant, string> = { SyncJobStart: "#1f77b4", "raw-HTTP": "#2ca02c", naive: "#d62728", "engine-floor": "#888888" };
    const label: Record<Variant, string> = {
        SyncJobStart: "SyncJobStart",
        "raw-HTTP": "raw-HTTP (best)",
        naive: "naive",
        "engine-floor": "engine floor",
    };
    const ns = [...new Set(runs.map((r) => r.n))].sort((a, b) => a - b);
    const pts = runs.filter((r) => r.latencyMs === latencyMs);
    const maxY = Math.max(...pts.map((r) => r.wallMs)) * 1.1;
    const W = 640,
        H = 400,
        L = 70,
        B = 50,
        T = 40,
        R = 150;
    const x = (n: number) => L + (ns.indexOf(n) / Math.max(1, ns.length - 1)) * (W - L - R);
    const y = (ms: number) => H - B - (ms / maxY) * (H - B - T);
    const lines = series
        .map((v) => {
            const p = pts.filter((r) => r.variant === v).sort((a, b) => a.n - b.n);
            const d = p.map((r, i) => `${i ? "L" : "M"}${x(r.n).toFixed(1)},${y(r.wallMs).toFixed(1)}`).join(" ");
            const dots = p
                .map((r) => `<circle cx="${x(r.n).toFixed(1)}" cy="${y(r.wallMs).toFixed(1)}" r="3" fill="${colors[v]}"/>`)
                .join("");
            return `<path d="${d}" fill="none" stroke="${colors[v]}" stroke-width="2"/>${dots}`;
        })
        .join("\n");
    const yTicks = Array.from({ length: 5 }, (_, i) => (maxY / 4) * i)
        .map(
            (v) =>
                `<text x="${L - 8}" y="${y(v) + 4}" text-anchor="end" font-size="11">${Math.round(v)}</text><line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`,
        )
        .join("");
    const xTicks = ns.map((n) => `<text x="${x(n)}" y="${H - B + 18}" text-anchor="middle" font-size="11">${n}</text>`).join("");
    const legend = series
        .map(
            (v, i) =>
                `<rect x="${W - R + 15}" y="${T + i * 20}" width="12" height="12" fill="${colors[v]}"/><text x="${W - R + 32}" y="${T + i * 20 + 10}" font-size="12">${label[v]}</text>`,
        )
        .join("");
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2 - 60}" y="22" text-anchor="middle" font-size="14">Wall time vs resources, ${latencyMs} ms latency per request</text>
${yTicks}${xTicks}
<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#333"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#333"/>
<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle" font-size="12">resources (N)</text>
<text x="16" y="${(T + H - B) / 2}" transform="rotate(-90 16 ${(T + H - B) / 2})" text-anchor="middle" font-size="12">wall time (ms)</text>
${lines}
${legend}
</svg>
`;
}

interface Target {
    target: string;
    figure: string;
    pass: boolean;
}

/** Self time by function in the host's profile, the top entries. */
function summarizeProfile(dir: string): string[] {
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) return ["no profile written"];
    const prof = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as {
        nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
        samples: number[];
        timeDeltas: number[];
    };
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    let total = 0;
    prof.samples.forEach((id, i) => {
        const f = byId.get(id)!.callFrame;
        const key = `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/(provider|dist)\//, "$1/")}:${f.lineNumber + 1}`;
        const us = prof.timeDeltas[i] ?? 0;
        total += us;
        self.set(key, (self.get(key) ?? 0) + us);
    });
    return [...self.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 25)
        .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(6)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
}

async function profileOnly(): Promise<void> {
    const consumer = packedConsumer();
    const r = await deploy("SyncJobStart", consumer.program, 1000, 50);
    console.log(`SyncJobStart N=1000 at 50 ms: ${Math.round(r.wallMs)} ms, ${r.cpuMsPerResource} ms CPU per resource (profiled)`);
    console.log(`host profile in ${PROFILE}; self time, top functions:`);
    for (const line of summarizeProfile(PROFILE!)) console.log(`  ${line}`);
}

/**
 * `--point N:latencyMs [--cap C]`: one point, raw-HTTP at 256 (or C), SyncJobStart (with
 * ENTRA_SYNC_MAX_CONCURRENCY=C) and naive (for quick comparisons while tuning).
 */
async function point(spec: string, cap?: number): Promise<void> {
    const [n, latencyMs] = spec.split(":").map(Number);
    const consumer = packedConsumer();
    for (const r of [
        await raw(n, latencyMs, cap ?? 256, "h1"),
        await raw(n, latencyMs, cap ?? 256, "h2"),
        await deploy("SyncJobStart", consumer.program, n, latencyMs, { cap }),
        await deploy("naive", path.join(__dirname, "naive-program.ts"), n, latencyMs),
    ])
        console.log(JSON.stringify(r));
}

async function main(): Promise<void> {
    if (PROFILE) return profileOnly();
    if (process.argv.includes("--throttled-only")) {
        for (const t of THROTTLES) console.log(JSON.stringify(await throttled("SyncJobStart", packedConsumer().program, t)));
        return;
    }
    const at = process.argv.indexOf("--point");
    const capAt = process.argv.indexOf("--cap");
    const cap = capAt > 0 ? Number(process.argv[capAt + 1]) : undefined;
    if (cap !== undefined && !(Number.isInteger(cap) && cap > 0))
        throw new Error(`--cap takes a positive whole number, not ${process.argv[capAt + 1]}`);
    if (cap !== undefined && at < 0) throw new Error("--cap goes with --point N:ms");
    if (at > 0) return point(process.argv[at + 1], cap);
    const started = performance.now();
    console.log(
        `pulumi-entra-sync bench${QUICK ? " (quick)" : ""} on Node ${process.version}, ${os.cpus().length} CPUs: N=${NS.join(",")}, latency ${LATENCIES.join("/")} ms, raw-HTTP at ${RAW_CONCURRENCY.join("/")} in flight`,
    );
    const consumer = packedConsumer();
    const naive = path.join(__dirname, "naive-program.ts");
    const floorProgram = path.join(__dirname, "engine-floor-program.ts");
    const runs: Run[] = [];
    const say = (r: Run) =>
        process.stdout.write(
            `  ${(r.protocol ? `${r.variant} ${r.protocol}` : r.variant).padEnd(15)}${r.concurrency ? `@${r.concurrency}`.padEnd(5) : r.cap ? `cap${r.cap}`.padEnd(6) : "     "} N=${String(r.n).padEnd(4)} ${r.latencyMs} ms: ${Math.round(r.wallMs)} ms, peak ${r.peakInFlight} in flight${r.failures ? `, ${r.failures} failed` : ""}\n`,
        );
    // The engine floor makes no HTTP call, so latency does not matter to it: once per N.
    const floors: Run[] = [];
    for (const n of NS) floors.push(await deploy("engine-floor", floorProgram, n, 0));
    floors.forEach(say);
    // The targets are set at 50 ms, N = 200 and 1000; the quick run checks the same at its own sizes.
    const L = QUICK ? 20 : 50;
    const [nMid, nBig] = QUICK ? [5, 5] : [200, 1000];
    for (const latencyMs of LATENCIES) {
        for (const n of NS) {
            const repeats = latencyMs === L && (n === nMid || n === nBig) ? REPEATS : 1;
            for (const protocol of RAW_PROTOCOLS)
                for (const c of RAW_CONCURRENCY) runs.push(await median(() => raw(n, latencyMs, c, protocol), repeats));
            runs.push(await median(() => deploy("SyncJobStart", consumer.program, n, latencyMs), repeats));
            runs.push(await median(() => deploy("naive", naive, n, latencyMs), repeats));
            runs.slice(-RAW_PROTOCOLS.length * RAW_CONCURRENCY.length - 2).forEach(say);
        }
    }
    // What the default cap buys at N=1000: the same deployment with lower caps (memory against time).
    const capped: Run[] = [];
    for (const cap of CAPS) capped.push(await deploy("SyncJobStart", consumer.program, nBig, L, { cap }));
    capped.forEach(say);
    const throttledRuns: ThrottledRun[] = [];
    for (const t of THROTTLES) {
        // The quick run leaves out the naive pattern here: it is the slow part, and says nothing new.
        const variants = QUICK
            ? ([["SyncJobStart", consumer.program]] as const)
            : ([
                  ["SyncJobStart", consumer.program],
                  ["naive", naive],
              ] as const);
        for (const [variant, program] of variants) {
            const r = await throttled(variant, program, t);
            throttledRuns.push(r);
            console.log(
                `  ${variant.padEnd(12)} ${t.name}, N=${t.n}: ${Math.round(r.wallMs)} ms (bound ${Math.round(r.boundMs)} ms), ${r.throttled429} × 429, ${r.failures} failed`,
            );
        }
    }
    const quiet = await quietRuns(consumer.program, QUICK ? 5 : 200);
    const bytes = {
        sourceTree: await providerBytes(SCENARIO_PROGRAM),
        packedInstall: await providerBytes(consumer.program),
    };

    const bestRaw = (n: number, latencyMs: number) =>
        runs.filter((x) => x.variant === "raw-HTTP" && x.n === n && x.latencyMs === latencyMs).sort((a, b) => a.wallMs - b.wallMs)[0];
    const find = (variant: Variant, n: number, latencyMs: number) =>
        runs.find((x) => x.variant === variant && x.n === n && x.latencyMs === latencyMs)!;

    console.log(
        "\n| variant | N | latency | wall ms | ratio to best raw | peak in flight | 429s | token requests | CPU ms/resource | peak RSS | starts per job | failures |",
    );
    console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (const r of runs) {
        const best = bestRaw(r.n, r.latencyMs);
        const name =
            r.variant === "raw-HTTP"
                ? `raw-HTTP ${r.protocol === "h2" ? "HTTP/2" : "HTTP/1.1"} @${r.concurrency}${r === best ? " (best)" : ""}`
                : r.variant;
        console.log(
            `| ${name} | ${r.n} | ${r.latencyMs} ms | ${Math.round(r.wallMs)}${r.wallSamplesMs ? ` (${r.wallSamplesMs.map(Math.round).join(", ")})` : ""} | ${(r.wallMs / best.wallMs).toFixed(2)} | ${r.peakInFlight} | ${r.throttled429} | ${r.tokenRequests} | ${r.cpuMsPerResource ?? "-"} | ${r.hostPeakRssMb ? `${r.hostPeakRssMb} MB` : "-"} | ${r.minStartsPerJob === r.maxStartsPerJob ? r.maxStartsPerJob : `${r.minStartsPerJob}-${r.maxStartsPerJob}`} | ${r.failures} |`,
        );
    }
    console.log("\nThe engine floor (a dynamic provider that makes no HTTP call, through the same host and engine driver):");
    console.log("\n| N | wall ms | host CPU ms/resource | host peak RSS |\n|---|---|---|---|");
    for (const r of floors) console.log(`| ${r.n} | ${Math.round(r.wallMs)} | ${r.cpuMsPerResource} | ${r.hostPeakRssMb} MB |`);
    if (capped.length) {
        const byDefault = find("SyncJobStart", nBig, L);
        console.log(`\nSyncJobStart at N=${nBig}, ${L} ms, by ENTRA_SYNC_MAX_CONCURRENCY:`);
        console.log("\n| cap | wall ms | peak in flight | host peak RSS |\n|---|---|---|---|");
        for (const r of [...capped, byDefault])
            console.log(`| ${r.cap ?? "256 (default)"} | ${Math.round(r.wallMs)} | ${r.peakInFlight} | ${r.hostPeakRssMb} MB |`);
    }
    console.log(
        "\n| throttle | variant | N | wall ms | bound ms | ratio | Graph calls | 429s | peak in flight | token requests | starts per job | failures |",
    );
    console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (const r of throttledRuns) {
        console.log(
            `| ${r.throttle} | ${r.variant} | ${r.n} | ${Math.round(r.wallMs)} | ${Math.round(r.boundMs)} | ${r.ratioToBound.toFixed(2)} | ${r.graphCalls} | ${r.throttled429} | ${r.peakInFlight} | ${r.tokenRequests} | ${r.minStartsPerJob}-${r.maxStartsPerJob} | ${r.failures} |`,
        );
    }
    console.log(
        `\npreview of N=${quiet.n}: ${quiet.previewRequests} requests; unchanged up: ${quiet.unchangedUpRequests} requests (${quiet.unchangedUpSameSteps} same)`,
    );
    console.log(
        `serialized __provider per resource: ${bytes.sourceTree} bytes from the source tree, ${bytes.packedInstall} bytes from the packed install`,
    );

    const sync = runs.filter((r) => r.variant === "SyncJobStart");
    const syncThrottled = throttledRuns.filter((r) => r.variant === "SyncJobStart");
    const ratio = (n: number) => find("SyncJobStart", n, L).wallMs / bestRaw(n, L).wallMs;
    const peakMb = Math.max(...sync.filter((r) => r.n === nBig).map((r) => r.hostPeakRssMb ?? 0));
    const targets: Target[] = [
        { target: `N=${nMid}, ${L} ms: ≤ 1.5× the best raw bound`, figure: ratio(nMid).toFixed(2), pass: ratio(nMid) <= 1.5 },
        { target: `N=${nBig}, ${L} ms: ≤ 2× the best raw bound`, figure: ratio(nBig).toFixed(2), pass: ratio(nBig) <= 2 },
        ...[nMid, nBig].map((n) => {
            const [a, b] = [find("SyncJobStart", n, L).wallMs, find("naive", n, L).wallMs];
            return {
                target: `N=${n}, ${L} ms: faster than the naive pattern`,
                figure: `${Math.round(a)} vs ${Math.round(b)} ms`,
                pass: a < b,
            };
        }),
        ...syncThrottled.map((r) => ({
            target: `${r.throttle}, N=${r.n}: 0 failures, each job started once, ≤ 1.15× the bound`,
            figure: `${r.failures} failed, starts ${r.minStartsPerJob}-${r.maxStartsPerJob}, ${r.ratioToBound.toFixed(2)}×`,
            pass: r.failures === 0 && r.minStartsPerJob === 1 && r.maxStartsPerJob === 1 && r.ratioToBound <= 1.15,
        })),
        {
            target: "1 token request per provider process",
            figure: String(Math.max(...[...sync, ...syncThrottled].map((r) => r.tokenRequests))),
            pass: [...sync, ...syncThrottled].every((r) => r.tokenRequests === 1),
        },
        {
            target: `0 Graph calls in preview and an unchanged up (N=${quiet.n})`,
            figure: `${quiet.previewRequests} and ${quiet.unchangedUpRequests}`,
            pass: quiet.previewRequests === 0 && quiet.unchangedUpRequests === 0,
        },
        { target: `host peak memory at N=${nBig} ≤ 235 MB`, figure: `${peakMb} MB`, pass: peakMb <= 235 },
        {
            target: `host CPU per resource at N=${nBig}, ${L} ms ≤ 2 ms`,
            figure: `${find("SyncJobStart", nBig, L).cpuMsPerResource} ms`,
            pass: (find("SyncJobStart", nBig, L).cpuMsPerResource ?? Infinity) <= 2,
        },
    ];
    console.log("\n| target | figure | result |\n|---|---|---|");
    for (const t of targets) console.log(`| ${t.target} | ${t.figure} | ${t.pass ? "pass" : "FAIL"} |`);
    const totalSeconds = round((performance.now() - started) / 1000);
    console.log(`\nbench took ${totalSeconds} s`);

    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(
        path.join(OUT, "results.json"),
        JSON.stringify(
            {
                date: new Date().toISOString(),
                machine: { cpus: os.cpus().length, node: process.version },
                quick: QUICK,
                rawConcurrency: RAW_CONCURRENCY,
                runs,
                engineFloor: floors,
                capped,
                throttled: throttledRuns,
                quiet,
                providerBytes: bytes,
                targets,
                totalSeconds,
            },
            null,
            2,
        ),
    );
    const plotted = runs.filter((r) => r.variant !== "raw-HTTP" || r === bestRaw(r.n, r.latencyMs));
    fs.writeFileSync(path.join(OUT, "wall-time.svg"), svg([...plotted, ...floors.map((f) => ({ ...f, latencyMs: L }))], L));
    console.log(`wrote ${path.relative(repoRoot, path.join(OUT, "results.json"))} and wall-time.svg`);
}

main().then(
    () => process.exit(0),
    (e) => {
        console.error(`bench failed: ${(e as Error).stack ?? e}`);
        process.exit(1);
    },
);
