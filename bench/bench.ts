/**
 * npm run bench: SyncJobStart (the packed package, through the real provider host) against the
 * raw-HTTP bound and the naive pattern, at several N and latencies, plus a throttled run and the
 * preview/unchanged-up call counts. Prints a table, writes docs/benchmark/results.json and
 * docs/benchmark/wall-time.svg. `npm run bench -- --quick` is the small smoke run.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Emulator, startEmulator } from "../emulator";
import { Engine, packedConsumer, ProgramResult, repoRoot, runProgram, scenarioEnv, startHost } from "../harness";

const QUICK = process.argv.includes("--quick");
const OUT = process.env.ENTRA_SYNC_BENCH_OUT ?? path.join(repoRoot, "docs/benchmark");
const NS = QUICK ? [1, 5] : [1, 50, 200, 1000];
const LATENCIES = QUICK ? [20] : [20, 50];
const CONCURRENCY = 16; // the provider's default bound on Graph requests in flight
const THROTTLE = { n: QUICK ? 5 : 100, rate: 10 };
const GUARD = path.join(repoRoot, "tests/support/loopback-guard.js");

interface Run {
    variant: "SyncJobStart" | "raw-HTTP" | "naive";
    n: number;
    latencyMs: number;
    wallMs: number;
    failures: number;
    graphPerResource?: Record<string, number>;
    tokenRequests?: number;
    openidRequests?: number;
    hostPeakRssMb?: number;
}

function childEnv(emu: Emulator): NodeJS.ProcessEnv {
    return { ...emu.environment(), AZURE_TOKEN_CREDENTIALS: "EnvironmentCredential", NODE_OPTIONS: `--require ${GUARD}` };
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

/** Deploys a program through the real provider host; times the engine's steps only. */
async function deploy(variant: Run["variant"], program: string, n: number, latencyMs: number): Promise<Run> {
    let run!: Run;
    await withJobs(n, latencyMs, async (emu, jobs) => {
        const result: ProgramResult = await runProgram(program, "up", scenario(emu, jobs));
        if (result.error) throw new Error(result.error);
        const host = await startHost({ programDir: path.dirname(program), env: childEnv(emu) });
        try {
            emu.clearLog();
            const t0 = performance.now();
            const steps = await new Engine(host).up(result);
            const wallMs = performance.now() - t0;
            run = {
                variant,
                n,
                latencyMs,
                wallMs,
                failures: steps.filter((s) => !s.ok).length,
                graphPerResource: perResource(emu, n),
                tokenRequests: emu.count({ kind: "token" }),
                openidRequests: emu.count({ kind: "openid" }),
                hostPeakRssMb: Math.round(((host.peakRss() ?? 0) / 1048576) * 10) / 10,
            };
        } finally {
            await host.stop();
        }
    });
    return run;
}

async function raw(n: number, latencyMs: number): Promise<Run> {
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
                ["-r", require.resolve("ts-node/register/transpile-only"), path.join(__dirname, "raw.ts"), file, String(CONCURRENCY)],
                { env: { ...process.env, ...childEnv(emu) } },
                (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)),
            ),
        );
        run = {
            variant: "raw-HTTP",
            n,
            latencyMs,
            wallMs: JSON.parse(out).ms,
            failures: emu.filter({}).filter((r) => r.status >= 400).length,
            graphPerResource: perResource(emu, n),
            tokenRequests: emu.count({ kind: "token" }),
        };
    });
    return run;
}

async function throttled(variant: Run["variant"], program: string): Promise<Record<string, number | string>> {
    let out!: Record<string, number | string>;
    await withJobs(THROTTLE.n, 0, async (emu, jobs) => {
        const result = await runProgram(program, "up", scenario(emu, jobs));
        const host = await startHost({ programDir: path.dirname(program), env: childEnv(emu) });
        try {
            emu.clearLog();
            emu.throttle(THROTTLE.rate, THROTTLE.rate);
            const t0 = performance.now();
            const steps = await new Engine(host).up(result);
            const wallMs = performance.now() - t0;
            const successful = emu.filter({}).filter((r) => r.kind !== "token" && r.kind !== "openid" && r.status < 400).length;
            const boundMs = (successful / THROTTLE.rate) * 1000;
            out = {
                variant,
                n: THROTTLE.n,
                ratePerSecond: THROTTLE.rate,
                wallMs,
                failures: steps.filter((s) => !s.ok).length,
                graphCalls: successful,
                throttled429: emu.count({ status: 429 }),
                boundMs,
                ratioToBound: wallMs / boundMs,
            };
        } finally {
            await host.stop();
        }
    });
    return out;
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
    const series: Run["variant"][] = ["SyncJobStart", "raw-HTTP", "naive"];
    const colors = { SyncJobStart: "#1f77b4", "raw-HTTP": "#2ca02c", naive: "#d62728" };
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
                `<rect x="${W - R + 15}" y="${T + i * 20}" width="12" height="12" fill="${colors[v]}"/><text x="${W - R + 32}" y="${T + i * 20 + 10}" font-size="12">${v}</text>`,
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

async function main(): Promise<void> {
    console.log(
        `pulumi-entra-sync bench${QUICK ? " (quick)" : ""}: N=${NS.join(",")}, latency ${LATENCIES.join("/")} ms, concurrency ${CONCURRENCY}`,
    );
    const consumer = packedConsumer();
    const naive = path.join(__dirname, "naive-program.ts");
    const runs: Run[] = [];
    for (const latencyMs of LATENCIES) {
        for (const n of NS) {
            for (const r of [
                await raw(n, latencyMs),
                await deploy("SyncJobStart", consumer.program, n, latencyMs),
                await deploy("naive", naive, n, latencyMs),
            ]) {
                runs.push(r);
                process.stdout.write(
                    `  ${r.variant.padEnd(12)} N=${String(n).padEnd(4)} ${latencyMs} ms: ${Math.round(r.wallMs)} ms${r.failures ? `, ${r.failures} failed` : ""}\n`,
                );
            }
        }
    }
    const throttle = (await throttled("SyncJobStart", consumer.program)) as Record<string, number>;
    const naiveThrottle = (await throttled("naive", naive)) as Record<string, number>;
    const quiet = await quietRuns(consumer.program, QUICK ? 5 : 200);
    const bytes = {
        sourceTree: await providerBytes(path.join(repoRoot, "tests/fixtures/program.ts")),
        packedInstall: await providerBytes(consumer.program),
    };

    const rawOf = (r: Run) => runs.find((x) => x.variant === "raw-HTTP" && x.n === r.n && x.latencyMs === r.latencyMs)!;
    console.log(
        "\n| variant | N | latency | wall ms | ratio to raw | Graph calls per resource | token requests | failures | host peak RSS |",
    );
    console.log("|---|---|---|---|---|---|---|---|---|");
    for (const r of runs) {
        const calls = Object.entries(r.graphPerResource ?? {})
            .map(([k, v]) => `${k} ${v}`)
            .join(", ");
        console.log(
            `| ${r.variant} | ${r.n} | ${r.latencyMs} ms | ${Math.round(r.wallMs)} | ${(r.wallMs / rawOf(r).wallMs).toFixed(2)} | ${calls} | ${r.tokenRequests ?? "-"}${r.openidRequests ? ` (+${r.openidRequests} openid)` : ""} | ${r.failures} | ${r.hostPeakRssMb ? `${r.hostPeakRssMb} MB` : "-"} |`,
        );
    }
    for (const t of [throttle, naiveThrottle]) {
        console.log(
            `${t === throttle ? "\n" : ""}throttled ${t.variant} (token bucket ${t.ratePerSecond}/s, N=${t.n}): ${Math.round(t.wallMs)} ms for ${t.graphCalls} successful Graph calls, bound ${Math.round(t.boundMs)} ms, ratio ${t.ratioToBound.toFixed(2)}, ${t.throttled429} answered 429, ${t.failures} of ${t.n} resources failed`,
        );
    }
    console.log(
        `preview of N=${quiet.n}: ${quiet.previewRequests} requests; unchanged up: ${quiet.unchangedUpRequests} requests (${quiet.unchangedUpSameSteps} same)`,
    );
    console.log(
        `serialized __provider per resource: ${bytes.sourceTree} bytes from the source tree, ${bytes.packedInstall} bytes from the packed install`,
    );

    const target = runs.find((r) => r.variant === "SyncJobStart" && r.n === (QUICK ? 5 : 200) && r.latencyMs === (QUICK ? 20 : 50))!;
    const targets = {
        ratioToRawAtN200L50: target.wallMs / rawOf(target).wallMs,
        tokenRequestsPerProcess: Math.max(...runs.filter((r) => r.variant === "SyncJobStart").map((r) => r.tokenRequests ?? 0)),
        graphCallsPerStartedJob: Object.values(target.graphPerResource ?? {}).reduce((a, b) => a + b, 0),
        previewAndUnchangedUpCalls: quiet.previewRequests + quiet.unchangedUpRequests,
        throttledFailures: throttle.failures,
        throttledRatioToBound: throttle.ratioToBound,
        providerBytesPackedInstall: bytes.packedInstall,
    };
    console.log(
        "\ntargets:",
        JSON.stringify(targets, (_k, v) => (typeof v === "number" ? Math.round(v * 100) / 100 : v)),
    );

    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(
        path.join(OUT, "results.json"),
        JSON.stringify(
            {
                date: new Date().toISOString(),
                machine: { cpus: os.cpus().length, node: process.version },
                quick: QUICK,
                concurrency: CONCURRENCY,
                runs,
                throttle,
                naiveThrottle,
                quiet,
                providerBytes: bytes,
                targets,
            },
            null,
            2,
        ),
    );
    fs.writeFileSync(path.join(OUT, "wall-time.svg"), svg(runs, LATENCIES[LATENCIES.length - 1]));
    console.log(`\nwrote ${path.relative(repoRoot, path.join(OUT, "results.json"))} and wall-time.svg`);
}

main().then(
    () => process.exit(0),
    (e) => {
        console.error(`bench failed: ${(e as Error).stack ?? e}`);
        process.exit(1);
    },
);
