/**
 * npm run demo: deploys examples/basic against the built-in emulator and shows, step by step, what
 * SyncJobStart does and which Graph calls it makes. Uses the real Pulumi CLI when `npm run
 * pulumi:install` has built one (file backend in a temp folder), else the engine-protocol harness
 * over the real provider host; `npm run demo -- --engine cli|harness` picks one.
 */
import * as path from "path";
import { Emulator, startEmulator } from "../emulator";
import { pinnedPulumiVersion, programFile, PULUMI_INSTALL_COMMAND, pulumiBin, RealStack, Stack, Step } from "../harness";

const ROOT = path.resolve(__dirname, "..");
const PROGRAM = path.join(ROOT, "examples/basic/index.ts");
const PROJECT = "entra-sync-basic";

interface Driver {
    readonly name: string;
    preview(config: Record<string, string>): Promise<Step[]>;
    up(config: Record<string, string>): Promise<Step[]>;
    refresh(): Promise<Step[]>;
    /** The stack's outputs (examples/basic exports resume-scim's). */
    outputs(): Promise<Record<string, unknown>>;
    close(): Promise<void>;
}

/** The engine-protocol harness: the program under setMocks, the real provider host over gRPC. */
class HarnessDriver implements Driver {
    readonly name = "engine-protocol harness (our model of the engine, over the real @pulumi/pulumi provider host)";
    private constructor(private readonly stack: Stack) {}
    static async start(env: NodeJS.ProcessEnv): Promise<HarnessDriver> {
        return new HarnessDriver(await Stack.start({ program: PROGRAM, env, stack: "demo", project: PROJECT }));
    }
    preview(config: Record<string, string>): Promise<Step[]> {
        return this.stack.preview({ config });
    }
    up(config: Record<string, string>): Promise<Step[]> {
        return this.stack.up({ config });
    }
    refresh(): Promise<Step[]> {
        return this.stack.refresh();
    }
    async outputs(): Promise<Record<string, unknown>> {
        return this.stack.outputs("resume-scim");
    }
    close(): Promise<void> {
        return this.stack.stop();
    }
}

/**
 * The real Pulumi CLI (built from Go modules by `npm run pulumi:install`), through the Automation
 * API: examples/basic as an inline program, a file:// backend and PULUMI_HOME in a temp folder.
 */
class CliDriver implements Driver {
    readonly name: string;
    private constructor(private readonly stack: RealStack) {
        this.name = `pulumi CLI ${pinnedPulumiVersion()} (built from Go modules by npm run pulumi:install; Automation API, file:// backend in a temp folder)`;
    }
    static async start(env: NodeJS.ProcessEnv): Promise<CliDriver> {
        // The inline program runs in this process and reads the emulator's ENTRA_SYNC_* ids from it.
        Object.assign(process.env, env);
        const stack = await RealStack.create({
            program: programFile(PROGRAM),
            project: PROJECT,
            stack: "demo",
            env: env as Record<string, string>,
            passphrase: "demo-only-passphrase",
        });
        return new CliDriver(stack);
    }
    private async config(config: Record<string, string>): Promise<void> {
        for (const [k, v] of Object.entries(config)) await this.stack.stack.setConfig(k, { value: v });
    }
    /** The dynamic resources' steps, from the engine's events (its summary also counts the stack and the default provider, which a config change updates). */
    private async run(
        command: (opts: { onEvent: (e: import("@pulumi/pulumi/automation").EngineEvent) => void }) => Promise<unknown>,
    ): Promise<Step[]> {
        const steps: Step[] = [];
        await command({
            onEvent: (e) => {
                const m = e.resourcePreEvent?.metadata;
                if (m?.type.startsWith("pulumi-nodejs:dynamic/"))
                    steps.push({ name: m.urn.split("::").pop()!, op: m.op as Step["op"], ok: true });
            },
        });
        return steps;
    }
    async preview(config: Record<string, string>): Promise<Step[]> {
        await this.config(config);
        return this.run((opts) => this.stack.stack.preview(opts));
    }
    async up(config: Record<string, string>): Promise<Step[]> {
        await this.config(config);
        return this.run((opts) => this.stack.stack.up(opts));
    }
    async refresh(): Promise<Step[]> {
        return this.run((opts) => this.stack.stack.refresh(opts));
    }
    async outputs(): Promise<Record<string, unknown>> {
        return Object.fromEntries(Object.entries(await this.stack.stack.outputs()).map(([k, v]) => [k, v.value]));
    }
    async close(): Promise<void> {
        await this.stack.stack.destroy();
        await this.stack.close();
    }
}

/** `--engine cli|harness` picks one; by default the real CLI when it is installed, else the harness. */
function pickEngine(): "cli" | "harness" {
    const i = process.argv.indexOf("--engine");
    const asked = i >= 0 ? process.argv[i + 1] : undefined;
    if (asked === "cli" || asked === "harness") return asked;
    if (asked !== undefined) throw new Error(`--engine ${asked}: use cli or harness`);
    return pulumiBin() ? "cli" : "harness";
}

function ops(steps: Step[]): string {
    const counts: Record<string, number> = {};
    for (const s of steps) counts[s.op] = (counts[s.op] ?? 0) + 1;
    const failed = steps.filter((s) => !s.ok);
    if (failed.length)
        throw new Error(`step failed: ${failed.map((f) => `${f.name}: ${f.error ?? JSON.stringify(f.failures)}`).join("; ")}`);
    return (
        Object.entries(counts)
            .map(([op, n]) => `${n} ${op}`)
            .join(", ") || "no changes"
    );
}

async function main(): Promise<void> {
    const emu: Emulator = await startEmulator({ seed: "demo" });
    const sp = emu.seed.servicePrincipalId;
    const paused = emu.seed.pausedJobId;
    const quarantined = emu.seed.quarantinedJobId;
    // DefaultAzureCredential, narrowed to the emulator's AZURE_* client (no IMDS probe, no az).
    // Polls every 0.5 s (default 5 s): the emulator's provisioning runs take 0.2 s.
    const env: NodeJS.ProcessEnv = {
        ...emu.environment(),
        AZURE_TOKEN_CREDENTIALS: "EnvironmentCredential",
        ENTRA_SYNC_POLL_INTERVAL_SECONDS: "0.5",
    };
    const engine = pickEngine();
    if (engine === "cli" && !pulumiBin()) throw new Error(`--engine cli: no Pulumi CLI installed; run ${PULUMI_INSTALL_COMMAND}`);
    const driver: Driver = engine === "cli" ? await CliDriver.start(env) : await HarnessDriver.start(env);

    const state = (jobId: string) => {
        const j = emu.job(sp, jobId)!;
        return j.quarantine ? `${j.statusCode} (${j.quarantine.reason})` : j.statusCode;
    };
    const jobs = () => `paused job: ${state(paused)}; quarantined job: ${state(quarantined)}`;
    const calls = () => {
        const g = emu.graphCalls();
        const tokens = emu.count({ kind: "token" });
        emu.clearLog();
        return `Graph calls: ${g.length}${g.length ? ` (${g.join(", ")})` : ""}${tokens ? `; token requests: ${tokens}` : ""}`;
    };
    const step = (n: number, title: string) => console.log(`\n${n}. ${title}`);
    const expect = (ok: boolean, what: string) => {
        if (!ok) throw new Error(`expected ${what}; ${jobs()}; Graph calls ${JSON.stringify(emu.graphCalls())}`);
    };

    try {
        console.log("pulumi-entra-sync demo: examples/basic against the built-in emulator");
        console.log(`emulator: ${emu.graphEndpoint} (Graph + Entra token endpoint), service principal ${sp}`);
        console.log(`engine: ${driver.name}`);
        if (engine === "harness" && !pulumiBin())
            console.log(`        (for the real Pulumi CLI: ${PULUMI_INSTALL_COMMAND}, then npm run demo again)`);
        console.log(`before: ${jobs()}`);

        step(1, "pulumi preview (new stack): check + diff only");
        console.log(`   plan: ${ops(await driver.preview({ secretVersion: "1" }))}`);
        expect(emu.graphCalls().length === 0, "no Graph call in preview");
        console.log(`   ${calls()}`);

        step(2, "pulumi up: starts both jobs");
        console.log(`   result: ${ops(await driver.up({ secretVersion: "1" }))}`);
        expect(emu.count({ kind: "start" }) === 2 && state(paused) === "Active" && state(quarantined) === "Active", "both jobs started");
        console.log(`   ${calls()}`);
        console.log(`   after: ${jobs()} (quarantine cleared)`);

        step(3, "pulumi up again, nothing changed");
        console.log(`   result: ${ops(await driver.up({ secretVersion: "1" }))}`);
        expect(emu.graphCalls().length === 0, "no Graph call for an unchanged up");
        console.log(`   ${calls()}`);

        step(4, "the provisioning secret rotates: triggers.secretVersion 1 -> 2");
        emu.setJobState(sp, paused, "Paused");
        console.log(`   (the paused job was paused again meanwhile: ${jobs()})`);
        console.log(`   preview: ${ops(await driver.preview({ secretVersion: "2" }))}; ${calls()}`);
        console.log(`   up: ${ops(await driver.up({ secretVersion: "2" }))}`);
        expect(emu.count({ kind: "start" }) === 1 && state(paused) === "Active", "one start, of the paused job");
        console.log(`   ${calls()}`);
        console.log("   (the paused job is started again; the running one is only read: startPolicy ifNotActive)");
        console.log(`   after: ${jobs()}`);

        step(5, "someone pauses the job in the Entra admin center; pulumi refresh");
        emu.setJobState(sp, paused, "Paused");
        console.log(`   refresh: ${ops(await driver.refresh())}`);
        expect(emu.count({ kind: "start" }) === 0, "refresh only reads");
        console.log(`   ${calls()}; state now says ${state(paused)}`);

        step(6, "pulumi up with ensureActive: true corrects the drift");
        console.log(`   result: ${ops(await driver.up({ secretVersion: "2" }))}`);
        expect(emu.count({ kind: "start" }) === 1 && state(paused) === "Active", "the drifted job started again");
        console.log(`   ${calls()}`);
        console.log(`   after: ${jobs()}`);

        step(7, "the attribute mappings change: restartTriggers.mappingsRevision 1 -> 2, waitFor: cycle");
        console.log(`   result: ${ops(await driver.up({ secretVersion: "2", mappingsRevision: "2", waitFor: "cycle" }))}`);
        const record = emu.job(sp, paused)!;
        // What the resource reported (the emulator's job may have run again since, incrementally).
        const run = (await driver.outputs()).lastRun as { state?: string; timeBegan?: string; countExported?: number } | undefined;
        expect(
            record.restarts === 1 &&
                emu.count({ kind: "start" }) === 0 &&
                run?.state === "Succeeded" &&
                Date.parse(run.timeBegan ?? "") >= record.startedAt!,
            "one restart, no start, and the run after it succeeded",
        );
        console.log(`   ${calls()}`);
        console.log(
            `   restart body resetScope: "${record.lastResetScope}"; the run after it (lastRun): ${run!.state}, ${run!.countExported} exported (a full run: the watermark was reset)`,
        );
        console.log("\ndemo finished: every step behaved as described.");
    } finally {
        await driver.close();
        await emu.close();
    }
}

main().then(
    () => process.exit(0),
    (e) => {
        console.error(`\ndemo failed: ${(e as Error).message}`);
        process.exit(1);
    },
);
