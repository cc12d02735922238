import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "./engine";

export interface Consumer {
    dir: string;
    program: string;
    tarball: string;
    tarballBytes: number;
}

let cached: Consumer | undefined;

/**
 * `npm pack` this repository and `npm install` the tarball into a fresh consumer project (a Pulumi
 * JavaScript program), as a user would. Once per process.
 */
export function packedConsumer(): Consumer {
    if (cached) return cached;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-sync-consumer-"));
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const packed = JSON.parse(execFileSync(npm, ["pack", "--json", "--pack-destination", dir], { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
    const tarball = path.join(dir, packed[0].filename);
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, main: "index.js" }, null, 2));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: consumer\nruntime: nodejs\n");
    execFileSync(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", "--no-package-lock", tarball], { cwd: dir, stdio: "ignore" });
    const program = path.join(dir, "index.js");
    fs.writeFileSync(program, `"use strict";
const { SyncJobStart } = require("pulumi-entra-sync");
const file = process.env.ENTRA_SYNC_PROGRAM_FILE;
const scenario = JSON.parse(file ? require("fs").readFileSync(file, "utf8") : process.env.ENTRA_SYNC_PROGRAM || '{"resources":[]}');
for (const r of scenario.resources) new SyncJobStart(r.name, r.args);
`);
    cached = { dir, program, tarball, tarballBytes: fs.statSync(tarball).size };
    return cached;
}
