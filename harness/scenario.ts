/**
 * A scenario is what a test program declares: `{ resources: [{ name, args, ... }] }`. It reaches the
 * program in ENTRA_SYNC_PROGRAM, or, when too large for one environment variable (E2BIG), in the
 * file named by ENTRA_SYNC_PROGRAM_FILE. Programs read it with loadScenario().
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface ResourceSpec<Args = Record<string, unknown>> {
    name: string;
    args: Args;
    /** The fixture program wraps triggers in pulumi.secret(). */
    secretTriggers?: boolean;
    /** The fixture program routes triggers through a resource whose output is unknown in preview. */
    triggersFromUpstream?: boolean;
}

export interface Scenario<Args = Record<string, unknown>> {
    resources: ResourceSpec<Args>[];
}

const MAX_ENV_BYTES = 32 * 1024;

/** The environment that hands a scenario to a program. */
export function scenarioEnv(scenario: Scenario): NodeJS.ProcessEnv {
    const text = JSON.stringify(scenario);
    if (text.length <= MAX_ENV_BYTES) return { ENTRA_SYNC_PROGRAM: text };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "entra-sync-program-")), "scenario.json");
    fs.writeFileSync(file, text);
    return { ENTRA_SYNC_PROGRAM_FILE: file };
}

/** In a program: the scenario it was given (none: no resources). */
export function loadScenario<Args = Record<string, unknown>>(env: NodeJS.ProcessEnv = process.env): Scenario<Args> {
    const file = env.ENTRA_SYNC_PROGRAM_FILE;
    return JSON.parse(file ? fs.readFileSync(file, "utf8") : (env.ENTRA_SYNC_PROGRAM ?? '{"resources":[]}')) as Scenario<Args>;
}
