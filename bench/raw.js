/**
 * The raw-HTTP bound: exactly the HTTP calls SyncJobStart must make (one token, then GET, POST
 * start, GET per job) with plain fetch at a given concurrency, no Pulumi. Prints {ms, cpuMs} as JSON
 * (cpuMs: this process's user + system CPU over the same span).
 * Run with NODE_EXTRA_CA_CERTS set. usage: node raw.js <jobsJsonFile> <concurrency> [h1|h2]
 * h1 (the default): Node's fetch over HTTP/1.1, a connection per request in flight. h2: Node's own
 * http2 client on one session (the leanest HTTP/2 there is in Node: no fetch, no undici); the
 * token request is HTTP/1.1 either way, as @azure/identity's is.
 *
 * Plain JavaScript, run by plain node: under ts-node the process would also hold the TypeScript
 * compiler, and its peak RSS (reported as peakRssMb) would not be the HTTP work's.
 */
"use strict";
const fs = require("fs");
const http2 = require("http2");

/** One HTTP/2 request on `session`; resolves with the body text. */
function h2(session, method, path, headers) {
    return new Promise((resolve, reject) => {
        const stream = session.request({ ":method": method, ":path": path, ...headers });
        stream.end();
        let body = "";
        stream.setEncoding("utf8");
        stream.on("data", (chunk) => (body += chunk));
        stream.on("end", () => resolve(body));
        stream.on("error", reject);
    });
}

async function main() {
    const [file, conc, protocol = "h1"] = process.argv.slice(2);
    const { graph, authority, tenant, clientId, secret, sp, jobs } = JSON.parse(fs.readFileSync(file, "utf8"));
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const tokenRes = await fetch(`${authority}/${tenant}/oauth2/v2.0/token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
            grant_type: "client_credentials",
            client_id: clientId,
            client_secret: secret,
            scope: `${graph}/.default`,
        }),
    });
    const token = (await tokenRes.json()).access_token;
    const headers = { Authorization: `Bearer ${token}` };
    const session = protocol === "h2" ? http2.connect(graph) : undefined;
    let next = 0;
    const worker = async () => {
        while (next < jobs.length) {
            const path = `/v1.0/servicePrincipals/${sp}/synchronization/jobs/${jobs[next++]}`;
            if (session) {
                const h = { authorization: headers.Authorization };
                JSON.parse(await h2(session, "GET", path, h));
                await h2(session, "POST", `${path}/start`, h);
                JSON.parse(await h2(session, "GET", path, h));
                continue;
            }
            const url = `${graph}${path}`;
            await (await fetch(url, { headers })).json();
            await (await fetch(`${url}/start`, { method: "POST", headers })).arrayBuffer();
            await (await fetch(url, { headers })).json();
        }
    };
    await Promise.all(Array.from({ length: Number(conc) }, worker));
    session?.close();
    const cpu = process.cpuUsage(cpu0);
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(JSON.stringify({ ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb }));
}

void main();
