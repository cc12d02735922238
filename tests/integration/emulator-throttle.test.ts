import * as assert from "assert";
import { spawn } from "child_process";
import * as path from "path";
import { Emulator } from "../../emulator";
import { EntraThrottle, parseThrottle, TokenBucket } from "../../emulator/throttle";
import { checkFaultsUsed, startTestEmulator } from "../support/testEnv";

/** A client-credentials token straight from the emulator's token endpoint. */
async function token(emu: Emulator, clientId = emu.clientId, secret = emu.clientSecret): Promise<string> {
    const res = await fetch(`${emu.authorityHost}/${emu.tenantId}/oauth2/v2.0/token`, {
        method: "POST",
        body: new URLSearchParams({
            grant_type: "client_credentials",
            client_id: clientId,
            client_secret: secret,
            scope: `${emu.graphEndpoint}/.default`,
        }),
    });
    assert.strictEqual(res.status, 200);
    return ((await res.json()) as { access_token: string }).access_token;
}

interface Answer {
    status: number;
    retryAfter: string | null;
    scope: string | null;
    information: string | null;
    code?: string;
}

async function send(emu: Emulator, bearer: string | undefined, method: "GET" | "POST", suffix = ""): Promise<Answer> {
    const url = `${emu.graphEndpoint}/v1.0/servicePrincipals/${emu.seed.servicePrincipalId}/synchronization/jobs/${emu.seed.pausedJobId}${suffix}`;
    const res = await fetch(url, { method, headers: bearer ? { Authorization: `Bearer ${bearer}` } : {} });
    const text = await res.text();
    return {
        status: res.status,
        retryAfter: res.headers.get("retry-after"),
        scope: res.headers.get("x-ms-throttle-scope"),
        information: res.headers.get("x-ms-throttle-information"),
        code: text ? (JSON.parse(text) as { error?: { code?: string } }).error?.code : undefined,
    };
}

describe("emulator: Entra-like throttling (resource units per app and tenant, write cap)", function () {
    this.timeout(20_000);
    let emu: Emulator;
    beforeEach(async () => (emu = await startTestEmulator()));
    checkFaultsUsed(() => emu);
    afterEach(async () => emu.close());

    it("answers 429 past the app's resource units, Graph-shaped, and charges neither tokens nor other apps", async () => {
        const main = await token(emu);
        const other = await token(emu, emu.unprivilegedClient.clientId, emu.unprivilegedClient.clientSecret);
        // 3 units per 30 s: nothing refills during the test.
        emu.throttleLikeEntra({ tenantSize: "small", unitsPerWindow: 3, windowSeconds: 30 });
        const answers: Answer[] = [];
        for (let i = 0; i < 5; i++) answers.push(await send(emu, main, "GET"));
        assert.deepStrictEqual(
            answers.map((a) => a.status),
            [200, 200, 200, 429, 429],
        );
        assert.deepStrictEqual(answers[3], {
            status: 429,
            // 1 unit refills in 30 s / 3.
            retryAfter: "10",
            scope: `Tenant_Application/ReadWrite/${emu.tenantId}/${emu.clientId}`,
            information: "ResourceUnitLimitExceeded",
            code: "TooManyRequests",
        });
        assert.strictEqual(answers[0].scope, null);
        // Another app has its own bucket (it is refused for lack of permission, not throttled).
        assert.deepStrictEqual(
            (await Promise.all([1, 2, 3].map(() => send(emu, other, "GET")))).map((a) => a.status),
            [403, 403, 403],
        );
        assert.strictEqual((await send(emu, other, "GET")).status, 429);
        // No token: Graph's 401, never a 429; token requests pass free.
        assert.strictEqual((await send(emu, undefined, "GET")).status, 401);
        await token(emu);
        assert.deepStrictEqual(
            [emu.count({ kind: "getJob", status: 429 }), emu.count({ kind: "token", status: 200 }), emu.count({ status: 429 })],
            [3, 3, 3],
        );
    });

    it("the write cap stops POSTs only; GETs go on", async () => {
        const main = await token(emu);
        emu.throttleLikeEntra({ unitsPerWindow: 100, windowSeconds: 30, writesPerWindow: 2, writeWindowSeconds: 30 });
        const answers: Answer[] = [];
        for (const method of ["POST", "POST", "POST", "GET", "POST", "GET"] as const)
            answers.push(await send(emu, main, method, method === "POST" ? "/start" : ""));
        assert.deepStrictEqual(
            answers.map((a) => [a.status, a.information]),
            [
                [204, null],
                [204, null],
                [429, "WriteLimitExceeded"],
                [200, null],
                [429, "WriteLimitExceeded"],
                [200, null],
            ],
        );
        // 1 write refills in 30 s / 2.
        assert.strictEqual(answers[2].retryAfter, "15");
        assert.strictEqual(emu.count({ kind: "start" }), 4);
        assert.strictEqual(emu.job(emu.seed.servicePrincipalId, emu.seed.pausedJobId)!.starts, 2);
    });

    it("units refill over the window", async () => {
        const main = await token(emu);
        emu.throttleLikeEntra({ unitsPerWindow: 2, windowSeconds: 0.4 });
        const statuses = async (n: number) => {
            const out: number[] = [];
            for (let i = 0; i < n; i++) out.push((await send(emu, main, "GET")).status);
            return out;
        };
        assert.deepStrictEqual(await statuses(3), [200, 200, 429]);
        await new Promise((r) => setTimeout(r, 450));
        assert.deepStrictEqual(await statuses(3), [200, 200, 429]);
    });

    it("stats() counts Graph requests open at once (not token requests)", async () => {
        const main = await token(emu);
        emu.clearLog();
        emu.inject({ fault: { kind: "latency", ms: 150 }, routes: ["getJob"] });
        await Promise.all([1, 2, 3, 4, 5].map(() => send(emu, main, "GET")));
        assert.deepStrictEqual(emu.stats(), { inFlight: 0, peakInFlight: 5 });
        emu.clearLog();
        assert.deepStrictEqual(emu.stats(), { inFlight: 0, peakInFlight: 0 });
    });

    it("--throttle takes entra:<size> or RATE/s; anything else exits 2 naming the flag", async () => {
        const small = parseThrottle("entra:small") as EntraThrottle;
        assert.ok(small instanceof EntraThrottle);
        assert.deepStrictEqual(
            [small.unitsPerWindow, small.windowMs, small.writesPerWindow, small.writeWindowMs],
            [3500, 10_000, 3000, 150_000],
        );
        assert.strictEqual((parseThrottle("entra:large") as EntraThrottle).unitsPerWindow, 8000);
        assert.ok(parseThrottle("10/s") instanceof TokenBucket);
        assert.deepStrictEqual(["entra:huge", "0/s", "10", ""].map(parseThrottle), [undefined, undefined, undefined, undefined]);
        const cli = path.resolve(__dirname, "../../emulator/cli.ts");
        const child = spawn(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), cli, "--throttle", "entra:huge"], {
            stdio: ["ignore", "pipe", "pipe"],
        });
        let err = "";
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        const code = await new Promise<number | null>((r) => child.once("exit", r));
        assert.strictEqual(code, 2);
        assert.match(err, /--throttle takes entra:small, entra:medium, entra:large or a rate such as 10\/s/);
    });
});
