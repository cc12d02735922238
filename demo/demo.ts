/**
 * npm run demo: deploys examples/basic against the built-in emulator and shows, step by step, what
 * SyncJobStart does and which Graph calls it makes. Uses the pulumi CLI when it is on PATH (file
 * backend in a temp folder), else the engine-protocol harness over the real provider host.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Emulator, startEmulator } from "../emulator";
import { Stack, Step } from "../harness";

const ROOT = path.resolve(__dirname, "..");
const PROGRAM = path.join(ROOT, "examples/basic/index.ts");
const PROJECT = "entra-sync-basic";

interface Driver {
    readonly name: string;
    preview(config: Record<string, string>): Promise<Step[]>;
    up(config: Record<string, string>): Promise<Step[]>;
    refresh(): Promise<Step[]>;
    close(): Promise<void>;
}

/** The engine-protocol harness: the program under setMocks, the real provider host over gRPC. */
class HarnessDriver implements Driver {
    readonly name = "engine-protocol harness (real @pulumi/pulumi provider host over gRPC; no pulumi CLI on PATH)";
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
    close(): Promise<void> {
        return this.stack.stop();
    }
}

/** The real pulumi CLI through the Automation API, with a file backend in a temp folder. */
class CliDriver implements Driver {
    readonly name = "pulumi CLI (Automation API, file:// backend in a temp folder)";
    private constructor(
        private readonly stack: import("@pulumi/pulumi/automation").Stack,
        private readonly backend: string,
    ) {}
    static async start(env: NodeJS.ProcessEnv): Promise<CliDriver> {
        const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
        const backend = fs.mkdtempSync(path.join(os.tmpdir(), "entra-sync-demo-state-"));
        Object.assign(process.env, env, { PULUMI_CONFIG_PASSPHRASE: "demo-only-passphrase", PULUMI_SKIP_UPDATE_CHECK: "true" });
        const stack = await LocalWorkspace.createOrSelectStack(
            { stackName: "demo", workDir: ROOT },
            {
                envVars: { PULUMI_BACKEND_URL: `file://${backend}` },
            },
        );
        return new CliDriver(stack, backend);
    }
    private async config(config: Record<string, string>): Promise<void> {
        for (const [k, v] of Object.entries(config)) await this.stack.setConfig(k, { value: v });
    }
    private static steps(summary: Record<string, number> | undefined): Step[] {
        return Object.entries(summary ?? {}).flatMap(([op, n]) =>
            Array.from({ length: n }, () => ({ name: "", op: op as Step["op"], ok: true })),
        );
    }
    async preview(config: Record<string, string>): Promise<Step[]> {
        await this.config(config);
        return CliDriver.steps((await this.stack.preview()).changeSummary);
    }
    async up(config: Record<string, string>): Promise<Step[]> {
        await this.config(config);
        return CliDriver.steps((await this.stack.up()).summary.resourceChanges);
    }
    async refresh(): Promise<Step[]> {
        return CliDriver.steps((await this.stack.refresh()).summary.resourceChanges);
    }
    async close(): Promise<void> {
        await this.stack.destroy();
        fs.rmSync(this.backend, { recursive: true, force: true });
    }
}

function onPath(cmd: string): boolean {
    try {
        execFileSync(cmd, ["version"], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
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
    const driver: Driver = onPath("pulumi") ? await CliDriver.start(env) : await HarnessDriver.start(env);

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
        const run = record.runs.last;
        expect(
            record.restarts === 1 && emu.count({ kind: "start" }) === 0 && run?.state === "Succeeded" && run.timeBegan >= record.startedAt!,
            "one restart, no start, and the run after it succeeded",
        );
        console.log(`   ${calls()}`);
        console.log(
            `   restart body resetScope: "${record.lastResetScope}"; the run after it: ${run!.state}, ${run!.counts.exported} exported (a full run: the watermark was reset)`,
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
