#!/usr/bin/env node
import { startEmulator } from "./emulator";

const usage = "usage: entra-sync-emulator [--port N] [--seed TEXT] [--ca-file PATH]";

function parse(argv: string[]): { port: number; seed: string; caFile?: string } {
    const out: { port: number; seed: string; caFile?: string } = { port: 0, seed: "demo" };
    for (let i = 0; i < argv.length; i++) {
        const [flag, inline] = argv[i].split("=", 2);
        const value = () => inline ?? argv[++i];
        if (flag === "--port") {
            out.port = Number(value());
            if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) throw new Error(`--port takes 0-65535. ${usage}`);
        } else if (flag === "--seed") out.seed = value();
        else if (flag === "--ca-file") out.caFile = value();
        else if (flag === "--help" || flag === "-h") { console.log(usage); process.exit(0); }
        else throw new Error(`unknown argument ${argv[i]}. ${usage}`);
    }
    return out;
}

async function main(): Promise<void> {
    const args = parse(process.argv.slice(2));
    const emu = await startEmulator({ port: args.port, seed: args.seed, caCertPath: args.caFile });
    for (const [k, v] of Object.entries(emu.environment())) console.log(`export ${k}=${v}`);
    console.error(`# entra-sync-emulator listening on ${emu.graphEndpoint}; Ctrl-C stops it`);
    console.error(`# a client without the permission (Graph answers 403): AZURE_CLIENT_ID=${emu.unprivilegedClient.clientId} AZURE_CLIENT_SECRET=${emu.unprivilegedClient.clientSecret}`);
    const stop = () => void emu.close().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
}

main().catch((e) => {
    console.error(`entra-sync-emulator: ${(e as Error).message}`);
    process.exit(2);
});
