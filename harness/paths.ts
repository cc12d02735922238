/** Files the tests and the benchmark share (a module of its own: tests/run.ts loads it before mocha, without the SDK). */
import * as path from "path";

/** The program the engine tests and the benchmark deploy: its resources come from a scenario (scenario.ts). */
export const SCENARIO_PROGRAM = path.join(__dirname, "scenario-program.ts");
/** Loaded with --require into every process of a test or benchmark run: refuses any connection off loopback. */
export const LOOPBACK_GUARD = path.join(__dirname, "loopback-guard.js");
