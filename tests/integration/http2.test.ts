/**
 * HTTP/2 to Graph: the provider offers h2 by ALPN and the emulator serves it (and HTTP/1.1 to a
 * client that offers only that); one connection carries the requests in flight; the faults that
 * matter most keep their outcome on h2, where a reset is a TCP RST, an RST_STREAM or a GOAWAY.
 */
import * as assert from "assert";
import { Emulator, EmulatorOptions } from "../../emulator";
import * as ops from "../../provider/operations";
import { startConnectProxy } from "../support/connectProxy";
import { emulatorEnv, setEnv, startTestEmulator } from "../support/testEnv";
import { config, inputs } from "../support/operations";

describe("HTTP/2 to Graph", function () {
    this.timeout(30_000);
    let emu: Emulator;
    let restore: () => void;
    let sp: string;

    /** requestTimeout: the per-attempt limit (short, so slow faults end fast; the default where attempts must not time out). */
    async function start(options: EmulatorOptions = {}, requestTimeout: string | undefined = "0.5"): Promise<void> {
        emu = await startTestEmulator(options);
        sp = emu.seed.servicePrincipalId;
        restore = setEnv(emulatorEnv(emu, { ENTRA_SYNC_REQUEST_TIMEOUT_SECONDS: requestTimeout }));
        await config({});
    }
    afterEach(async () => {
        restore?.();
        await emu?.close();
    });

    it("negotiates HTTP/2 with an emulator that offers it; token requests (@azure/identity's own pipeline) stay HTTP/1.1", async () => {
        await start();
        const r = await ops.create(inputs(sp, emu.seed.pausedJobId));
        assert.strictEqual(r.outs!.lastAction, "started");
        assert.deepStrictEqual(
            emu.requests.filter((x) => ["getJob", "start"].includes(x.kind)).map((x) => `${x.method} ${x.kind} ${x.httpVersion}`),
            ["GET getJob 2.0", "POST start 2.0", "GET getJob 2.0"],
        );
        assert.deepStrictEqual(
            emu.filter({ kind: "token" }).map((x) => x.httpVersion),
            ["1.1"],
        );
    });

    it("falls back to HTTP/1.1 against an HTTP/1.1-only emulator", async () => {
        await start({ http2: false });
        const r = await ops.create(inputs(sp, emu.seed.pausedJobId));
        assert.strictEqual(r.outs!.lastAction, "started");
        assert.deepStrictEqual(
            emu.requests.filter((x) => ["getJob", "start"].includes(x.kind)).map((x) => `${x.method} ${x.kind} ${x.httpVersion}`),
            ["GET getJob 1.1", "POST start 1.1", "GET getJob 1.1"],
        );
    });

    for (const http2 of [true, false]) {
        it(`40 creates at once: ${http2 ? "every Graph request rides the one HTTP/2 connection" : "HTTP/1.1 opens a connection per request in flight"}`, async () => {
            // The default per-attempt limit: on a busy machine 0.5 s can cut a held read, and a retry would change the counts.
            await start({ http2 }, undefined);
            // One create first: the token and the Graph connection are then in place.
            await ops.create(inputs(sp, emu.seed.pausedJobId));
            const before = emu.connections;
            const jobs = Array.from({ length: 40 }, () => emu.addJob(sp, { state: "Paused" }));
            emu.clearLog();
            // Each read is held 100 ms, so the creates' requests are in flight together.
            emu.inject({ fault: { kind: "latency", ms: 100 }, routes: ["getJob"] });
            const results = await Promise.all(jobs.map((job) => ops.create(inputs(sp, job.id))));
            assert.deepStrictEqual(new Set(results.map((x) => x.outs!.lastAction)), new Set(["started"]));
            assert.deepStrictEqual(new Set(jobs.map((job) => emu.job(sp, job.id)!.starts)), new Set([1]));
            // One start per job and nothing but 200/204 on the wire. (The reads are not counted exactly: on a
            // loaded machine a few creates read their job a third time, over HTTP/1.1 as over HTTP/2.)
            const odd = emu.requests
                .filter((x) => x.status !== 200 && x.status !== 204)
                .map((x) => `${x.method} ${x.kind} ${x.status} ${x.fault ?? "-"}`);
            assert.deepStrictEqual([emu.count({ kind: "start" }), odd], [40, []]);
            assert.ok(emu.count({ kind: "getJob" }) >= 80);
            assert.deepStrictEqual(new Set(emu.requests.map((x) => x.httpVersion)), new Set([http2 ? "2.0" : "1.1"]));
            assert.ok(emu.stats().peakInFlight > 1, `peak in flight ${emu.stats().peakInFlight}`);
            const opened = emu.connections - before;
            if (http2) assert.strictEqual(opened, 0);
            else
                assert.ok(
                    opened >= emu.stats().peakInFlight - 1,
                    `${opened} connections opened, peak in flight ${emu.stats().peakInFlight}`,
                );
        });
    }

    it("through an HTTPS_PROXY CONNECT tunnel, the Graph calls are still HTTP/2 on one tunnel", async () => {
        const proxy = await startConnectProxy();
        try {
            emu = await startTestEmulator();
            sp = emu.seed.servicePrincipalId;
            // The test runner sets NO_PROXY=127.0.0.1,localhost; a pipeline behind a proxy has no such exception.
            restore = setEnv(emulatorEnv(emu, { HTTPS_PROXY: proxy.url, NO_PROXY: "", no_proxy: "" }));
            await config({});
            const jobs = Array.from({ length: 10 }, () => emu.addJob(sp, { state: "Paused" }));
            await ops.create(inputs(sp, emu.seed.pausedJobId));
            const tunnels = proxy.tunnels.length;
            await Promise.all(jobs.map((job) => ops.create(inputs(sp, job.id))));
            assert.deepStrictEqual(new Set(jobs.map((job) => emu.job(sp, job.id)!.starts)), new Set([1]));
            assert.deepStrictEqual(
                new Set(emu.requests.filter((x) => x.kind === "getJob" || x.kind === "start").map((x) => x.httpVersion)),
                new Set(["2.0"]),
            );
            // The 10 creates opened no tunnel: they rode the one the first create's Graph calls opened.
            assert.strictEqual(proxy.tunnels.length, tunnels);
            assert.ok(
                proxy.tunnels.every((t) => t.target === new URL(emu.graphEndpoint).host && t.opened),
                JSON.stringify(proxy.tunnels),
            );
        } finally {
            await proxy.close();
        }
    });

    describe("resets on HTTP/2", () => {
        for (const reset of ["connection", "stream", "goaway"] as const) {
            it(`a read reset (${reset}): one retry, then the start`, async () => {
                await start();
                emu.inject({ fault: { kind: "reset", http2: reset }, routes: ["getJob"], times: 1 });
                const r = await ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 5 }));
                assert.strictEqual(r.outs!.lastAction, "started");
                assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "GET getJob", "POST start", "GET getJob"]);
                assert.deepStrictEqual(
                    emu.filter({ kind: "getJob" }).map((x) => `${x.status} ${x.fault ?? "-"} ${x.httpVersion}`),
                    ["-1 reset 2.0", "200 - 2.0", "200 - 2.0"],
                );
                assert.strictEqual(emu.job(sp, emu.seed.pausedJobId)!.starts, 1);
            });

            it(`a start processed, then reset (${reset}): the job is read, never started a second time`, async () => {
                await start();
                emu.inject({ fault: { kind: "processThenReset", http2: reset }, routes: ["start"], times: 1 });
                const r = await ops.create(inputs(sp, emu.seed.pausedJobId, { timeoutSeconds: 5 }));
                assert.strictEqual(r.outs!.lastAction, "started");
                assert.strictEqual(r.outs!.startCount, 1);
                assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
                assert.deepStrictEqual(
                    emu.filter({ kind: "start" }).map((x) => `${x.status} ${x.fault} ${x.httpVersion}`),
                    ["204 processThenReset 2.0"],
                );
                assert.strictEqual(emu.job(sp, emu.seed.pausedJobId)!.starts, 1);
            });
        }
    });

    it("a body that stalls on HTTP/2 is cut at the per-attempt limit, and the call ends within timeoutSeconds", async () => {
        await start();
        const job = emu.addJob(sp, { state: "Active" });
        emu.inject({ fault: { kind: "stallBody" }, routes: ["getJob"] });
        let error: Error | undefined;
        try {
            await ops.create(inputs(sp, job.id, { timeoutSeconds: 2 }));
        } catch (e) {
            error = e as Error;
        }
        assert.strictEqual(error?.name, "TransportError", error?.message);
        assert.match(
            error!.message,
            /^read job failed: GET \S+ -> no response: the body stalled after the headers \(no complete body within 0\.\d+ s\); [2-5] attempts in [12]\.\d s\. No time was left within the 2 s timeoutSeconds\./,
        );
        assert.deepStrictEqual(
            new Set(emu.filter({ kind: "getJob" }).map((x) => `${x.fault} ${x.httpVersion}`)),
            new Set(["stallBody 2.0"]),
        );
        assert.strictEqual(emu.count({ kind: "start" }), 0);
    });
});
