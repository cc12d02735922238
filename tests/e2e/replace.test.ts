/**
 * Replace, deleteBeforeReplace, a rename with aliases, and onDelete "pause" under each, through the
 * real engine: the order of the engine's steps decides whether a delete may pause a job that
 * another resource has just started.
 */
import * as assert from "assert";
import { Emulator } from "../../emulator";
import { startTestEmulator } from "../support/testEnv";
import { RealStack, requireRealEngine, ScenarioProgram } from "./support/realEngine";

describe("real engine: replace, deleteBeforeReplace, rename, onDelete pause", function () {
    this.timeout(180_000);
    let emu: Emulator;
    let stack: RealStack;
    const program = new ScenarioProgram();
    before(function () {
        requireRealEngine(this);
    });
    beforeEach(async () => {
        emu = await startTestEmulator();
        stack = await RealStack.create({ emu, program: program.program });
    });
    afterEach(async () => {
        await stack?.close();
        await emu?.close();
    });
    const sp = () => emu.seed.servicePrincipalId;
    const calls = (jobId: string) => emu.filter({ jobId }).map((e) => `${e.method} ${e.kind}`);

    it("a new jobId replaces create-before-delete: the new job starts, the old one is paused (onDelete pause), each once", async () => {
        const a = emu.addJob(sp(), { state: "Paused" });
        const b = emu.addJob(sp(), { state: "Paused" });
        program.set([{ name: "sync", args: { servicePrincipalId: sp(), jobId: a.id, triggers: 1, onDelete: "pause" } }]);
        await stack.stack.up();
        emu.clearLog();
        program.set([{ name: "sync", args: { servicePrincipalId: sp(), jobId: b.id, triggers: 1, onDelete: "pause" } }]);
        const events: string[] = [];
        const result = await stack.stack.up({
            onEvent: (e) => {
                if (e.resOutputsEvent?.metadata.urn.endsWith("::sync")) events.push(e.resOutputsEvent.metadata.op);
            },
        });
        // The stack resource itself is counted as "same".
        assert.deepStrictEqual(result.summary.resourceChanges, { replace: 1, same: 1 });
        assert.deepStrictEqual(events, ["create-replacement", "replace", "delete-replaced"]);
        assert.deepStrictEqual(calls(b.id), ["GET getJob", "POST start", "GET getJob"]);
        assert.deepStrictEqual(calls(a.id), ["POST pause"]);
        assert.deepStrictEqual([a.statusCode, b.statusCode, b.starts], ["Paused", "Active", 1]);
    });

    it("deleteBeforeReplace: the old resource is deleted first (its job paused), then the new one created", async () => {
        const a = emu.addJob(sp(), { state: "Paused" });
        const b = emu.addJob(sp(), { state: "Paused" });
        const opts = { deleteBeforeReplace: true };
        program.set([{ name: "sync", args: { servicePrincipalId: sp(), jobId: a.id, triggers: 1, onDelete: "pause" }, opts }]);
        await stack.stack.up();
        emu.clearLog();
        program.set([{ name: "sync", args: { servicePrincipalId: sp(), jobId: b.id, triggers: 1, onDelete: "pause" }, opts }]);
        await stack.stack.up();
        const order = emu
            .filter({})
            .filter((e) => e.jobId)
            .map((e) => `${e.method} ${e.kind} ${e.jobId === a.id ? "old" : "new"}`);
        assert.deepStrictEqual(order, ["POST pause old", "GET getJob new", "POST start new", "GET getJob new"]);
    });

    it("a replace that keeps the job (the servicePrincipalId's GUID in upper case: Graph matches it in any case): the delete does not pause what the create just started", async () => {
        const a = emu.addJob(sp(), { state: "Paused" });
        program.set([{ name: "sync", args: { servicePrincipalId: sp(), jobId: a.id, triggers: 1, onDelete: "pause" } }]);
        await stack.stack.up();
        emu.clearLog();
        // Same job, named with the upper-case GUID: a replace (servicePrincipalId changed) of the same job.
        program.set([{ name: "sync", args: { servicePrincipalId: sp().toUpperCase(), jobId: a.id, triggers: 2, onDelete: "pause" } }]);
        const result = await stack.stack.up();
        assert.deepStrictEqual(result.summary.resourceChanges, { replace: 1, same: 1 });
        assert.deepStrictEqual(calls(a.id), ["GET getJob"]);
        assert.deepStrictEqual([a.statusCode, a.starts], ["Active", 1]);
    });

    it("a rename with aliases is an update of the same resource: no call; without aliases it is a create and a delete that leaves the job running", async () => {
        const a = emu.addJob(sp(), { state: "Paused" });
        program.set([{ name: "old-name", args: { servicePrincipalId: sp(), jobId: a.id, triggers: 1, onDelete: "pause" } }]);
        await stack.stack.up();
        emu.clearLog();
        program.set([
            {
                name: "new-name",
                args: { servicePrincipalId: sp(), jobId: a.id, triggers: 1, onDelete: "pause" },
                opts: { aliases: [{ name: "old-name" }] },
            },
        ]);
        const aliased = await stack.stack.up();
        assert.deepStrictEqual(aliased.summary.resourceChanges, { same: 2 });
        assert.deepStrictEqual(emu.graphCalls(), []);

        program.set([{ name: "third-name", args: { servicePrincipalId: sp(), jobId: a.id, triggers: 1, onDelete: "pause" } }]);
        let output = "";
        const renamed = await stack.stack.up({ onOutput: (s) => (output += s) });
        assert.deepStrictEqual(renamed.summary.resourceChanges, { create: 1, delete: 1, same: 1 });
        assert.deepStrictEqual(calls(a.id), ["GET getJob"]);
        assert.deepStrictEqual([a.statusCode, a.starts], ["Active", 1]);
        assert.match(output, /did not pause/);
    });

    it("pulumi destroy with onDelete pause pauses the job once; an already missing job is fine", async () => {
        const a = emu.addJob(sp(), { state: "Paused" });
        const gone = emu.addJob(sp(), { state: "Paused" });
        program.set([
            { name: "sync", args: { servicePrincipalId: sp(), jobId: a.id, triggers: 1, onDelete: "pause" } },
            { name: "gone", args: { servicePrincipalId: sp(), jobId: gone.id, triggers: 1, onDelete: "pause" } },
        ]);
        await stack.stack.up();
        emu.deleteJob(sp(), gone.id);
        emu.clearLog();
        const result = await stack.stack.destroy();
        assert.deepStrictEqual(result.summary.resourceChanges, { delete: 3 });
        assert.deepStrictEqual(calls(a.id), ["POST pause"]);
        assert.deepStrictEqual(calls(gone.id), ["POST pause"]);
        assert.strictEqual(a.statusCode, "Paused");
    });
});
