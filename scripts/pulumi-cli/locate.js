/**
 * Where `npm run pulumi:install` puts the Pulumi CLI it builds from Go modules, and how tests, the demo
 * and CI find it. One answer for all of them: a folder outside the clone, keyed by the pinned CLI
 * version and a hash of this folder's go.sum, so a change of pins builds anew and two clones share
 * one build. `ENTRA_SYNC_PULUMI_ROOT` overrides the folder.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");

const HERE = __dirname;
/** The Go module of the CLI; its version in go.mod is the version we test with. */
const CLI_MODULE = "github.com/pulumi/pulumi/pkg/v3";

/** The version of the pinned CLI module, read from go.mod (the one source of truth). */
function pinnedVersion(dir = HERE) {
    const goMod = fs.readFileSync(path.join(dir, "go.mod"), "utf8");
    const match = new RegExp(`^\\s*${CLI_MODULE.replace(/[./]/g, "\\$&")}\\s+(v\\S+)`, "m").exec(goMod);
    if (!match) throw new Error(`${path.join(dir, "go.mod")} does not require ${CLI_MODULE}`);
    return match[1];
}

/** Everything cached outside the clone: Go's module and build caches, and the built binaries. */
function cacheHome(env = process.env) {
    return env.ENTRA_SYNC_CACHE_HOME || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "pulumi-entra-sync");
}

/**
 * The environment of every go command of ours: Go's module and build caches in cacheHome() (shared by
 * the CLI, the YAML host and the SDK generator), no toolchain download, go.mod/go.sum as committed.
 */
function goEnv(env = process.env) {
    const home = cacheHome(env);
    return {
        ...env,
        GOTOOLCHAIN: env.GOTOOLCHAIN || "local",
        GOFLAGS: "-modcacherw -mod=readonly",
        GOMODCACHE: env.ENTRA_SYNC_GOMODCACHE || path.join(home, "go", "mod"),
        GOCACHE: env.ENTRA_SYNC_GOCACHE || path.join(home, "go", "build"),
        CGO_ENABLED: "0",
    };
}

/** The folder whose bin/ holds pulumi and its Node.js dynamic-provider launcher. */
function pulumiRoot(env = process.env) {
    if (env.ENTRA_SYNC_PULUMI_ROOT) return path.resolve(env.ENTRA_SYNC_PULUMI_ROOT);
    const sum = crypto
        .createHash("sha256")
        .update(fs.readFileSync(path.join(HERE, "go.sum")))
        .digest("hex")
        .slice(0, 12);
    return path.join(cacheHome(env), `pulumi-${pinnedVersion()}-${sum}`);
}

/** The installed bin folder, or undefined when `npm run pulumi:install` has not run. */
function installedBin(env = process.env) {
    const bin = path.join(pulumiRoot(env), "bin");
    return fs.existsSync(path.join(bin, "pulumi")) && fs.existsSync(path.join(bin, "pulumi-resource-pulumi-nodejs")) ? bin : undefined;
}

module.exports = { CLI_MODULE, pinnedVersion, cacheHome, goEnv, pulumiRoot, installedBin, INSTALL_COMMAND: "npm run pulumi:install" };
