import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "../../harness";

// The benchmark's smoke run: it runs and reports every figure. No timing is asserted here.
describe("bench (npm run bench -- --quick)", function () {
    // A smoke run of every variant: on 2 busy cores (the e2e suite in the other worker) it can take minutes.
    this.timeout(360_000);
    it("runs all variants and writes every figure to results.json and the plot", async () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-smoke-"));
        const stdout = await new Promise<string>((resolve, reject) =>
            execFile(
                process.execPath,
                ["-r", require.resolve("ts-node/register/transpile-only"), path.join(repoRoot, "bench/bench.ts"), "--quick"],
                { cwd: repoRoot, env: { ...process.env, ENTRA_SYNC_BENCH_OUT: out }, maxBuffer: 16 * 1024 * 1024 },
                (err, so, se) => (err ? reject(new Error(`${err.message}\n${so}\n${se}`)) : resolve(so)),
            ),
        );
        assert.match(stdout, /\| variant \| N \| latency \| wall ms \| ratio to best raw \|/);
        assert.match(stdout, /\| target \| figure \| result \|/);
        const r = JSON.parse(fs.readFileSync(path.join(out, "results.json"), "utf8"));
        assert.deepStrictEqual(r.rawConcurrency, [16, 64]);
        assert.deepStrictEqual(
            r.runs.map((x: any) => `${x.variant}${x.protocol ? ` ${x.protocol}` : ""}@${x.concurrency ?? "-"} ${x.n}`).sort(),
            ["SyncJobStart@- 5", "naive@- 5", "raw-HTTP h1@16 5", "raw-HTTP h1@64 5", "raw-HTTP h2@16 5", "raw-HTTP h2@64 5"],
        );
        for (const run of r.runs) {
            assert.ok(run.wallMs > 0 && run.failures === 0 && run.throttled429 === 0, JSON.stringify(run));
            assert.deepStrictEqual(run.graphPerResource, { "GET getJob": 2, "POST start": 1 });
            assert.deepStrictEqual([run.minStartsPerJob, run.maxStartsPerJob], [1, 1]);
            // 5 jobs at once, whatever the variant (the emulator counts open requests).
            assert.ok(run.peakInFlight >= 1 && run.peakInFlight <= 5, JSON.stringify(run));
            assert.ok(run.cpuMsPerResource >= 0, JSON.stringify(run));
        }
        const sync = r.runs.find((x: any) => x.variant === "SyncJobStart");
        assert.ok(sync.tokenRequests === 1 && sync.hostPeakRssMb > 0, JSON.stringify(sync));
        assert.strictEqual(r.runs.find((x: any) => x.variant === "naive").tokenRequests, 5);
        assert.deepStrictEqual(
            r.throttled.map((t: any) => [t.variant, t.n, t.failures, t.minStartsPerJob, t.maxStartsPerJob, t.graphCalls, t.tokenRequests]),
            [
                ["SyncJobStart", 5, 0, 1, 1, 15, 1],
                ["SyncJobStart", 5, 0, 1, 1, 15, 1],
            ],
        );
        assert.deepStrictEqual(
            r.throttled.map((t: any) => t.throttle),
            ["bucket 10/s", "entra-like 10 RU/1 s, 5 writes/1 s"],
        );
        // 15 calls against a burst of 10 (both throttles): some are answered 429.
        assert.ok(r.throttled.every((t: any) => t.throttled429 > 0 && t.boundMs === 500));
        assert.deepStrictEqual([r.quiet.previewRequests, r.quiet.unchangedUpRequests], [0, 0]);
        assert.ok(r.providerBytes.packedInstall < 512 && r.providerBytes.sourceTree > r.providerBytes.packedInstall);
        // Every target is reported with a figure and a verdict (the verdicts themselves are not asserted: timing).
        assert.strictEqual(r.targets.length, 10);
        for (const t of r.targets)
            assert.ok(typeof t.target === "string" && typeof t.figure === "string" && typeof t.pass === "boolean", JSON.stringify(t));
        const svg = fs.readFileSync(path.join(out, "wall-time.svg"), "utf8");
        assert.strictEqual((svg.match(/<path /g) ?? []).length, 4);
        // The engine floor makes no Graph call; the raw bound reports its own peak memory.
        assert.deepStrictEqual(
            r.engineFloor.map((f: any) => [f.variant, f.n, f.failures, f.graphPerResource]),
            [["engine-floor", 5, 0, {}]],
        );
        assert.ok(r.runs.filter((x: any) => x.variant === "raw-HTTP").every((x: any) => x.hostPeakRssMb > 0));
    });
});
