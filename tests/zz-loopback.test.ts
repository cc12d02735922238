import * as assert from "assert";
import * as fs from "fs";
import * as net from "net";

// Runs last: every process of the run (this one, provider hosts, programs) logged blocked
// connections to ENTRA_SYNC_LOOPBACK_LOG; there must be none.
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
        fs.writeFileSync(log, lines.filter((l) => !l.includes("guard-check.invalid")).join("\n"));
    });

    it("no request of the whole run left loopback", () => {
        const blocked = fs.readFileSync(process.env.ENTRA_SYNC_LOOPBACK_LOG!, "utf8").trim();
        assert.strictEqual(blocked, "", `connections outside 127.0.0.1 were attempted:\n${blocked}`);
    });
});
