import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "../../harness";

// The benchmark's smoke run: it runs and reports every figure. No timing is asserted here.
describe("bench (npm run bench -- --quick)", function () {
    this.timeout(300_000);
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
        assert.match(stdout, /\| variant \| N \| latency \| wall ms \| ratio to raw \|/);
        const r = JSON.parse(fs.readFileSync(path.join(out, "results.json"), "utf8"));
        assert.deepStrictEqual(r.runs.map((x: any) => `${x.variant} ${x.n}`).sort(), [
            "SyncJobStart 1",
            "SyncJobStart 5",
            "naive 1",
            "naive 5",
            "raw-HTTP 1",
            "raw-HTTP 5",
        ]);
        for (const run of r.runs) {
            assert.ok(run.wallMs > 0 && run.failures === 0, JSON.stringify(run));
            assert.deepStrictEqual(run.graphPerResource, { "GET getJob": 2, "POST start": 1 });
        }
        const sync = r.runs.filter((x: any) => x.variant === "SyncJobStart");
        assert.ok(sync.every((x: any) => x.tokenRequests === 1 && x.hostPeakRssMb > 0));
        assert.strictEqual(r.runs.find((x: any) => x.variant === "naive" && x.n === 5).tokenRequests, 5);
        assert.deepStrictEqual([r.throttle.failures, r.quiet.previewRequests, r.quiet.unchangedUpRequests], [0, 0, 0]);
        assert.ok(r.providerBytes.packedInstall < 512 && r.providerBytes.sourceTree > r.providerBytes.packedInstall);
        for (const k of [
            "ratioToRawAtN200L50",
            "tokenRequestsPerProcess",
            "graphCallsPerStartedJob",
            "previewAndUnchangedUpCalls",
            "throttledFailures",
            "throttledRatioToBound",
            "providerBytesPackedInstall",
        ]) {
            assert.strictEqual(typeof r.targets[k], "number", k);
        }
        const svg = fs.readFileSync(path.join(out, "wall-time.svg"), "utf8");
        assert.strictEqual((svg.match(/<path /g) ?? []).length, 3);
    });
});
