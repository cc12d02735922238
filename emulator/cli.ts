#!/usr/bin/env node
import { parseArgs } from "util";
import { startEmulator } from "./emulator";
import { parseThrottle, ThrottleModel } from "./throttle";

const usage =
    "usage: entra-sync-emulator [--port N] [--seed TEXT] [--ca-file PATH] [--throttle entra:small|entra:medium|entra:large|RATE/s]";

interface CliArgs {
    port: number;
    seed?: string;
    caFile?: string;
    throttle?: ThrottleModel;
    help: boolean;
}

function parse(argv: string[]): CliArgs {
    // Not strict: unknown flags and positionals are reported in our words, with the usage line.
    const { tokens } = parseArgs({
        args: argv,
        options: {
            port: { type: "string" },
            seed: { type: "string" },
            "ca-file": { type: "string" },
            throttle: { type: "string" },
            help: { type: "boolean", short: "h" },
        },
        strict: false,
        allowPositionals: true,
        tokens: true,
    });
    const parsed: CliArgs = { port: 0, seed: "demo", help: false };
    // In order, so the first bad argument is the one reported (and --help after it does not hide it).
    for (const token of tokens) {
        if (token.kind === "option-terminator") continue;
        if (token.kind === "positional") throw new Error(`unknown argument ${argv[token.index]}. ${usage}`);
        switch (token.name) {
            case "port":
                parsed.port = Number(token.value);
                if (!Number.isInteger(parsed.port) || parsed.port < 0 || parsed.port > 65535)
                    throw new Error(`--port takes 0-65535. ${usage}`);
                break;
            case "seed":
                parsed.seed = token.value;
                break;
            case "ca-file":
                parsed.caFile = token.value;
                break;
            case "throttle":
                parsed.throttle = parseThrottle(token.value ?? "");
                if (!parsed.throttle)
                    throw new Error(`--throttle takes entra:small, entra:medium, entra:large or a rate such as 10/s. ${usage}`);
                break;
            case "help":
                return { ...parsed, help: true };
            default:
                throw new Error(`unknown argument ${argv[token.index]}. ${usage}`);
        }
    }
    return parsed;
}

async function main(): Promise<void> {
    const args = parse(process.argv.slice(2));
    if (args.help) {
        console.log(usage);
        return;
    }
    const emu = await startEmulator({ port: args.port, seed: args.seed, caCertPath: args.caFile });
    emu.setThrottle(args.throttle);
    for (const [name, value] of Object.entries(emu.environment())) console.log(`export ${name}=${value}`);
    console.error(`# entra-sync-emulator listening on ${emu.graphEndpoint}; Ctrl-C stops it`);
    console.error(
        `# a client without the permission (Graph answers 403): AZURE_CLIENT_ID=${emu.unprivilegedClient.clientId} AZURE_CLIENT_SECRET=${emu.unprivilegedClient.clientSecret}`,
    );
    const stop = () => void emu.close().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
}

main().catch((error) => {
    console.error(`entra-sync-emulator: ${(error as Error).message}`);
    process.exit(2);
});
