/**
 * Pulumi's resource options on SyncJobStart under the real engine: --target, ignoreChanges,
 * replaceOnChanges, protect, retainOnDelete, the import option and customTimeouts. Each decides
 * which calls the provider gets, so each is pinned by the Graph calls the emulator saw. The `it`s
 * share one stack and run in order (each starts from the state the one before left).
 */
import * as assert from "assert";
import { Emulator, JobRecord } from "../../emulator";
import { startTestEmulator } from "../support/testEnv";
import { RealStack, requireRealEngine, ScenarioProgram } from "./support/realEngine";
import { storedResource, storedResources } from "./support/storedState";

describe("real engine: resource options (--target, ignoreChanges, replaceOnChanges, protect, retainOnDelete, import, customTimeouts)", function () {
    this.timeout(180_000);
    let emu: Emulator;
    let stack: RealStack;
    let a: JobRecord;
    let b: JobRecord;
    const program = new ScenarioProgram();
    before(async function () {
        requireRealEngine(this);
        emu = await startTestEmulator();
        stack = await RealStack.create({ emu, program: program.program });
        a = emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" });
        b = emu.addJob(emu.seed.servicePrincipalId, { state: "Paused" });
    });
    after(async () => {
        await stack?.close();
        await emu?.close();
    });
    const sp = () => emu.seed.servicePrincipalId;
    const calls = (jobId: string) => emu.filter({ jobId }).map((e) => `${e.method} ${e.kind}`);
    const args = (jobId: string, triggers: number) => ({ servicePrincipalId: sp(), jobId, triggers, onDelete: "pause" });
    /** Each SyncJobStart's step (by name) from the engine's events. */
    const opsOf = async (run: (onEvent: (e: import("@pulumi/pulumi/automation").EngineEvent) => void) => Promise<unknown>) => {
        const ops: Record<string, string> = {};
        await run((e) => {
            const meta = e.resOutputsEvent?.metadata;
            if (meta?.type.startsWith("pulumi-nodejs:dynamic/")) ops[meta.urn.split("::").pop()!] = meta.op;
        });
        return ops;
    };
    const triggersInState = () =>
        Object.fromEntries(
            storedResources(stack)
                .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"))
                .map((r) => [r.urn.split("::").pop(), r.inputs!.triggers]),
        );
    const failure = (p: Promise<unknown>) =>
        p.then(
            () => assert.fail("the command succeeded"),
            (e: Error) => e,
        );

    it("--target A with A and B both changed: only A updates (only A's job is called and started); B keeps its old inputs", async () => {
        program.set([
            { name: "a", args: args(a.id, 1) },
            { name: "b", args: args(b.id, 1) },
        ]);
        await stack.stack.up();
        const urnA = storedResource(stack, "a")!.urn;
        emu.setJobState(sp(), a.id, "Paused");
        emu.setJobState(sp(), b.id, "Paused");
        emu.clearLog();
        program.set([
            { name: "a", args: args(a.id, 2) },
            { name: "b", args: args(b.id, 2) },
        ]);
        const targeted = await stack.stack.up({ target: [urnA] });
        assert.deepStrictEqual(targeted.summary.resourceChanges, { same: 2, update: 1 });
        assert.deepStrictEqual(calls(a.id), ["GET getJob", "POST start", "GET getJob"]);
        assert.deepStrictEqual(calls(b.id), []);
        assert.deepStrictEqual([a.starts, b.starts, b.statusCode], [2, 1, "Paused"]);
        assert.deepStrictEqual(triggersInState(), { a: 2, b: 1 });
    });

    it("ignoreChanges ['triggers']: a trigger change is `same`, no call; replaceOnChanges ['triggers']: an `update` (the dynamic host reports no detailed diff), not a replace", async () => {
        emu.clearLog();
        program.set([
            { name: "a", args: args(a.id, 3), opts: { ignoreChanges: ["triggers"] } },
            { name: "b", args: args(b.id, 3), opts: { replaceOnChanges: ["triggers"] } },
        ]);
        const ops = await opsOf((onEvent) => stack.stack.up({ onEvent }));
        assert.deepStrictEqual(ops, { a: "same", b: "update" });
        assert.deepStrictEqual(calls(a.id), []);
        // b was left Paused by the targeted up: the update starts it.
        assert.deepStrictEqual(calls(b.id), ["GET getJob", "POST start", "GET getJob"]);
        // ignoreChanges keeps the old value in state too.
        assert.deepStrictEqual(triggersInState(), { a: 2, b: 3 });
    });

    it("protect: destroy deletes the plain one (its job paused), refuses the protected one (no call), fails, and leaves it in state", async () => {
        program.set([
            { name: "a", args: args(a.id, 2), opts: { protect: true } },
            { name: "b", args: args(b.id, 3) },
        ]);
        await stack.stack.up();
        emu.clearLog();
        const error = await failure(stack.stack.destroy());
        const urnA = "urn:pulumi:e2e::entra-sync-e2e::pulumi-nodejs:dynamic/entra-sync:SyncJobStart::a";
        assert.ok(
            error.message.includes(
                `  pulumi-nodejs:dynamic/entra-sync:SyncJobStart (a):\n    error: resource "${urnA}" cannot be deleted\n    because it is protected. To unprotect the resource, either remove the \`protect\` flag from the resource in your Pulumi program and run \`pulumi up\`, or use the command:\n    \`pulumi state unprotect '${urnA}'\``,
            ),
            error.message,
        );
        assert.match(error.message, /Resources:\n {4}- 1 deleted\n {4}2 errored/);
        assert.deepStrictEqual(calls(a.id), []);
        assert.deepStrictEqual(calls(b.id), ["POST pause"]);
        assert.deepStrictEqual([a.statusCode, b.statusCode], ["Active", "Paused"]);
        const left = storedResources(stack).map((r) => [r.type, r.protect ?? false]);
        assert.deepStrictEqual(left, [
            ["pulumi:pulumi:Stack", false],
            ["pulumi:providers:pulumi-nodejs", false],
            ["pulumi-nodejs:dynamic/entra-sync:SyncJobStart", true],
        ]);
    });

    it("retainOnDelete with onDelete 'pause': after an up that records it, destroy calls nothing and empties the stack; the job keeps running", async () => {
        program.set([{ name: "a", args: args(a.id, 2), opts: { retainOnDelete: true } }]);
        emu.clearLog();
        const up = await stack.stack.up();
        // Only the options changed (protect off, retainOnDelete on): no provider step beyond `same`.
        assert.deepStrictEqual(up.summary.resourceChanges, { same: 2 });
        assert.strictEqual(storedResource(stack, "a")!.retainOnDelete, true);
        const destroyed = await stack.stack.destroy();
        assert.deepStrictEqual(destroyed.summary.resourceChanges, { delete: 2 });
        assert.deepStrictEqual(emu.graphCalls(), []);
        assert.deepStrictEqual(storedResources(stack), []);
        assert.strictEqual(a.statusCode, "Active");
    });

    it("the import option: the engine's read gets the id without a serialized provider, and the dynamic host fails with `code must be a string, not undefined` before any Graph call; declaring the resource without import adopts the running job with one read", async () => {
        const running = emu.addJob(sp(), { state: "Active" });
        emu.clearLog();
        const resource = { name: "c", args: { servicePrincipalId: sp(), jobId: running.id, triggers: 1 } };
        program.set([{ ...resource, opts: { import: running.id } }]);
        let output = "";
        const error = await failure(stack.stack.up({ onOutput: (s) => (output += s) }));
        assert.ok(
            error.message.includes(
                "  pulumi-nodejs:dynamic/entra-sync:SyncJobStart (c):\n    error: code must be a string, not undefined\n",
            ),
            error.message,
        );
        // The host's stack trace (printed as the stack's diagnostics) shows where: read() → getProvider(undefined).
        assert.match(output, /at getProvider \(.*dynamic-provider.*\n.*at ResourceProviderService\.read /);
        assert.deepStrictEqual(emu.graphCalls(), []);
        assert.strictEqual(storedResource(stack, "c"), undefined);

        // What users write instead: the resource without `import`. Under startPolicy ifNotActive it only reads.
        program.set([resource]);
        const adopted = await stack.stack.up();
        assert.deepStrictEqual(adopted.summary.resourceChanges, { create: 1, same: 1 });
        assert.deepStrictEqual(calls(running.id), ["GET getJob"]);
        assert.deepStrictEqual([running.starts, storedResource(stack, "c")!.outputs!.lastAction], [0, "skipped"]);
    });

    it("customTimeouts { create: '1s' } never reaches the provider: a create whose start the emulator holds 2.5 s, waitFor 'active', succeeds", async () => {
        const slow = emu.addJob(sp(), { state: "Paused" });
        const release = emu.inject({ fault: { kind: "latency", ms: 2500 }, routes: ["start"] });
        emu.clearLog();
        program.set([
            {
                name: "slow",
                args: { servicePrincipalId: sp(), jobId: slow.id, triggers: 1, waitFor: "active" },
                opts: { customTimeouts: { create: "1s" } },
            },
        ]);
        const up = await stack.stack.up();
        release();
        // c leaves the program (deleted: onDelete defaults to "none", no call), slow is created.
        assert.deepStrictEqual(up.summary.resourceChanges, { create: 1, delete: 1, same: 1 });
        assert.deepStrictEqual(calls(slow.id), ["GET getJob", "POST start", "GET getJob"]);
        assert.deepStrictEqual([slow.statusCode, slow.starts, storedResource(stack, "slow")!.outputs!.status], ["Active", 1, "Active"]);
    });
});
