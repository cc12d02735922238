#!/usr/bin/env node
/**
 * npm run plugin:pack — the provider plugin `entrasync` as a tarball the Pulumi CLI installs:
 *
 *     pulumi plugin install resource entrasync <version> --file dist/plugin/pulumi-resource-entrasync-v<version>-<os>-<arch>.tar.gz
 *
 * The tarball holds what the plugin runs: `pulumi-resource-entrasync` (a launcher: `node` from PATH
 * on dist/provider/plugin/main.js), the compiled provider (dist/provider, JavaScript only),
 * package.json, schema.json, and the production dependencies (`npm ls --omit=dev`) copied from this
 * checkout's node_modules, so installing needs no registry. Its name is the one the CLI asks a
 * `pluginDownloadURL` server for (docs/plugin.md); the contents are plain JavaScript, the same for
 * every platform. Run `npm run build` first (the npm script does). Prints the tarball's path.
 */
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const REPO = path.resolve(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
const GO_OS = { linux: "linux", darwin: "darwin", win32: "windows" };
const GO_ARCH = { x64: "amd64", arm64: "arm64" };

const LAUNCHER = `#!/bin/sh
# pulumi-resource-entrasync ${pkg.version}: the entrasync provider plugin (pulumi-entra-sync), run by the Pulumi engine.
here=$(cd "$(dirname "$0")" && pwd)
command -v node >/dev/null 2>&1 || {
    echo "pulumi-resource-entrasync: node (22 or newer) is not on PATH; the plugin is JavaScript and runs on it" >&2
    exit 1
}
exec node "$here/dist/provider/plugin/main.js" "$@"
`;

/** The installed production dependencies, as folders relative to the checkout (top-level ones only: a copy takes its nested node_modules). */
function productionModules() {
    const out = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], {
        cwd: REPO,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    const folders = out
        .split("\n")
        .filter(Boolean)
        .map((line) => path.relative(REPO, line))
        .filter((rel) => rel.startsWith(`node_modules${path.sep}`));
    return [...new Set(folders)].filter((rel) => !folders.some((other) => other !== rel && rel.startsWith(`${other}${path.sep}`))).sort();
}

function main() {
    const tarballName = `pulumi-resource-entrasync-v${pkg.version}-${GO_OS[process.platform] ?? process.platform}-${GO_ARCH[process.arch] ?? process.arch}.tar.gz`;
    const outDir = path.join(REPO, "dist", "plugin");
    const main = path.join(REPO, "dist", "provider", "plugin", "main.js");
    if (!fs.existsSync(main)) throw new Error(`${path.relative(REPO, main)} is missing: run npm run build first`);
    // Only the two files made here are staged; the rest goes into the tarball straight from the
    // checkout (copying ~20,000 files of node_modules first doubled the time on a slow disk).
    const stage = fs.mkdtempSync(path.join(os.tmpdir(), "entrasync-plugin-"));
    try {
        const { name, version, description, license, engines, dependencies } = pkg;
        fs.writeFileSync(
            path.join(stage, "package.json"),
            `${JSON.stringify({ name, version, description, license, engines, dependencies, private: true }, null, 2)}\n`,
        );
        fs.writeFileSync(path.join(stage, "pulumi-resource-entrasync"), LAUNCHER, { mode: 0o755 });
        const fromCheckout = path.join(stage, "files");
        fs.writeFileSync(
            fromCheckout,
            ["schema.json", "LICENSE", "README.md", path.join("dist", "provider"), ...productionModules()].join("\n") + "\n",
        );
        fs.mkdirSync(outDir, { recursive: true });
        const tarball = path.join(outDir, tarballName);
        const scratch = `${tarball}.${process.pid}`;
        execFileSync(
            "tar",
            [
                "-czf",
                scratch,
                "--owner=0",
                "--group=0",
                // .bin folders hold symlinks (which the CLI refuses to extract) to commands the plugin never runs;
                // declarations and source maps are not run either.
                "--exclude=.bin",
                "--exclude=*.d.ts",
                "--exclude=*.map",
                "-C",
                stage,
                "pulumi-resource-entrasync",
                "package.json",
                "-C",
                REPO,
                "-T",
                fromCheckout,
            ],
            { stdio: "inherit" },
        );
        fs.renameSync(scratch, tarball);
        process.stdout.write(`${tarball}\n`);
    } finally {
        fs.rmSync(stage, { recursive: true, force: true });
    }
}

main();
