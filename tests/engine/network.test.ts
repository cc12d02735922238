/**
 * The network as it really behaves, through the real provider host (one host, several runs): a
 * hung token endpoint, a start processed then reset, a redirect to another origin and a stalled
 * body. Each run ends within timeoutSeconds plus a margin, with the starts and the requests exact.
 */
import * as assert from "assert";
import { Emulator } from "../../emulator";
import { ResourceSpec, Stack } from "../../harness";
import { startTestStack } from "../support/testStack";
import { attemptsSaid, checkFaultsUsed, receivedAttempts, startTestEmulator } from "../support/testEnv";

describe("engine protocol: the network as it really behaves", function () {
    this.timeout(60_000);
    let emu: Emulator;
    let stack: Stack | undefined;
    before(async () => {
        emu = await startTestEmulator();
        stack = await startTestStack(emu, { env: { ENTRA_SYNC_REQUEST_TIMEOUT_SECONDS: "0.5" } });
    });
    after(async () => {
        await stack?.stop();
        await emu.close();
    });
    checkFaultsUsed(() => emu);
    afterEach(() => {
        emu.clearFaults();
        emu.clearLog();
    });

    const spec = (name: string, jobId: string, extra: Record<string, unknown> = {}): ResourceSpec => ({
        name,
        args: { servicePrincipalId: emu.seed.servicePrincipalId, jobId, triggers: { v: 1 }, timeoutSeconds: 1, ...extra },
    });

    async function up(label: string, specs: ResourceSpec[]) {
        const t0 = Date.now();
        const steps = await stack!.up(specs);
        const ms = Date.now() - t0;
        console.log(`      [network/engine] ${label}: ${steps.map((s) => (s.ok ? "ok" : "failed")).join(", ")} in ${ms} ms`);
        for (const step of steps) for (const token of emu.issuedTokens()) assert.ok(!step.error?.includes(token), "no token in error text");
        return { steps, ms };
    }

    it("the token endpoint hangs: every resource fails at its timeoutSeconds, naming the authority", async () => {
        emu.inject({ fault: { kind: "hang" }, routes: ["token"] });
        const jobs = [
            emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" }),
            emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" }),
        ];
        const { steps, ms } = await up(
            "token hangs (2 resources, timeoutSeconds 1)",
            jobs.map((job, i) => spec(`hung${i}`, job.id)),
        );
        assert.deepStrictEqual(
            steps.map((s) => s.ok),
            [false, false],
        );
        for (const step of steps) {
            assert.match(
                step.error!,
                new RegExp(
                    `^get token failed with DefaultAzureCredential .*: no token from ${emu.authorityHost.replace(/\./g, "\\.")} within the 1 s timeoutSeconds \\(the token endpoint did not answer, or its TLS handshake never completed\\)`,
                ),
            );
        }
        // The deadline ended the wait (the error names it); how long that took is the benchmark's to measure.
        const operationMs = Date.now() - emu.filter({ kind: "token" })[0].at;
        console.log(
            `      [network/engine] token hangs: from the token request to the end of the run ${operationMs} ms (whole run ${ms} ms)`,
        );
        // One shared request; when the first resource's deadline abandons it, the second (its deadline
        // a few ms later) may ask once more, never again.
        assert.ok([1, 2].includes(emu.count({ kind: "token" })), `${emu.count({ kind: "token" })} token requests`);
        assert.deepStrictEqual(emu.graphCalls(), []);
        for (const job of jobs) assert.strictEqual(job.starts, 0);
    });

    it("start processed, then the connection reset: read, not sent again; state records one start", async () => {
        emu.inject({ fault: { kind: "processThenReset" }, routes: ["start"], times: 1 });
        const job = emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" });
        const { steps } = await up("start processed then reset", [spec("reset", job.id, { timeoutSeconds: 5 })]);
        assert.ok(steps[0].ok, steps[0].error);
        assert.strictEqual(job.starts, 1);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
        const outs = stack!.outputs("reset");
        assert.deepStrictEqual([outs.startCount, outs.lastAction, outs.status, outs.timeoutSeconds], [1, "started", "Active", 5]);
    });

    it("a redirect to another origin: refused, named, nothing (and no token) reached it", async () => {
        emu.inject({ fault: { kind: "redirect", status: 307, location: "otherOrigin" }, routes: ["getJob"] });
        const job = emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" });
        const { steps } = await up("redirect to another origin", [spec("redirected", job.id)]);
        assert.strictEqual(steps[0].ok, false);
        assert.match(
            steps[0].error!,
            new RegExp(
                `^read job failed: GET \\S+ -> 307: redirect to ${emu.otherOrigin.url.replace(/\./g, "\\.")} refused \\(Location: "https://`,
            ),
        );
        assert.deepStrictEqual(emu.otherOrigin.requests, []);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob"]);
        assert.strictEqual(job.starts, 0);
    });

    it("headers, then a body that never comes: cut per attempt, the run ends at timeoutSeconds", async () => {
        emu.inject({ fault: { kind: "stallBody" }, routes: ["getJob"] });
        const job = emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" });
        const { steps, ms } = await up("stalled body on every read (timeoutSeconds 1)", [spec("stalled", job.id)]);
        assert.strictEqual(steps[0].ok, false);
        assert.match(
            steps[0].error!,
            /-> no response: the body stalled after the headers \(no complete body within 0\.\d+ s\); [2-4] attempts in 1\.\d s\. No time was left within the 1 s timeoutSeconds\./,
        );
        const operationMs = Date.now() - emu.filter({ kind: "getJob" })[0].at;
        console.log(
            `      [network/engine] stalled body: from the first read to the end of the run ${operationMs} ms (whole run ${ms} ms)`,
        );
        // Cut per attempt and retried: the attempts the error counts reached the emulator.
        assert.ok(attemptsSaid(steps[0].error!) >= 2, steps[0].error);
        assert.ok(
            receivedAttempts(emu.count({ kind: "getJob" }), steps[0].error!),
            `${emu.count({ kind: "getJob" })} reads: ${steps[0].error}`,
        );
        assert.strictEqual(emu.count({ kind: "start" }), 0);
        assert.strictEqual(job.starts, 0);
    });
});
