import * as assert from "assert";
import * as fs from "fs";
import * as net from "net";

// Every process of the run (mocha's workers, provider hosts, programs, npm) loads the guard and
// logs each connection it refused to ENTRA_SYNC_LOOPBACK_LOG; tests/run.ts fails the run if, after
// every process ended, the log holds any line but this test's own.
describe("network", () => {
    it("the loopback guard refuses a connection that would leave the machine", async () => {
        const err = await new Promise<Error>((resolve) => {
            const s = net.connect(443, "guard-check.invalid");
            s.on("error", resolve);
            s.on("connect", () => resolve(new Error("connected")));
        });
        assert.match(err.message, /loopback guard: connection to guard-check\.invalid refused/);
        const log = process.env.ENTRA_SYNC_LOOPBACK_LOG!;
        const lines = fs.readFileSync(log, "utf8").split("\n").filter(Boolean);
        assert.ok(lines.some((l) => l.includes("guard-check.invalid")));
    });
});
