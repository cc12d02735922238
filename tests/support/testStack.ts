import * as path from "path";
import type { Emulator } from "../../emulator";
import { Stack, StackOptions } from "../../harness";
import { emulatorEnv } from "./testEnv";

/** The fixture program the engine tests deploy; its resources come from the scenario. */
export const PROGRAM = path.resolve(__dirname, "../fixtures/program.ts");

/** A stack of the fixture program on the real provider host, pointed at an emulator. */
export function startTestStack(emu: Emulator, options: Partial<StackOptions> = {}): Promise<Stack> {
    return Stack.start({ program: PROGRAM, ...options, env: emulatorEnv(emu, options.env) });
}
