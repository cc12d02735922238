#!/usr/bin/env node
import { parseArgs } from "util";
import { startEmulator } from "./emulator";
import { FaultRule, parseFaultSpec } from "./faults";
import { ROUTES } from "./routes";
import { parseThrottle, ThrottleModel } from "./throttle";

const usage =
    "usage: entra-sync-emulator [--port N] [--seed TEXT] [--ca-file PATH] [--fault ROUTE:KIND[=ARG][:TIMES]]... [--throttle entra:small|entra:medium|entra:large|RATE/s]";

interface CliArgs {
    port: number;
    seed?: string;
    caFile?: string;
    faults: FaultRule[];
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
            fault: { type: "string", multiple: true },
            throttle: { type: "string" },
            help: { type: "boolean", short: "h" },
        },
        strict: false,
        allowPositionals: true,
        tokens: true,
    });
    const parsed: CliArgs = { port: 0, seed: "demo", faults: [], help: false };
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
            case "fault":
                if (token.value === undefined) throw new Error(`--fault takes ROUTE:KIND[=ARG][:TIMES]. ${usage}`);
                parsed.faults.push(
                    parseFaultSpec(
                        token.value,
                        ROUTES.map((route) => route.kind),
                    ),
                );
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
    for (const rule of args.faults) emu.inject(rule);
    // A running job with a provisioning run behind it, for trying restartTriggers and waitFor "cycle".
    const cycled = emu.addJob(emu.seed.servicePrincipalId, {
        state: "Active",
        history: { outcome: "succeeded", counts: { entitled: 120, exported: 120 }, endedSecondsAgo: 3600 },
        run: { delayMs: 2000, outcome: "succeeded", counts: { entitled: 120, exported: 120, deltaExported: 3 } },
    });
    const environment = { ...emu.environment(), ENTRA_SYNC_CYCLED_JOB_ID: cycled.id };
    for (const [name, value] of Object.entries(environment)) console.log(`export ${name}=${value}`);
    console.error(`# entra-sync-emulator listening on ${emu.graphEndpoint}; Ctrl-C stops it`);
    console.error(
        `# a client without the permission (Graph answers 403): AZURE_CLIENT_ID=${emu.unprivilegedClient.clientId} AZURE_CLIENT_SECRET=${emu.unprivilegedClient.clientSecret}`,
    );
    for (const rule of args.faults) {
        console.error(
            `# fault ${JSON.stringify(rule.fault)} on ${rule.routes?.join(", ") ?? "every route"}, ${rule.times ?? "every"} time(s)`,
        );
    }
    const stop = () => void emu.close().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
}

main().catch((error) => {
    console.error(`entra-sync-emulator: ${(error as Error).message}`);
    process.exit(2);
});
