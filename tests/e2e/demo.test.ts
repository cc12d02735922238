/** `npm run demo` on the real Pulumi CLI: every step as described, exit 0, and it names the CLI. */
import * as assert from "assert";
import { pinnedPulumiVersion } from "../../harness";
import { DEMO_STEP_LINES, runDemo } from "../support/demo";
import { requireRealEngine } from "./support/realEngine";

describe("npm run demo -- --engine cli (the real Pulumi CLI)", function () {
    this.timeout(180_000);
    before(function () {
        requireRealEngine(this);
    });
    it("runs every step against the emulator through the CLI and says which", async () => {
        const { code, output } = await runDemo("cli");
        assert.strictEqual(code, 0, output);
        assert.ok(
            output.includes(`\nengine: pulumi CLI ${pinnedPulumiVersion()} (built from Go modules by npm run pulumi:install;`),
            output,
        );
        for (const line of DEMO_STEP_LINES) assert.match(output, line);
        // One provider host per command, each with its own token.
        assert.match(output, /2\. pulumi up: starts both jobs\n {3}result: 2 create\n {3}Graph calls: 6 \([^)]*\); token requests: 1\n/);
    });
});
