/**
 * The provider plugin `entrasync` under the real CLI: its tarball (made once per test run by `npm
 * run plugin:pack`'s script, shared by both mocha workers), installed the way users install it
 * (`pulumi plugin install resource entrasync <version> --file <tarball>`) into a PULUMI_HOME a test
 * file shares between its stacks, and the lifecycle every language's program goes through.
 */
import * as assert from "assert";
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Emulator } from "../../../emulator";
import { emulatorEnv } from "../../support/testEnv";
import { realEngineEnv } from "../../../harness";
import { PASSPHRASE, pulumiBin, REPO } from "./realEngine";

export const VERSION: string = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).version;

export const languages = require("../../../scripts/plugin/languages.js") as {
    pythonBin(): string | undefined;
    goProgram(): string | undefined;
    INSTALL_COMMAND: string;
};

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The plugin tarball of this run's dist/, packed once: the first worker to take the lock (an
 * atomic mkdir) packs, the other waits for the file.
 */
export async function pluginTarball(): Promise<string> {
    const dir = path.join(process.env.ENTRA_SYNC_TEST_DIR ?? os.tmpdir(), "plugin-pack");
    const done = path.join(dir, "tarball");
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    let packer = false;
    try {
        fs.mkdirSync(dir);
        packer = true;
    } catch {
        // Another worker packs.
    }
    if (packer) {
        const out = await new Promise<string>((resolve, reject) =>
            execFile(
                process.execPath,
                [path.join(REPO, "scripts", "plugin", "pack.js")],
                { cwd: REPO, maxBuffer: 16 * 1024 * 1024 },
                (err, stdout, stderr) => (err ? reject(new Error(`npm run plugin:pack failed: ${stderr}`)) : resolve(stdout.trim())),
            ),
        );
        const tarball = path.join(dir, path.basename(out));
        fs.renameSync(out, tarball);
        fs.writeFileSync(done, tarball);
    }
    for (let waited = 0; !fs.existsSync(done); waited += 200) {
        if (waited > 120_000) throw new Error(`no plugin tarball in ${dir} after 120 s (the other worker's pack failed?)`);
        await sleep(200);
    }
    return fs.readFileSync(done, "utf8");
}

/** A PULUMI_HOME with the plugin installed from its tarball by the CLI (what a user runs). */
export async function installedPluginHome(): Promise<{ home: string; output: string }> {
    const tarball = await pluginTarball();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "entrasync-home-"));
    const bin = pulumiBin()!;
    const output = execFileSync(path.join(bin, "pulumi"), ["plugin", "install", "resource", "entrasync", VERSION, "--file", tarball], {
        env: { ...process.env, ...realEngineEnv(home, bin, PASSPHRASE), PULUMI_HOME: home },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    });
    return { home, output };
}

/** The environment of a CLI run (or a program that drives it) with the plugin's PULUMI_HOME. */
export function pluginEnv(dir: string, emu: Emulator, home: string, extra: Record<string, string> = {}): Record<string, string> {
    return realEngineEnv(dir, pulumiBin()!, PASSPHRASE, { ...emulatorEnv(emu), PULUMI_HOME: home, ...extra });
}

/** What one program command reports: the update's resource changes and the stack's outputs. */
export interface CommandResult {
    resourceChanges?: Record<string, number>;
    outputs?: Record<string, unknown>;
}

export type Command = "up" | "refresh" | "destroy";
/** Runs a command of a language's program on `triggers`. */
export type Runner = (command: Command, triggers: Record<string, unknown>) => Promise<CommandResult>;

/**
 * The lifecycle every language's program goes through, with the Graph calls the dynamic resource
 * makes (README, "What each operation does"): create on a paused job (GET, POST start, GET); a
 * trigger change on a job paused meanwhile (the same three); refresh (one GET); destroy (none).
 */
export async function assertLifecycle(emu: Emulator, jobId: string, run: Runner): Promise<void> {
    const sp = emu.seed.servicePrincipalId;
    emu.clearLog();
    const created = await run("up", { rev: 1 });
    assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
    assert.deepStrictEqual(created.resourceChanges, { create: 2 });
    assert.deepStrictEqual(created.outputs, { status: "Active", startCount: 1, lastAction: "started" });
    assert.strictEqual(emu.job(sp, jobId)!.starts, 1);

    emu.setJobState(sp, jobId, "Paused");
    emu.clearLog();
    const updated = await run("up", { rev: 2 });
    assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
    assert.deepStrictEqual(updated.resourceChanges, { same: 1, update: 1 });
    assert.deepStrictEqual(updated.outputs, { status: "Active", startCount: 2, lastAction: "started" });
    assert.strictEqual(emu.job(sp, jobId)!.starts, 2);

    emu.clearLog();
    const unchanged = await run("up", { rev: 2 });
    assert.deepStrictEqual(emu.graphCalls(), []);
    assert.deepStrictEqual(unchanged.resourceChanges, { same: 2 });

    emu.setJobState(sp, jobId, "Paused");
    emu.clearLog();
    const refreshed = await run("refresh", { rev: 2 });
    assert.deepStrictEqual(emu.graphCalls(), ["GET getJob"]);
    assert.deepStrictEqual(refreshed.resourceChanges, { same: 2 });

    emu.clearLog();
    const destroyed = await run("destroy", { rev: 2 });
    assert.deepStrictEqual(emu.graphCalls(), []);
    assert.deepStrictEqual(destroyed.resourceChanges, { delete: 2 });
    assert.strictEqual(emu.job(sp, jobId)!.statusCode, "Paused", "destroy (onDelete none) leaves the job as it is");
}

/** Runs a program binary with a JSON request and parses its JSON answer (its stderr is in the error). */
export function runJsonProgram(file: string, args: string[], env: Record<string, string>): Promise<CommandResult> {
    return new Promise((resolve, reject) =>
        execFile(file, args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
            if (err) return reject(new Error(`${path.basename(file)} ${args.join(" ")} failed: ${stderr}\n${stdout}`));
            const last = stdout.trim().split("\n").pop()!;
            resolve(JSON.parse(last) as CommandResult);
        }),
    );
}
