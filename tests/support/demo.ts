import { execFile } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

/** Runs `npm run demo -- --engine <engine>` (as node + ts-node, as the npm script does); its exit code and output. */
export function runDemo(engine: "cli" | "harness"): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            ["-r", require.resolve("ts-node/register/transpile-only"), path.join(ROOT, "demo/demo.ts"), "--engine", engine],
            { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
            (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
        );
    });
}

/** The lines every run of the demo prints, whichever engine: the Graph calls of each step. */
export const DEMO_STEP_LINES = [
    /1\. pulumi preview \(new stack\): check \+ diff only\n {3}plan: 2 create\n {3}Graph calls: 0\n/,
    /2\. pulumi up: starts both jobs\n {3}result: 2 create\n {3}Graph calls: 6 \(/,
    /3\. pulumi up again, nothing changed\n {3}result: 2 same\n {3}Graph calls: 0\n/,
    /Graph calls: 3 \(GET getJob, POST start, GET getJob\)/,
    /restart body resetScope: "Watermark, Escrows, QuarantineState"; the run after it \(lastRun\): Succeeded, 10 exported/,
    /\ndemo finished: every step behaved as described\.\n/,
];
