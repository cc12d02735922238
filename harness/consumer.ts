import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "./program";

export interface Consumer {
    dir: string;
    program: string;
    tarball: string;
    tarballBytes: number;
}

let cached: Consumer | undefined;

/**
 * `npm pack` this repository and install the tarball into a fresh consumer project (a Pulumi
 * JavaScript program), as a user would, but offline: the tests never reach the npm registry.
 *
 * npm itself is not used to install: `npm install <tarball>` resolves the dependencies from the
 * registry (or a warm cache, which hides that on a developer's machine). Instead the tarball is
 * unpacked as `node_modules/pulumi-entra-sync` (exactly what npm pack ships: its `files`, its
 * `exports` map) and each dependency the packed package.json declares, and nothing else, is linked
 * from this repository's own node_modules, so a dependency missing from package.json still fails.
 * Once per process.
 */
export function packedConsumer(): Consumer {
    if (cached) return cached;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-sync-consumer-"));
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    // npm pack runs `prepare` (tsc, then the prune of stale outputs), so the tarball holds what the
    // sources build to now. It runs in a copy of the checkout (its dist/ included, stale files and
    // all, as a developer's pack would find it): packing in the checkout itself rewrote dist/ while
    // a test in the other worker was loading `pulumi-entra-sync` from it (examples resolve the
    // package by its own name), and tsc's writes are not atomic.
    const staging = fs.mkdtempSync(path.join(os.tmpdir(), "entra-sync-pack-"));
    fs.cpSync(repoRoot, staging, {
        recursive: true,
        filter: (source) => !/^(node_modules|\.git)$/.test(path.relative(repoRoot, source)),
    });
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(staging, "node_modules"), "dir");
    // And the stale output an older checkout has (from before graph.ts became graph/): `prepare` must
    // prune it, or it shadows graph/index.js in the tarball (the packaging test lists what ships).
    fs.mkdirSync(path.join(staging, "dist", "provider"), { recursive: true });
    fs.writeFileSync(
        path.join(staging, "dist", "provider", "graph.js"),
        '"use strict";\nthrow new Error("stale dist/provider/graph.js was shipped");\n',
    );
    let packed: Array<{ filename: string }>;
    try {
        packed = JSON.parse(
            execFileSync(npm, ["pack", "--json", "--pack-destination", dir], {
                cwd: staging,
                encoding: "utf8",
                stdio: ["ignore", "pipe", "ignore"],
                env: { ...process.env, npm_config_offline: "true" },
            }),
        );
    } finally {
        fs.rmSync(staging, { recursive: true, force: true });
    }
    const tarball = path.join(dir, packed[0].filename);
    const modules = path.join(dir, "node_modules");
    const unpacked = fs.mkdtempSync(path.join(os.tmpdir(), "entra-sync-unpacked-"));
    execFileSync("tar", ["-xzf", tarball, "-C", unpacked]);
    fs.mkdirSync(modules);
    fs.renameSync(path.join(unpacked, "package"), path.join(modules, "pulumi-entra-sync"));
    fs.rmSync(unpacked, { recursive: true, force: true });

    const manifest = JSON.parse(fs.readFileSync(path.join(modules, "pulumi-entra-sync", "package.json"), "utf8"));
    // The consumer's own dependency: a Pulumi program has @pulumi/pulumi itself.
    for (const dependency of new Set([...Object.keys(manifest.dependencies ?? {}), "@pulumi/pulumi"])) {
        const source = path.join(repoRoot, "node_modules", dependency);
        if (!fs.existsSync(source)) throw new Error(`packed package depends on ${dependency}, which is not installed here (run npm ci)`);
        const link = path.join(modules, dependency);
        fs.mkdirSync(path.dirname(link), { recursive: true });
        fs.symlinkSync(source, link, "dir");
    }
    fs.writeFileSync(
        path.join(dir, "package.json"),
        JSON.stringify(
            {
                name: "consumer",
                version: "1.0.0",
                private: true,
                main: "index.js",
                dependencies: {
                    "@pulumi/pulumi": manifest.dependencies["@pulumi/pulumi"],
                    "pulumi-entra-sync": `file:${path.basename(tarball)}`,
                },
            },
            null,
            2,
        ),
    );
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: consumer\nruntime: nodejs\n");
    const program = path.join(dir, "index.js");
    fs.writeFileSync(
        program,
        `"use strict";
const { SyncJobStart } = require("pulumi-entra-sync");
const { loadScenario } = require(${JSON.stringify(path.join(__dirname, "scenario"))});
for (const r of loadScenario().resources) new SyncJobStart(r.name, r.args);
`,
    );
    cached = { dir, program, tarball, tarballBytes: fs.statSync(tarball).size };
    return cached;
}
