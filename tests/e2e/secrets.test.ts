/**
 * Secrets in triggers under the real engine: pulumi.secret(...) around the whole triggers and a
 * secret nested in a plain object. The state file holds ciphertext only, the outputs stay secret
 * through up and refresh, nothing secret reaches the CLI's stdout or stderr, and
 * `pulumi stack export --show-secrets` gives the plaintext back.
 */
import * as assert from "assert";
import { Emulator } from "../../emulator";
import { startTestEmulator } from "../support/testEnv";
import { RealStack, requireRealEngine, ScenarioProgram } from "./support/realEngine";
import { storedResources } from "./support/storedState";

/** The engine's marker of a secret value (resource.SecretSig). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";
/** A secret as the file backend stores it: the marker and a passphrase ciphertext. */
const isSecretValue = (v: unknown) =>
    (v as Record<string, unknown>)?.[SECRET_SIG] === SECRET_VALUE && /^v1:/.test(String((v as { ciphertext?: unknown }).ciphertext));

describe("real engine: secrets in triggers (state, outputs, CLI output, --show-secrets)", function () {
    this.timeout(180_000);
    let emu: Emulator;
    let stack: RealStack;
    const program = new ScenarioProgram();
    // Plaintexts that must appear nowhere but in --show-secrets.
    const WHOLE = "whole-triggers-plaintext-7f3a";
    const NESTED = "nested-secret-plaintext-91c2";
    before(function () {
        requireRealEngine(this);
    });
    after(async () => {
        await stack?.close();
        await emu?.close();
    });

    it("up, refresh and destroy: ciphertext only in state, secret outputs, no plaintext on stdout/stderr; --show-secrets gives it back", async () => {
        emu = await startTestEmulator();
        stack = await RealStack.create({ emu, program: program.program });
        const sp = emu.seed.servicePrincipalId;
        const whole = emu.addJob(sp, { state: "Paused" });
        const nested = emu.addJob(sp, { state: "Paused" });
        program.set([
            { name: "whole", args: { servicePrincipalId: sp, jobId: whole.id, triggers: { rotation: WHOLE } }, secretTriggers: true },
            {
                name: "nested",
                args: {
                    servicePrincipalId: sp,
                    jobId: nested.id,
                    triggers: { plain: "visible", inner: { value: NESTED } },
                    onDelete: "pause",
                },
                secretPaths: ["triggers.inner.value"],
            },
        ]);
        const leaks = (where: string, text: string) => {
            for (const secret of [WHOLE, NESTED, emu.clientSecret, ...emu.issuedTokens()]) {
                assert.ok(!text.includes(secret), `${where} holds a secret (${secret.slice(0, 6)}…)`);
            }
        };

        let out = "";
        let err = "";
        const up = await stack.stack.up({ onOutput: (s) => (out += s), onError: (s) => (err += s) });
        assert.deepStrictEqual(up.summary.resourceChanges, { create: 3 });
        assert.deepStrictEqual([whole.starts, nested.starts], [1, 1]);
        leaks("up's stdout", out);
        leaks("up's stderr", err);

        const checkState = (when: string) => {
            const text = stack.stateFileText();
            leaks(`the state file after ${when}`, text);
            const byName = Object.fromEntries(storedResources(stack).map((r) => [r.urn.split("::").pop(), r]));
            // The whole triggers: one ciphertext, in inputs and outputs.
            assert.ok(isSecretValue(byName.whole.inputs!.triggers), JSON.stringify(byName.whole.inputs!.triggers));
            assert.ok(isSecretValue(byName.whole.outputs!.triggers), `${when}: ${JSON.stringify(byName.whole.outputs!.triggers)}`);
            // The nested secret: the whole triggers object is stored as one ciphertext (its plain part too), in inputs and outputs.
            assert.ok(isSecretValue(byName.nested.inputs!.triggers), JSON.stringify(byName.nested.inputs!.triggers));
            assert.ok(isSecretValue(byName.nested.outputs!.triggers), `${when}: ${JSON.stringify(byName.nested.outputs!.triggers)}`);
            assert.ok(!text.includes("visible"));
            // Other outputs stay plain.
            assert.deepStrictEqual([byName.whole.outputs!.status, byName.nested.outputs!.status], ["Active", "Active"]);
        };
        checkState("up");
        // Other outputs do not become secret: the stack's exports (status, startCount, lastAction) are plain.
        const exported = await stack.stack.outputs();
        assert.deepStrictEqual(Object.fromEntries(Object.entries(exported).map(([k, v]) => [k, v.secret])), {
            whole: false,
            nested: false,
        });

        // refresh and destroy through the CLI itself: both streams captured.
        const refresh = await stack.cli(["refresh", "--yes", "--skip-preview"]);
        assert.strictEqual(refresh.code, 0, refresh.stderr);
        leaks("refresh's stdout", refresh.stdout);
        leaks("refresh's stderr", refresh.stderr);
        checkState("refresh");

        const shown = await stack.cli(["stack", "export", "--show-secrets"]);
        assert.strictEqual(shown.code, 0, shown.stderr);
        const plain = JSON.parse(shown.stdout) as { deployment: { resources: { urn: string; outputs?: Record<string, unknown> }[] } };
        const plainOf = (name: string) => plain.deployment.resources.find((r) => r.urn.endsWith(`::${name}`))!.outputs!.triggers;
        // --show-secrets keeps the secret marker and puts the plaintext (JSON) beside it.
        const shownSecret = (value: unknown) => ({ [SECRET_SIG]: SECRET_VALUE, plaintext: JSON.stringify(value) });
        assert.deepStrictEqual(
            [plainOf("whole"), plainOf("nested")],
            [shownSecret({ rotation: WHOLE }), shownSecret({ inner: { value: NESTED }, plain: "visible" })],
        );

        emu.clearLog();
        const destroy = await stack.cli(["destroy", "--yes", "--skip-preview"]);
        assert.strictEqual(destroy.code, 0, destroy.stderr);
        leaks("destroy's stdout", destroy.stdout);
        leaks("destroy's stderr", destroy.stderr);
        assert.deepStrictEqual(emu.graphCalls(), ["POST pause"]);
        assert.deepStrictEqual(storedResources(stack), []);
    });
});
