import * as fs from "fs";
import * as path from "path";
import { CaMaterial, Emulator, EmulatorOptions, startEmulator } from "../../emulator";

/** The run's CA, made by tests/run.ts (which also set NODE_EXTRA_CA_CERTS to it). */
export function testCa(): CaMaterial {
    const dir = process.env.ENTRA_SYNC_TEST_DIR;
    if (!dir) throw new Error("run the tests with `npm test` (tests/run.ts sets up the CA the emulator's certificate is signed with)");
    return { certPem: fs.readFileSync(path.join(dir, "ca.pem"), "utf8"), keyPem: fs.readFileSync(path.join(dir, "ca-key.pem"), "utf8") };
}

export function startTestEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
    return startEmulator({ ...opts, ca: testCa(), caCertPath: path.join(process.env.ENTRA_SYNC_TEST_DIR!, "ca.pem") });
}

/**
 * Mocha hook for suites that declare faults (as undici's `afterEach(() => mockAgent.assertNoPendingInterceptors())`):
 * after each test that passed, every fault it declared on the emulator(s) `current` returns must have
 * met its request. A fault no request met proves nothing about the code under test. Register it before
 * a hook that clears the faults (mocha runs a suite's afterEach hooks in the order they were added).
 */
export function checkFaultsUsed(current: () => Emulator | undefined | (Emulator | undefined)[]): void {
    afterEach(function () {
        if (this.currentTest?.state !== "passed") return;
        const emus = current();
        for (const emu of Array.isArray(emus) ? emus : [emus]) emu?.assertNoPendingFaults();
    });
}

/**
 * The attempts an error says it made ("3 attempts in 1.2 s"), to compare with the requests the
 * emulator received: a counted effect where a test would otherwise time the operation.
 */
export function attemptsSaid(message: string): number {
    const match = / (\d+) attempts in \d+(\.\d+)? s/.exec(message);
    if (!match) throw new Error(`no "N attempts in S s" in: ${message}`);
    return Number(match[1]);
}

/**
 * Whether the emulator received the attempts an error claims: all of them, or all but the last
 * (an attempt begun as the deadline came may be cut before its request arrived).
 */
export function receivedAttempts(received: number, message: string): boolean {
    const said = attemptsSaid(message);
    return received === said || received === said - 1;
}

/** Environment that points the provider at an emulator with its permitted client (AZURE_* variables). */
export function emulatorEnv(emu: Emulator, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { ...emu.environment(), ENTRA_SYNC_POLL_INTERVAL_SECONDS: String(POLL_SECONDS), ...extra };
}

/** The tests' pause between reads while waiting for a job (ENTRA_SYNC_POLL_INTERVAL_SECONDS). */
export const POLL_SECONDS = 0.05;

/**
 * The most reads of a job an operation that waits `waitSeconds` can make: the read before the
 * start, the one after it, one per poll interval, and the last. A wait that outlived its bound
 * would read more: a counted effect in place of timing the operation (a slow machine reads fewer).
 */
export function maxReadsWhileWaiting(waitSeconds: number): number {
    return 3 + Math.ceil(waitSeconds / POLL_SECONDS);
}

/**
 * Sets variables in this process's environment (undefined removes one); returns what puts the
 * environment back as it was, removing the variables set meanwhile.
 */
export function setEnv(vars: NodeJS.ProcessEnv): () => void {
    const saved = { ...process.env };
    Object.assign(process.env, vars);
    for (const [k, v] of Object.entries(vars)) if (v === undefined) delete process.env[k];
    return () => {
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
    };
}

/** Sets variables in this process for the duration of fn (restored afterwards). */
export async function withEnv<T>(vars: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
    const restore = setEnv(vars);
    try {
        return await fn();
    } finally {
        restore();
    }
}
