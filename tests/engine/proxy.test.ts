/**
 * HTTPS_PROXY / NO_PROXY through the real provider host: the token request (@azure/identity) and
 * the Graph calls (the Graph client's fetch) both go through the proxy, or neither does. A proxy
 * that refuses shows which client used it: whatever went through it fails.
 */
import * as assert from "assert";
import { Emulator } from "../../emulator";
import { Stack, summary } from "../../harness";
import { ConnectProxy, startConnectProxy } from "../support/connectProxy";
import { startTestStack } from "../support/testStack";
import { startTestEmulator } from "../support/testEnv";

describe("proxies: HTTPS_PROXY and NO_PROXY", function () {
    this.timeout(60_000);
    let emu: Emulator;
    let proxy: ConnectProxy;
    let stack: Stack | undefined;
    beforeEach(async () => {
        emu = await startTestEmulator();
        proxy = await startConnectProxy();
    });
    afterEach(async () => {
        await stack?.stop();
        stack = undefined;
        await proxy.close();
        await emu.close();
    });

    const resume = () => [{ name: "resume", args: { servicePrincipalId: emu.seed.servicePrincipalId, jobId: emu.seed.pausedJobId } }];
    const emulatorHost = () => new URL(emu.graphEndpoint).host;
    // The test runner sets NO_PROXY=127.0.0.1,localhost; a pipeline behind a proxy has no such exception.
    const behindProxy = () => ({ HTTPS_PROXY: proxy.url, NO_PROXY: "", no_proxy: "", ENTRA_SYNC_TIMEOUT_SECONDS: "1" });

    it("with HTTPS_PROXY set (NO_PROXY empty), the token request and the Graph calls go through the proxy", async () => {
        stack = await startTestStack(emu, { env: behindProxy() });
        // Token: a refusing proxy means no token, and nothing reaches the emulator.
        proxy.refuse = true;
        let steps = await stack.up(resume());
        assert.deepStrictEqual(summary(steps), ["create resume FAILED"]);
        assert.match(steps[0].error!, /^get token failed with DefaultAzureCredential/);
        assert.deepStrictEqual(emu.requests, []);
        assert.ok(proxy.tunnels.length >= 1 && proxy.tunnels.every((t) => t.target === emulatorHost() && !t.opened));

        proxy.refuse = false;
        proxy.tunnels.length = 0;
        assert.deepStrictEqual(summary(await stack.up(resume())), ["create resume"]);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
        assert.strictEqual(emu.count({ kind: "token" }), 1);
        // Inside the tunnel the Graph calls are HTTP/2 (negotiated by ALPN through the tunnel); the token request is HTTP/1.1.
        assert.deepStrictEqual(
            emu
                .filter({})
                .filter((x) => x.kind === "getJob" || x.kind === "start" || x.kind === "token")
                .map((x) => `${x.kind} ${x.httpVersion}`),
            ["token 1.1", "getJob 2.0", "start 2.0", "getJob 2.0"],
        );
        // Two clients, two connection pools: at least one tunnel for the token, one for Graph.
        assert.ok(proxy.tunnels.length >= 2, JSON.stringify(proxy.tunnels));
        assert.deepStrictEqual([...new Set(proxy.tunnels.map((t) => `${t.target} ${t.opened}`))], [`${emulatorHost()} true`]);

        // Graph, with the token cached: the open tunnels cut and the proxy refusing, a refresh cannot reach Graph.
        proxy.dropTunnels();
        proxy.refuse = true;
        proxy.tunnels.length = 0;
        emu.clearLog();
        steps = await stack.refresh();
        assert.deepStrictEqual(summary(steps), ["refresh resume FAILED"]);
        assert.match(steps[0].error!, /^refresh job failed: GET \/v1\.0\/servicePrincipals\/[^ ]+ -> no response/);
        assert.deepStrictEqual(emu.requests, []);
        assert.ok(proxy.tunnels.length >= 1 && proxy.tunnels.every((t) => t.target === emulatorHost() && !t.opened));
    });

    it("with no_proxy covering the host (lower-case names this time), nothing goes through the proxy (which refuses everything)", async () => {
        proxy.refuse = true;
        stack = await startTestStack(emu, { env: { https_proxy: proxy.url, HTTPS_PROXY: "", NO_PROXY: "", no_proxy: "127.0.0.1" } });
        const steps = await stack.up(resume());
        assert.deepStrictEqual(summary(steps), ["create resume"], JSON.stringify(steps));
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
        assert.strictEqual(emu.count({ kind: "token" }), 1);
        assert.deepStrictEqual(proxy.tunnels, []);
    });
});
