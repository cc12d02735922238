import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Emulator } from "../../emulator";
import { Engine, packedConsumer, repoRoot, runProgram, scenarioEnv, startHost } from "../../harness";
import { emulatorEnv, startTestEmulator } from "../support/testEnv";

describe("package: npm pack, installed into a fresh consumer project", function () {
    this.timeout(300_000);
    let emu: Emulator;
    before(async () => (emu = await startTestEmulator()));
    after(async () => emu.close());

    it("ships only what the sources build to: every .js in the tarball has its .ts (no stale output shadows a module)", () => {
        // A stale dist/provider/graph.js (from before graph/ became a folder) once shadowed
        // graph/index.js, because require("./graph") tries graph.js first: `build` now prunes such orphans.
        const installed = path.join(packedConsumer().dir, "node_modules/pulumi-entra-sync");
        const shipped = (fs.readdirSync(path.join(installed, "dist"), { recursive: true }) as string[]).filter((f) => f.endsWith(".js"));
        const orphans = shipped.filter((f) => !fs.existsSync(path.join(repoRoot, f.replace(/\.js$/, ".ts"))));
        assert.ok(shipped.includes(path.join("provider", "graph", "session.js")), shipped.join(", "));
        assert.deepStrictEqual(orphans, []);
    });

    it("the build's prune removes outputs whose source is gone, and nothing else", () => {
        // What `build` runs after tsc, on a scratch package: graph.ts became graph/index.ts.
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "entra-sync-prune-"));
        try {
            const write = (file: string) => {
                fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
                fs.writeFileSync(path.join(root, file), "");
            };
            ["provider/graph/index.ts", "provider/jobs.ts"].forEach(write);
            const outputs = ["provider/graph/index", "provider/jobs", "provider/graph"].flatMap((base) =>
                [".js", ".js.map", ".d.ts", ".d.ts.map"].map((ext) => `dist/${base}${ext}`),
            );
            outputs.forEach(write);
            execFileSync(process.execPath, [path.join(repoRoot, "scripts", "prune-dist.js"), root]);
            const left = (fs.readdirSync(path.join(root, "dist"), { recursive: true }) as string[])
                .filter((f) => fs.statSync(path.join(root, "dist", f)).isFile())
                .map((f) => `dist/${f.split(path.sep).join("/")}`)
                .sort();
            assert.deepStrictEqual(left, outputs.filter((f) => !/^dist\/provider\/graph\./.test(f)).sort());
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("creates a SyncJobStart through the real provider host; __provider is a small require of the package", async () => {
        const consumer = packedConsumer();
        const resources = [1, 2, 3].map((i) => ({
            name: `job${i}`,
            args: {
                servicePrincipalId: emu.seed.servicePrincipalId,
                jobId: emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" }).id,
                triggers: { i },
            },
        }));
        const program = await runProgram(consumer.program, "up", scenarioEnv({ resources }));
        assert.strictEqual(program.error, undefined);
        const provider = program.resources[0].inputs.__provider as string;
        assert.ok(provider.includes('require("pulumi-entra-sync/dist/provider/provider.js")'), provider);
        assert.ok(Buffer.byteLength(provider) <= 512, `__provider is ${Buffer.byteLength(provider)} bytes`);
        assert.ok(
            program.resources.every((r) => r.inputs.__provider === provider),
            "one serialized provider shared by all resources",
        );
        console.log(
            `      packed tarball ${consumer.tarballBytes} bytes; serialized __provider ${Buffer.byteLength(provider)} bytes per resource`,
        );

        const host = await startHost({ programDir: consumer.dir, env: emulatorEnv(emu) });
        try {
            const steps = await new Engine(host).up(program);
            assert.deepStrictEqual(
                steps.map((s) => `${s.op} ${s.ok}`),
                ["create true", "create true", "create true"],
            );
            assert.strictEqual(emu.count({ kind: "start" }), 3);
            assert.strictEqual(emu.count({ kind: "token" }), 1);
        } finally {
            await host.stop();
        }
    });
});
