import { execFile } from "child_process";
import * as path from "path";
import type { Props } from "./wire";

export interface ProgramResource {
    type: string;
    name: string;
    inputs: Props;
}

export interface ProgramResult {
    resources: ProgramResource[];
    error?: string;
}

export const repoRoot = path.resolve(__dirname, "..");

/**
 * Runs a Pulumi program under setMocks in a child process (./program-runner.ts) and returns the
 * dynamic resources it registered, with their serialized __provider. `env` reaches the program.
 */
export function runProgram(program: string, mode: "up" | "preview", env: NodeJS.ProcessEnv = {}): Promise<ProgramResult> {
    const runner = path.join(__dirname, "program-runner.ts");
    return new Promise((resolve, reject) => {
        execFile(
            process.execPath,
            ["-r", require.resolve("ts-node/register/transpile-only"), runner, program, mode],
            {
                cwd: path.dirname(program),
                env: { ...process.env, TS_NODE_PROJECT: path.join(repoRoot, "tsconfig.json"), ...env },
                maxBuffer: 64 * 1024 * 1024,
            },
            (err, stdout, stderr) => {
                try {
                    resolve(JSON.parse(stdout) as ProgramResult);
                } catch {
                    reject(new Error(`program ${program} failed: ${err?.message ?? ""}\n${stderr}`));
                }
            },
        );
    });
}
