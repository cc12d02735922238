import * as assert from "assert";
import * as fc from "fast-check";
import { ConcurrencyController, Limiter, MAX_HOLD_MS, Slot, throttlePercentageOf } from "../../provider/graph/limiter";

/** Feeds `n` answers of `latencyMs`, each with the limit's worth in flight, one ms apart. */
function feed(c: ConcurrencyController, n: number, latencyMs: number, status = 200, start = 0): number {
    let now = start;
    for (let i = 0; i < n; i++) c.observe({ status, latencyMs }, (now += 1), Math.ceil(c.limit));
    return now;
}

describe("limiter: the adaptive limit (controller)", () => {
    it("starts at 64 (or the cap when lower), grows under flat latency (slow start) up to the cap", () => {
        const c = new ConcurrencyController(256);
        assert.strictEqual(c.limit, 64);
        feed(c, 64, 50);
        assert.strictEqual(c.limit, 128);
        feed(c, 1000, 50);
        assert.strictEqual(c.limit, 256);
        assert.strictEqual(new ConcurrencyController(16).limit, 16);
    });

    it("does not grow while the limit is not what holds requests back", () => {
        const c = new ConcurrencyController(256);
        for (let i = 0; i < 100; i++) c.observe({ status: 200, latencyMs: 50 }, i, 31);
        assert.strictEqual(c.limit, 64);
    });

    it("halves on 429, 503 and 504, once per round; holds the slot for Retry-After", () => {
        for (const status of [429, 503, 504]) {
            const c = new ConcurrencyController(256, 64);
            assert.strictEqual(c.observe({ status, latencyMs: 10, retryAfterMs: 2000 }, 1000, 64), 2000);
            assert.strictEqual(c.limit, 32);
            // Sent before the cut: same round, no second cut; the slot is still held (1 s without Retry-After).
            assert.strictEqual(c.observe({ status, latencyMs: 10 }, 1005, 64), 1000);
            assert.strictEqual(c.limit, 32);
            // Sent after the cut: a new round.
            c.observe({ status, latencyMs: 10 }, 1020, 32);
            assert.strictEqual(c.limit, 16);
        }
    });

    it("halves on x-ms-throttle-limit-percentage of 0.8 or more (once per round), frees the slot at once, and ends slow start; below 0.8 it grows", () => {
        const c = new ConcurrencyController(256, 64);
        assert.strictEqual(c.observe({ status: 200, latencyMs: 10, throttlePercentage: 0.79 }, 1000, 64), 0);
        assert.strictEqual(c.limit, 65);
        assert.strictEqual(c.observe({ status: 200, latencyMs: 10, throttlePercentage: 0.8 }, 1001, 65), 0);
        assert.strictEqual(c.limit, 32);
        c.observe({ status: 200, latencyMs: 10, throttlePercentage: 1.4 }, 1002, 32);
        assert.strictEqual(c.limit, 32, "sent before the cut: same round");
        c.observe({ status: 200, latencyMs: 10, throttlePercentage: 1.4 }, 1020, 32);
        assert.strictEqual(c.limit, 16);
        feed(c, 16, 10, 200, 2000);
        assert.ok(c.limit > 16.9 && c.limit < 17.1, `additive growth after the warning, not slow start: ${c.limit}`);
        assert.deepStrictEqual(
            [" 0.95", "1.8", "", "x", "-1", null].map((v) =>
                throttlePercentageOf(new Headers(v === null ? {} : { "x-ms-throttle-limit-percentage": v })),
            ),
            [0.95, 1.8, undefined, undefined, undefined, undefined],
        );
    });

    it("holds a throttled slot at most MAX_HOLD_MS, however long Retry-After is", () => {
        const c = new ConcurrencyController(256, 64);
        assert.strictEqual(c.observe({ status: 429, latencyMs: 10, retryAfterMs: 3_600_000 }, 1000, 64), MAX_HOLD_MS);
        assert.strictEqual(MAX_HOLD_MS, 10_000);
    });

    it("after a cut grows by about one per round (additive), not by doubling", () => {
        const c = new ConcurrencyController(256, 32);
        c.observe({ status: 429, latencyMs: 1 }, 100, 32);
        assert.strictEqual(c.limit, 16);
        feed(c, 16, 50, 200, 200);
        assert.ok(c.limit > 16.9 && c.limit < 17.1, String(c.limit));
    });

    it("latency 3× the best seen cuts by a tenth, once per round; 1.5× stops growth without a cut", () => {
        const c = new ConcurrencyController(1000, 100);
        let now = feed(c, 60, 50);
        assert.strictEqual(c.limit, 160);
        // The 1st slow answer still grows (the average has not moved yet), the 7th crosses 3×: one cut.
        now = feed(c, 30, 400, 200, now + 1000);
        assert.strictEqual(c.limit, Math.floor(161 * 0.9));

        const d = new ConcurrencyController(1000, 100);
        now = feed(d, 60, 50);
        now = feed(d, 40, 100, 200, now);
        const held = d.limit;
        assert.ok(held > 160 && held < 180, String(held));
        feed(d, 40, 100, 200, now);
        assert.strictEqual(d.limit, held);
    });

    it("ignores latency during the first 50 answers (connection set-up)", () => {
        const c = new ConcurrencyController(1000, 16);
        feed(c, 10, 10);
        feed(c, 39, 1000, 200, 100);
        assert.strictEqual(c.limit, 16 + 49);
    });

    it("a transport failure neither grows nor cuts", () => {
        const c = new ConcurrencyController(256, 20);
        assert.strictEqual(c.observe({ latencyMs: 30_000 }, 1, 20), 0);
        assert.strictEqual(c.limit, 20);
    });

    it("never exceeds the cap nor drops below 1, whatever the answers (property)", () => {
        fc.assert(
            fc.property(
                fc.integer({ min: 1, max: 300 }),
                fc.array(
                    fc.record({
                        status: fc.constantFrom(200, 201, 204, 404, 429, 500, 503, 504, undefined),
                        latencyMs: fc.nat(5000),
                        gap: fc.nat(500),
                    }),
                    {
                        maxLength: 300,
                    },
                ),
                (cap, answers) => {
                    const c = new ConcurrencyController(cap);
                    let now = 0;
                    for (const a of answers) {
                        c.observe({ status: a.status, latencyMs: a.latencyMs }, (now += a.gap), Math.ceil(c.limit));
                        if (c.limit < 1 || c.limit > cap) return false;
                    }
                    return true;
                },
            ),
        );
    });
});

describe("limiter: slots", () => {
    it("releases queued waiters in order, as slots free", async () => {
        const limiter = new Limiter(2, 2);
        const a = await limiter.acquire();
        const b = await limiter.acquire();
        const order: string[] = [];
        const waiters = ["c", "d", "e"].map((name) => limiter.acquire().then((s) => (order.push(name), s)));
        await new Promise((r) => setImmediate(r));
        assert.deepStrictEqual(order, []);
        // A transport failure frees the slot without changing the limit.
        a.release({ latencyMs: 1 });
        await new Promise((r) => setImmediate(r));
        assert.deepStrictEqual(order, ["c"]);
        b.release({ latencyMs: 1 });
        b.release({ latencyMs: 1 }); // a second release does nothing
        await new Promise((r) => setImmediate(r));
        assert.deepStrictEqual(order, ["c", "d"]);
        assert.strictEqual(limiter.inFlight, 2);
        const [c, d] = (await Promise.all(waiters.slice(0, 2))) as Slot[];
        c.release({ latencyMs: 1 });
        const e = await waiters[2];
        assert.deepStrictEqual(order, ["c", "d", "e"]);
        d.release({ latencyMs: 1 });
        e.release({ latencyMs: 1 });
        assert.strictEqual(limiter.inFlight, 0);
        assert.strictEqual(limiter.peak, 2);
    });

    it("an aborted waiter leaves the queue and rejects with the signal's reason", async () => {
        const limiter = new Limiter(1, 1);
        const a = await limiter.acquire();
        const controller = new AbortController();
        const aborted = limiter.acquire(controller.signal);
        const next = limiter.acquire();
        controller.abort(new Error("deadline passed"));
        await assert.rejects(aborted, /deadline passed/);
        a.release({ latencyMs: 1 });
        const n = await next;
        assert.strictEqual(limiter.inFlight, 1);
        n.release({ latencyMs: 1 });
        assert.strictEqual(limiter.inFlight, 0);
        await assert.rejects(limiter.acquire(AbortSignal.abort(new Error("already"))), /already/);
    });

    it("a throttled slot stays taken for Retry-After, and the limit is halved", async () => {
        const limiter = new Limiter(4, 4);
        const slots = await Promise.all([0, 1, 2, 3].map(() => limiter.acquire()));
        slots[0].release({ status: 429, latencyMs: 1, retryAfterMs: 50 });
        assert.strictEqual(limiter.controller.limit, 2);
        slots[1].release({ status: 200, latencyMs: 1 });
        slots[2].release({ status: 200, latencyMs: 1 });
        assert.strictEqual(limiter.inFlight, 2); // the throttled slot and slots[3]
        slots[3].release({ status: 200, latencyMs: 1 });
        assert.strictEqual(limiter.inFlight, 1);
        await new Promise((r) => setTimeout(r, 80));
        assert.strictEqual(limiter.inFlight, 0);
    });
});
