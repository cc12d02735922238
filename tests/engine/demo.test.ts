/** `npm run demo` on the harness (our model of the engine): every step as described, exit 0. */
import * as assert from "assert";
import { DEMO_STEP_LINES, runDemo } from "../support/demo";

describe("npm run demo -- --engine harness", function () {
    this.timeout(180_000);
    it("runs every step against the emulator on the harness and says so", async () => {
        const { code, output } = await runDemo("harness");
        assert.strictEqual(code, 0, output);
        assert.match(
            output,
            /\nengine: engine-protocol harness \(our model of the engine, over the real @pulumi\/pulumi provider host\)\n/,
        );
        for (const line of DEMO_STEP_LINES) assert.match(output, line);
    });
});
