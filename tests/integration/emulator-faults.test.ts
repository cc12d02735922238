import * as assert from "assert";
import * as fs from "fs";
import * as https from "https";
import { Emulator, parseFaultSpec } from "../../emulator";
import { ROUTES } from "../../emulator/routes";
import { checkFaultsUsed, startTestEmulator } from "../support/testEnv";

/** What a client that stops waiting after ~300 ms sees; the faults below never answer on their own. */
const PATIENCE_MS = 300;

async function token(emu: Emulator): Promise<string> {
    const res = await fetch(`${emu.authorityHost}/${emu.tenantId}/oauth2/v2.0/token`, {
        method: "POST",
        body: new URLSearchParams({
            grant_type: "client_credentials",
            client_id: emu.clientId,
            client_secret: emu.clientSecret,
            scope: `${emu.graphEndpoint}/.default`,
        }),
    });
    assert.strictEqual(res.status, 200);
    return ((await res.json()) as { access_token: string }).access_token;
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error & { cause?: { code?: string; message?: string }; code?: string }> {
    try {
        await p;
    } catch (error) {
        return error as Error & { cause?: { code?: string; message?: string }; code?: string };
    }
    throw new Error("expected a rejection");
}

/** Reads a body chunk by chunk until it ends or the signal fires; returns the bytes and how it ended. */
async function readBody(res: Response): Promise<{ bytes: number; ended: "complete" | string }> {
    const reader = res.body!.getReader();
    let bytes = 0;
    try {
        for (;;) {
            const { done, value } = await reader.read();
            if (done) return { bytes, ended: "complete" };
            bytes += value.length;
        }
    } catch (error) {
        const e = error as Error & { cause?: { code?: string } };
        return { bytes, ended: e.cause?.code ?? e.name };
    }
}

/** Node's https client (not undici): the error event's code and message, or the status. */
function nodeRequest(url: string, options: https.RequestOptions = {}): Promise<{ status?: number; body?: string; error?: string }> {
    return new Promise((resolve) => {
        const req = https.request(url, { ...options, ca: fs.readFileSync(`${process.env.ENTRA_SYNC_TEST_DIR}/ca.pem`) }, (res) => {
            let body = "";
            res.on("data", (d: Buffer) => (body += d.toString()));
            res.on("end", () => resolve({ status: res.statusCode, body }));
            res.on("error", (e: NodeJS.ErrnoException) => resolve({ status: res.statusCode, body, error: `${e.code} ${e.message}` }));
        });
        req.on("error", (e: NodeJS.ErrnoException) => resolve({ error: `${e.code} ${e.message}` }));
        req.end();
    });
}

describe("emulator faults on the wire (undici fetch and Node's https as clients)", function () {
    let emu: Emulator;
    let sp: string;
    let jobId: string;
    let jobUrl: string;
    let auth: { authorization: string };
    beforeEach(async () => {
        emu = await startTestEmulator();
        sp = emu.seed.servicePrincipalId;
        jobId = emu.seed.pausedJobId;
        jobUrl = `${emu.graphEndpoint}/v1.0/servicePrincipals/${sp}/synchronization/jobs/${jobId}`;
        auth = { authorization: `Bearer ${await token(emu)}` };
        emu.clearLog();
    });
    checkFaultsUsed(() => emu);
    afterEach(async () => emu.close());

    const start = () => fetch(`${jobUrl}/start`, { method: "POST", headers: auth, signal: AbortSignal.timeout(PATIENCE_MS) });
    const log = () => emu.requests.map((r) => `${r.method} ${r.kind} ${r.status} ${r.fault ?? "-"}`);

    it("reset is a TCP RST (ECONNRESET) and close a clean FIN (other side closed), neither handled", async () => {
        emu.inject({ fault: { kind: "reset" }, routes: ["start"], times: 1 });
        emu.inject({ fault: { kind: "close" }, routes: ["start"], times: 1 });
        const reset = await rejection(start());
        assert.deepStrictEqual([reset.message, reset.cause?.code], ["fetch failed", "ECONNRESET"]);
        const closed = await rejection(start());
        assert.deepStrictEqual(
            [closed.message, closed.cause?.code, closed.cause?.message],
            ["fetch failed", "UND_ERR_SOCKET", "other side closed"],
        );
        emu.inject({ fault: { kind: "reset" }, routes: ["getJob"], times: 1 });
        emu.inject({ fault: { kind: "close" }, routes: ["getJob"], times: 1 });
        assert.deepStrictEqual(await nodeRequest(jobUrl, { headers: auth }), { error: "ECONNRESET read ECONNRESET" });
        assert.deepStrictEqual(await nodeRequest(jobUrl, { headers: auth }), { error: "ECONNRESET socket hang up" });
        assert.deepStrictEqual(log(), ["POST start -1 reset", "POST start -1 close", "GET getJob -1 reset", "GET getJob -1 close"]);
        assert.strictEqual(emu.job(sp, jobId)!.starts, 0);
        // The rules were used up: the next start is answered and starts the job.
        assert.strictEqual((await start()).status, 204);
        assert.strictEqual(emu.job(sp, jobId)!.starts, 1);
    });

    it("cutBody sends the real headers and half the body, then FIN; the job body is never complete", async () => {
        const full = JSON.stringify(await (await fetch(jobUrl, { headers: auth })).json()).length;
        emu.inject({ fault: { kind: "cutBody" }, routes: ["getJob"], times: 2 });
        const res = await fetch(jobUrl, { headers: auth, signal: AbortSignal.timeout(PATIENCE_MS) });
        assert.deepStrictEqual(
            [res.status, res.headers.get("content-length"), res.headers.get("content-type")],
            [200, String(full), "application/json; charset=utf-8"],
        );
        assert.deepStrictEqual(await readBody(res), { bytes: Math.floor(full / 2), ended: "UND_ERR_SOCKET" });
        const node = await nodeRequest(jobUrl, { headers: auth });
        assert.deepStrictEqual([node.status, node.body!.length, node.error], [200, Math.floor(full / 2), "ECONNRESET aborted"]);
        assert.deepStrictEqual(log(), ["GET getJob 200 -", "GET getJob 200 cutBody", "GET getJob 200 cutBody"]);
    });

    it("stallBody and headersThenSilence send headers (and half the body) and then nothing; emu.close() ends them", async () => {
        const full = JSON.stringify(await (await fetch(jobUrl, { headers: auth })).json()).length;
        emu.inject({ fault: { kind: "stallBody" }, routes: ["getJob"], times: 1 });
        emu.inject({ fault: { kind: "headersThenSilence" }, routes: ["getJob"], times: 1 });
        const stalled = await fetch(jobUrl, { headers: auth, signal: AbortSignal.timeout(PATIENCE_MS) });
        assert.deepStrictEqual([stalled.status, stalled.headers.get("content-length")], [200, String(full)]);
        assert.deepStrictEqual(await readBody(stalled), { bytes: Math.floor(full / 2), ended: "TimeoutError" });
        const silent = await fetch(jobUrl, { headers: auth, signal: AbortSignal.timeout(PATIENCE_MS) });
        assert.deepStrictEqual([silent.status, silent.headers.get("content-length")], [200, String(full)]);
        assert.deepStrictEqual(await readBody(silent), { bytes: 0, ended: "TimeoutError" });
        assert.deepStrictEqual(log(), ["GET getJob 200 -", "GET getJob 200 stallBody", "GET getJob 200 headersThenSilence"]);

        // A client without a timeout is still waiting when the emulator closes: close() cuts it off.
        emu.inject({ fault: { kind: "stallBody" }, routes: ["getJob"], times: 1 });
        const waiting = await fetch(jobUrl, { headers: auth });
        const body = readBody(waiting);
        await emu.close();
        assert.deepStrictEqual(await body, { bytes: Math.floor(full / 2), ended: "UND_ERR_SOCKET" });
    });

    it("hang reads the request and never sends a header", async () => {
        emu.inject({ fault: { kind: "hang" }, routes: ["start"], times: 1 });
        const hung = await rejection(start());
        assert.strictEqual(hung.name, "TimeoutError");
        assert.deepStrictEqual(log(), ["POST start -1 hang"]);
        assert.strictEqual(emu.job(sp, jobId)!.starts, 0);
    });

    it("processThenReset and processThenHang start the job exactly once and log the real 204, then fail the answer", async () => {
        emu.inject({ fault: { kind: "processThenReset" }, routes: ["start"], times: 1 });
        const reset = await rejection(start());
        assert.strictEqual(reset.cause?.code, "ECONNRESET");
        assert.deepStrictEqual([emu.job(sp, jobId)!.starts, emu.job(sp, jobId)!.statusCode], [1, "Active"]);
        emu.setJobState(sp, jobId, "Paused");
        emu.inject({ fault: { kind: "processThenHang" }, routes: ["start"], times: 1 });
        const hung = await rejection(start());
        assert.strictEqual(hung.name, "TimeoutError");
        assert.deepStrictEqual([emu.job(sp, jobId)!.starts, emu.job(sp, jobId)!.statusCode], [2, "Active"]);
        assert.deepStrictEqual(log(), ["POST start 204 processThenReset", "POST start 204 processThenHang"]);
        // A processed fault on a route with a body: the real answer is built (and dropped).
        emu.inject({ fault: { kind: "processThenReset" }, routes: ["createJob"], times: 1 });
        const created = await rejection(
            fetch(`${emu.graphEndpoint}/v1.0/servicePrincipals/${sp}/synchronization/jobs`, {
                method: "POST",
                headers: { ...auth, "content-type": "application/json" },
                body: JSON.stringify({ templateId: "scim" }),
            }),
        );
        assert.strictEqual(created.cause?.code, "ECONNRESET");
        assert.strictEqual(emu.requests.at(-1)!.status, 201);
        const list = (await (
            await fetch(`${emu.graphEndpoint}/v1.0/servicePrincipals/${sp}/synchronization/jobs`, { headers: auth })
        ).json()) as {
            value: { templateId: string; status: { code: string } }[];
        };
        assert.deepStrictEqual(list.value.map((j) => j.status.code).sort(), ["Active", "NotConfigured", "Quarantine"]);
    });

    it("html answers a proxy's page (200 portal, 502 nginx) without handling the request", async () => {
        emu.inject({ fault: { kind: "html", status: 502 }, routes: ["start"], times: 1 });
        emu.inject({ fault: { kind: "html", status: 200 }, routes: ["start"], times: 1 });
        const bad = await start();
        assert.deepStrictEqual([bad.status, bad.headers.get("content-type")], [502, "text/html"]);
        assert.match(await bad.text(), /<title>502 Bad Gateway<\/title>/);
        const portal = await start();
        assert.deepStrictEqual([portal.status, portal.headers.get("content-type")], [200, "text/html"]);
        assert.match(await portal.text(), /^<!DOCTYPE html>[\s\S]*Sign in to continue/);
        assert.deepStrictEqual(log(), ["POST start 502 html", "POST start 200 html"]);
        assert.strictEqual(emu.job(sp, jobId)!.starts, 0);
    });

    it("empty answers a success with no body (200 with Content-Length 0, or 204) without handling the request", async () => {
        emu.inject({ fault: { kind: "empty", status: 200 }, routes: ["start"], times: 1 });
        emu.inject({ fault: { kind: "empty", status: 204 }, routes: ["start"], times: 1 });
        const blank = await start();
        assert.deepStrictEqual([blank.status, blank.headers.get("content-length"), await blank.text()], [200, "0", ""]);
        const none = await start();
        assert.deepStrictEqual([none.status, await none.text()], [204, ""]);
        assert.deepStrictEqual(log(), ["POST start 200 empty", "POST start 204 empty"]);
        assert.strictEqual(emu.job(sp, jobId)!.starts, 0);
    });

    it("redirect sends the Location asked for; the other origin records only a client that follows it", async () => {
        const port = new URL(emu.otherOrigin.url).port;
        const path = `/v1.0/servicePrincipals/${sp}/synchronization/jobs/${jobId}/start`;
        const locations: Record<string, string> = {
            otherOrigin: `${emu.otherOrigin.url}${path}`,
            malformedSlash: `https:/127.0.0.1:${port}${path}`,
            malformedBackslash: `https:\\\\127.0.0.1:${port}${path}`,
            "https://127.0.0.1:1/elsewhere": "https://127.0.0.1:1/elsewhere",
        };
        for (const [location, expected] of Object.entries(locations)) {
            emu.inject({ fault: { kind: "redirect", status: 307, location }, routes: ["start"], times: 1 });
            const res = await fetch(`${jobUrl}/start`, { method: "POST", headers: auth, redirect: "manual" });
            assert.deepStrictEqual([res.status, res.headers.get("location")], [307, expected]);
        }
        emu.inject({ fault: { kind: "redirect", location: "otherOrigin" }, routes: ["getJob"], times: 1 });
        assert.strictEqual((await fetch(jobUrl, { headers: auth, redirect: "manual" })).status, 302);
        assert.strictEqual(emu.otherOrigin.requests.length, 0);
        assert.strictEqual(emu.job(sp, jobId)!.starts, 0);
        assert.deepStrictEqual(log(), [
            "POST start 307 redirect",
            "POST start 307 redirect",
            "POST start 307 redirect",
            "POST start 307 redirect",
            "GET getJob 302 redirect",
        ]);

        // Followed by hand, with the token: the recorder sees it, and its answer would fool a client.
        const followed = await fetch(locations.otherOrigin, { method: "POST", headers: auth });
        const body = (await followed.json()) as { status: { code: string }; schedule: { state: string } };
        assert.deepStrictEqual([followed.status, body.status.code, body.schedule.state], [200, "Active", "Active"]);
        assert.deepStrictEqual(
            emu.otherOrigin.requests.map((r) => [r.method, r.path, r.authorization]),
            [["POST", path, auth.authorization]],
        );
    });

    it("unauthorized answers Graph's 401, with claims a CAE challenge in WWW-Authenticate", async () => {
        emu.inject({ fault: { kind: "unauthorized" }, routes: ["start"], times: 1 });
        emu.inject({ fault: { kind: "unauthorized", claims: true }, routes: ["start"], times: 1 });
        const plain = await start();
        assert.deepStrictEqual(
            [plain.status, plain.headers.get("www-authenticate"), ((await plain.json()) as any).error.code],
            [401, null, "InvalidAuthenticationToken"],
        );
        const before = Math.floor(Date.now() / 1000);
        const challenged = await start();
        const header = challenged.headers.get("www-authenticate")!;
        const match =
            /^Bearer realm="", authorization_uri="https:\/\/login\.microsoftonline\.com\/common\/oauth2\/authorize", error="insufficient_claims", claims="([A-Za-z0-9+/=]+)"$/.exec(
                header,
            );
        assert.ok(match, header);
        const claims = JSON.parse(Buffer.from(match[1], "base64").toString());
        assert.deepStrictEqual(Object.keys(claims.access_token.nbf), ["essential", "value"]);
        assert.strictEqual(claims.access_token.nbf.essential, true);
        assert.ok(
            Number(claims.access_token.nbf.value) >= before && Number(claims.access_token.nbf.value) <= before + 5,
            claims.access_token.nbf.value,
        );
        assert.deepStrictEqual([challenged.status, ((await challenged.json()) as any).error.code], [401, "InvalidAuthenticationToken"]);
        assert.deepStrictEqual(log(), ["POST start 401 unauthorized", "POST start 401 unauthorized"]);
        assert.strictEqual(emu.job(sp, jobId)!.starts, 0);
    });

    it("token and openid routes take the same faults", async () => {
        emu.inject({ fault: { kind: "html", status: 502 }, routes: ["token"], times: 1 });
        emu.inject({ fault: { kind: "hang" }, routes: ["openid"], times: 1 });
        await assert.rejects(token(emu), /502/);
        const openid = `${emu.authorityHost}/${emu.tenantId}/v2.0/.well-known/openid-configuration`;
        assert.strictEqual((await rejection(fetch(openid, { signal: AbortSignal.timeout(PATIENCE_MS) }))).name, "TimeoutError");
        assert.strictEqual((await fetch(openid)).status, 200);
        assert.deepStrictEqual(log(), ["POST token 502 html", "GET openid -1 hang", "GET openid 200 -"]);
    });

    it("blackhole accepts the connection and never completes the TLS handshake; close() ends it and the other origin", async () => {
        const hole = await rejection(fetch(emu.blackhole.url, { signal: AbortSignal.timeout(PATIENCE_MS) }));
        assert.deepStrictEqual([hole.name, emu.blackhole.connections], ["TimeoutError", 1]);
        const node = nodeRequest(`${emu.blackhole.url}/x`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        await emu.close();
        assert.deepStrictEqual(await node, {
            error: "ECONNRESET Client network socket disconnected before secure TLS connection was established",
        });
        for (const url of [emu.blackhole.url, emu.otherOrigin.url]) {
            assert.strictEqual((await rejection(fetch(url))).cause?.code, "ECONNREFUSED");
        }
        assert.deepStrictEqual(emu.requests, []);
    });

    it("parses the CLI's --fault ROUTE:KIND[=ARG][:TIMES] and names the mistake", () => {
        const kinds = ROUTES.map((r) => r.kind);
        assert.deepStrictEqual(parseFaultSpec("start:processThenReset:1", kinds), {
            fault: { kind: "processThenReset" },
            routes: ["start"],
            times: 1,
        });
        assert.deepStrictEqual(parseFaultSpec("token:status=503", kinds), { fault: { kind: "status", status: 503 }, routes: ["token"] });
        assert.deepStrictEqual(parseFaultSpec("*:latency=250:3", kinds), { fault: { kind: "latency", ms: 250 }, times: 3 });
        assert.deepStrictEqual(parseFaultSpec("getJob:redirect=malformedBackslash", kinds), {
            fault: { kind: "redirect", location: "malformedBackslash" },
            routes: ["getJob"],
        });
        assert.deepStrictEqual(parseFaultSpec("start:unauthorized=claims:2", kinds), {
            fault: { kind: "unauthorized", claims: true },
            routes: ["start"],
            times: 2,
        });
        assert.deepStrictEqual(parseFaultSpec("openid:html", kinds), { fault: { kind: "html", status: 502 }, routes: ["openid"] });
        assert.deepStrictEqual(parseFaultSpec("getJob:empty", kinds), { fault: { kind: "empty", status: 200 }, routes: ["getJob"] });
        assert.deepStrictEqual(parseFaultSpec("start:empty=204:1", kinds), {
            fault: { kind: "empty", status: 204 },
            routes: ["start"],
            times: 1,
        });
        const syntax = "write ROUTE:KIND[=ARG][:TIMES], e.g. start:processThenReset:1, token:status=503, getJob:latency=2000";
        assert.throws(() => parseFaultSpec("strat:reset", kinds), {
            message: `--fault strat:reset: unknown route strat (one of *, ${kinds.join(", ")}); ${syntax}`,
        });
        assert.throws(
            () => parseFaultSpec("start:rst", kinds),
            /^Error: --fault start:rst: unknown fault rst \(one of status, latency, hang, reset, close, cutBody/,
        );
        assert.throws(() => parseFaultSpec("start:status", kinds), {
            message: `--fault start:status: status takes =STATUS (400-599); ${syntax}`,
        });
        assert.throws(() => parseFaultSpec("start:reset=1", kinds), {
            message: `--fault start:reset=1: reset takes no =ARG, or =connection, =stream or =goaway (what an HTTP/2 reset is); ${syntax}`,
        });
        assert.deepStrictEqual(parseFaultSpec("start:processThenReset=goaway:1", kinds), {
            fault: { kind: "processThenReset", http2: "goaway" },
            routes: ["start"],
            times: 1,
        });
        assert.deepStrictEqual(parseFaultSpec("*:reset=stream", kinds), { fault: { kind: "reset", http2: "stream" } });
        assert.throws(() => parseFaultSpec("start:reset:0", kinds), {
            message: `--fault start:reset:0: TIMES must be 1 or more; ${syntax}`,
        });
    });
});
