import * as assert from "assert";
import { spawn } from "child_process";
import * as path from "path";

describe("entra-sync-emulator (the CLI)", function () {
    this.timeout(30_000);
    it("prints the export lines a user evals, serves a token, and stops on SIGINT", async () => {
        const cli = path.resolve(__dirname, "../../emulator/cli.ts");
        const child = spawn(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), cli, "--seed", "ci"], {
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        await new Promise<void>((resolve, reject) => {
            child.stdout.on("data", (d: Buffer) => {
                out += d.toString();
                if (/ENTRA_SYNC_CYCLED_JOB_ID=.*\n/.test(out)) resolve();
            });
            child.on("exit", (code) => reject(new Error(`exited ${code}`)));
        });
        const vars = Object.fromEntries(
            out
                .trim()
                .split("\n")
                .map((l) => /^export ([A-Z_]+)=(.*)$/.exec(l)!.slice(1, 3)),
        );
        assert.deepStrictEqual(Object.keys(vars), [
            "AZURE_TENANT_ID",
            "AZURE_CLIENT_ID",
            "AZURE_CLIENT_SECRET",
            "NODE_EXTRA_CA_CERTS",
            "ENTRA_SYNC_GRAPH_ENDPOINT",
            "ENTRA_SYNC_AUTHORITY_HOST",
            "ENTRA_SYNC_SERVICE_PRINCIPAL_ID",
            "ENTRA_SYNC_PAUSED_JOB_ID",
            "ENTRA_SYNC_QUARANTINED_JOB_ID",
            "ENTRA_SYNC_CYCLED_JOB_ID",
        ]);
        assert.match(vars.ENTRA_SYNC_GRAPH_ENDPOINT, /^https:\/\/127\.0\.0\.1:\d+$/);
        // Its own CA, not the test run's: check with an explicit CA through https.
        const https = await import("https");
        const fs = await import("fs");
        const status = await new Promise<number>((resolve, reject) => {
            const req = https.request(
                `${vars.ENTRA_SYNC_AUTHORITY_HOST}/${vars.AZURE_TENANT_ID}/oauth2/v2.0/token`,
                {
                    method: "POST",
                    ca: fs.readFileSync(vars.NODE_EXTRA_CA_CERTS),
                    headers: { "Content-Type": "application/x-www-form-urlencoded" },
                },
                (res) => resolve(res.statusCode!),
            );
            req.on("error", reject);
            req.end(
                new URLSearchParams({
                    grant_type: "client_credentials",
                    client_id: vars.AZURE_CLIENT_ID,
                    client_secret: vars.AZURE_CLIENT_SECRET,
                    scope: `${vars.ENTRA_SYNC_GRAPH_ENDPOINT}/.default`,
                }).toString(),
            );
        });
        assert.strictEqual(status, 200);
        const exited = new Promise<number | null>((r) => child.once("exit", r));
        child.kill("SIGINT");
        assert.strictEqual(await exited, 0);
    });
});

describe("entra-sync-emulator --fault", function () {
    this.timeout(30_000);
    it("applies each --fault ROUTE:KIND[=ARG][:TIMES] to the routes and count given, and refuses a bad one by name", async () => {
        const cli = path.resolve(__dirname, "../../emulator/cli.ts");
        const args = ["-r", require.resolve("ts-node/register/transpile-only"), cli, "--seed", "ci"];
        const child = spawn(process.execPath, [...args, "--fault", "openid:html=502:1", "--fault", "openid:reset:1"], {
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        await new Promise<void>((resolve, reject) => {
            child.stdout.on("data", (d: Buffer) => {
                out += d.toString();
                if (/ENTRA_SYNC_CYCLED_JOB_ID=.*\n/.test(out)) resolve();
            });
            child.on("exit", (code) => reject(new Error(`exited ${code}: ${err}`)));
        });
        const vars = Object.fromEntries(
            out
                .trim()
                .split("\n")
                .map((l) => /^export ([A-Z_]+)=(.*)$/.exec(l)!.slice(1, 3)),
        );
        const https = await import("https");
        const fs = await import("fs");
        const get = () =>
            new Promise<string>((resolve) => {
                const req = https.get(
                    `${vars.ENTRA_SYNC_AUTHORITY_HOST}/${vars.AZURE_TENANT_ID}/v2.0/.well-known/openid-configuration`,
                    { ca: fs.readFileSync(vars.NODE_EXTRA_CA_CERTS) },
                    (res) => {
                        res.resume();
                        resolve(`${res.statusCode} ${res.headers["content-type"]}`);
                    },
                );
                req.on("error", (e: NodeJS.ErrnoException) => resolve(`${e.code} ${e.message}`));
            });
        assert.deepStrictEqual(
            [await get(), await get(), await get()],
            ["502 text/html", "ECONNRESET read ECONNRESET", "200 application/json; charset=utf-8"],
        );
        assert.match(
            err,
            /# fault \{"kind":"html","status":502\} on openid, 1 time\(s\)\n# fault \{"kind":"reset"\} on openid, 1 time\(s\)/,
        );
        const exited = new Promise<number | null>((r) => child.once("exit", r));
        child.kill("SIGINT");
        assert.strictEqual(await exited, 0);

        const bad = spawn(process.execPath, [...args, "--fault", "start:rst"], { stdio: ["ignore", "pipe", "pipe"] });
        let badErr = "";
        bad.stderr.on("data", (d: Buffer) => (badErr += d.toString()));
        assert.strictEqual(await new Promise<number | null>((r) => bad.once("exit", r)), 2);
        assert.match(
            badErr,
            /^entra-sync-emulator: --fault start:rst: unknown fault rst \(one of status, latency, hang, reset, close, cutBody, stallBody, headersThenSilence, processThenReset, processThenHang, html, empty, redirect, unauthorized, throttleWarning, otherJob, oversized\); write ROUTE:KIND\[=ARG\]\[:TIMES\]/,
        );
    });
});
