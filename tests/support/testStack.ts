import type { Emulator } from "../../emulator";
import { SCENARIO_PROGRAM, Stack, StackOptions } from "../../harness";
import { checkFaultsUsed, emulatorEnv, startTestEmulator } from "./testEnv";

/** The fixture program the engine tests deploy; its resources come from the scenario. */
export const PROGRAM = SCENARIO_PROGRAM;

/** A stack of the fixture program on the real provider host, pointed at an emulator. */
export function startTestStack(emu: Emulator, options: Partial<StackOptions> = {}): Promise<Stack> {
    return Stack.start({ program: PROGRAM, ...options, env: emulatorEnv(emu, options.env) });
}

/**
 * Mocha hooks for engine tests: a fresh emulator and a stack on it before each test, handed to `set`
 * (the suite keeps them in its own variables); after it, the suite's stack of the moment (`current`:
 * a test may have replaced it, as by `stack.restart()`) is stopped and the emulator closed; a test
 * that passed must have used every fault it declared (checkFaultsUsed).
 */
export function freshStackPerTest(set: (emu: Emulator, stack: Stack) => void, current: () => Stack | undefined): void {
    let emu: Emulator | undefined;
    beforeEach(async () => {
        emu = await startTestEmulator();
        set(emu, await startTestStack(emu));
    });
    checkFaultsUsed(() => emu);
    afterEach(async () => {
        await current()?.stop();
        await emu?.close();
        emu = undefined;
    });
}
