#!/usr/bin/env node
/**
 * npm run plugin:languages — installs what the entrasync plugin's e2e tests need besides the CLI
 * (`npm run pulumi:install`, which also builds the YAML language host), outside the clone:
 * - a Python virtual environment with the `pulumi` SDK from PyPI (pinned below) and the generated
 *   sdk/python installed into it (pip, from the folder: the SDK reads its version from its installed
 *   metadata); reinstalled when sdk/python changes;
 * - the Go test program (tests/e2e/plugin-go), built on the generated sdk/go with the Go caches
 *   npm run pulumi:install uses; rebuilt when it or sdk/go changes.
 * The tests find both through the functions exported here and never install anything; without them
 * they are skipped with this command (or fail under ENTRA_SYNC_REQUIRE_PULUMI=1).
 *
 * Flags: --quiet prints nothing but errors.
 */
"use strict";
const { execFileSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { cacheHome, goEnv } = require("../pulumi-cli/locate");

const REPO = path.resolve(__dirname, "..", "..");
/** The Python SDK the tests run with (the newest release on PyPI when this was written). */
const PYTHON_PULUMI = "3.272.0";
/** The SDK and what installing sdk/python without build isolation needs (setuptools builds it, as its pyproject says, through wheel). */
const PYTHON_PACKAGES = [`pulumi==${PYTHON_PULUMI}`, "semver>=2.8.1", "packaging>=24.0", "setuptools>=61.0", "wheel"];
const GO_PROGRAM = path.join(REPO, "tests", "e2e", "plugin-go");
const INSTALL_COMMAND = "npm run plugin:languages";

function venvDir() {
    return path.join(cacheHome(), "python", `venv-pulumi-${PYTHON_PULUMI}`);
}

/** The venv's python with the current sdk/python installed, or undefined. */
function pythonBin() {
    const python = path.join(venvDir(), "bin", "python");
    return venvComplete() && fs.existsSync(sdkMarker()) && fs.existsSync(python) ? python : undefined;
}

/** Whether the venv holds PYTHON_PACKAGES (its .complete file lists what was installed). */
function venvComplete() {
    const complete = path.join(venvDir(), ".complete");
    return fs.existsSync(complete) && fs.readFileSync(complete, "utf8") === `${PYTHON_PACKAGES.join("\n")}\n`;
}

/** Marks which sdk/python the venv holds. */
function sdkMarker() {
    return path.join(venvDir(), `.sdk-${treeHash([path.join(REPO, "sdk", "python")])}`);
}

/** A hash of every file under the folders (paths and contents). */
function treeHash(dirs) {
    const hash = crypto.createHash("sha256");
    for (const dir of dirs) {
        const files = fs
            .readdirSync(dir, { recursive: true, withFileTypes: true })
            .filter((entry) => entry.isFile())
            .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name))
            .sort();
        for (const file of files) hash.update(path.relative(REPO, file)).update(fs.readFileSync(file));
    }
    return hash.digest("hex").slice(0, 12);
}

/** The Go program's binary for its current sources (its own folder and the generated SDK). */
function goProgramPath() {
    return path.join(cacheHome(), "plugin-go", `entrasync-e2e-${treeHash([GO_PROGRAM, path.join(REPO, "sdk", "go")])}`);
}

/** The built Go program for the current sources, or undefined. */
function goProgram() {
    const binary = goProgramPath();
    return fs.existsSync(binary) ? binary : undefined;
}

function main() {
    const quiet = process.argv.includes("--quiet");
    const log = (line) => quiet || process.stderr.write(`${line}\n`);
    if (!venvComplete()) {
        const dir = venvDir();
        log(`making a Python virtual environment with ${PYTHON_PACKAGES.join(" ")} in ${dir} ...`);
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(path.dirname(dir), { recursive: true });
        execFileSync(process.env.PYTHON || "python3", ["-m", "venv", dir], { stdio: "inherit" });
        execFileSync(
            path.join(dir, "bin", "python"),
            ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", ...PYTHON_PACKAGES],
            {
                stdio: "inherit",
            },
        );
        fs.writeFileSync(path.join(dir, ".complete"), `${PYTHON_PACKAGES.join("\n")}\n`);
    }
    if (!fs.existsSync(sdkMarker())) {
        log(`installing sdk/python into ${venvDir()} ...`);
        for (const old of fs.readdirSync(venvDir()).filter((name) => name.startsWith(".sdk-"))) fs.rmSync(path.join(venvDir(), old));
        // From a copy: building in place would leave build/ and *.egg-info in the checkout.
        const copy = fs.mkdtempSync(path.join(require("os").tmpdir(), "entrasync-python-sdk-"));
        try {
            fs.cpSync(path.join(REPO, "sdk", "python"), copy, { recursive: true });
            execFileSync(
                path.join(venvDir(), "bin", "python"),
                [
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--no-deps",
                    "--no-build-isolation",
                    "--force-reinstall",
                    copy,
                ],
                { stdio: "inherit" },
            );
        } finally {
            fs.rmSync(copy, { recursive: true, force: true });
        }
        fs.writeFileSync(sdkMarker(), "");
    }
    if (!goProgram()) {
        const binary = goProgramPath();
        log(`building ${path.relative(REPO, GO_PROGRAM)} into ${binary} ...`);
        fs.mkdirSync(path.dirname(binary), { recursive: true });
        execFileSync("go", ["build", "-trimpath", "-buildvcs=false", "-o", `${binary}.${process.pid}`, "."], {
            cwd: GO_PROGRAM,
            env: goEnv(),
            stdio: "inherit",
        });
        fs.renameSync(`${binary}.${process.pid}`, binary);
    }
    log(`python: ${pythonBin()}\ngo program: ${goProgram()}`);
}

module.exports = { pythonBin, goProgram, PYTHON_PULUMI, INSTALL_COMMAND };
if (require.main === module) main();
