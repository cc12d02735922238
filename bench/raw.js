/**
 * The raw-HTTP bound: exactly the HTTP calls SyncJobStart must make (one token, then GET, POST
 * start, GET per job) with plain fetch at a given concurrency, no Pulumi. Prints {ms, cpuMs} as JSON
 * (cpuMs: this process's user + system CPU over the same span).
 * Run with NODE_EXTRA_CA_CERTS set. usage: node raw.js <jobsJsonFile> <concurrency>
 *
 * Plain JavaScript, run by plain node: under ts-node the process would also hold the TypeScript
 * compiler, and its peak RSS (reported as peakRssMb) would not be the HTTP work's.
 */
"use strict";
const fs = require("fs");

async function main() {
    const [file, conc] = process.argv.slice(2);
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
    let next = 0;
    const worker = async () => {
        while (next < jobs.length) {
            const url = `${graph}/v1.0/servicePrincipals/${sp}/synchronization/jobs/${jobs[next++]}`;
            await (await fetch(url, { headers })).json();
            await (await fetch(`${url}/start`, { method: "POST", headers })).arrayBuffer();
            await (await fetch(url, { headers })).json();
        }
    };
    await Promise.all(Array.from({ length: Number(conc) }, worker));
    const cpu = process.cpuUsage(cpu0);
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(JSON.stringify({ ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb }));
}

void main();
