#!/usr/bin/env node
/**
 * npm run sdk:gen — the one script that makes the provider plugin's package schema and SDKs:
 * 1. schema.json, from dist/provider/plugin/schema.js's buildSchema (the inputs list, the outputs
 *    type, the credential settings and the README's Inputs/Outputs tables; `npm run build` first);
 * 2. sdk/nodejs, sdk/python, sdk/go, from schema.json, by scripts/pulumi-cli/gen-sdk (Go): the code
 *    generators `pulumi package gen-sdk` runs in the language hosts, at the pinned CLI's version.
 *
 * npm run sdk:check — the same into a scratch folder, then compares it with what is checked in:
 * any file added, missing or different fails (CI), naming the files and the fix.
 *
 * Go's caches are the ones npm run pulumi:install uses (outside the clone); the generator binary is
 * built once per go.sum and gen-sdk source.
 */
"use strict";
const { execFileSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { cacheHome, goEnv } = require("../pulumi-cli/locate");

const REPO = path.resolve(__dirname, "..", "..");
const CLI_DIR = path.join(REPO, "scripts", "pulumi-cli");
const LANGUAGES = ["nodejs", "python", "go"];
const check = process.argv.includes("--check");

/** The generator binary, built when its inputs (go.mod, go.sum, main.go) changed. */
function generator() {
    const hash = crypto.createHash("sha256");
    for (const file of ["go.mod", "go.sum", path.join("gen-sdk", "main.go")]) hash.update(fs.readFileSync(path.join(CLI_DIR, file)));
    const binary = path.join(cacheHome(), `gen-sdk-${hash.digest("hex").slice(0, 12)}`);
    if (!fs.existsSync(binary)) {
        process.stderr.write(`building ${path.relative(REPO, path.join(CLI_DIR, "gen-sdk"))} (the first time takes a minute) ...\n`);
        const scratch = `${binary}.${process.pid}`;
        execFileSync("go", ["build", "-trimpath", "-buildvcs=false", "-o", scratch, "./gen-sdk"], {
            cwd: CLI_DIR,
            env: goEnv(),
            stdio: "inherit",
        });
        fs.renameSync(scratch, binary);
    }
    return binary;
}

/** Writes schema.json and sdk/<language> under `out`. */
function generate(out) {
    const dist = path.join(REPO, "dist", "provider", "plugin", "schema.js");
    if (!fs.existsSync(dist)) throw new Error(`${path.relative(REPO, dist)} is missing: run npm run build first`);
    const { buildSchema } = require(dist);
    const version = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).version;
    const schema = buildSchema(fs.readFileSync(path.join(REPO, "README.md"), "utf8"), version);
    fs.mkdirSync(path.join(out, "sdk"), { recursive: true });
    fs.writeFileSync(path.join(out, "schema.json"), `${JSON.stringify(schema, null, 4)}\n`);
    execFileSync(generator(), [path.join(out, "schema.json"), path.join(out, "sdk"), ...LANGUAGES], {
        stdio: ["ignore", "ignore", "inherit"],
    });
}

/** Every file under dir, as paths relative to it. */
function files(dir) {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => path.relative(dir, path.join(entry.parentPath ?? entry.path, entry.name)))
        .sort();
}

function main() {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "entrasync-sdk-"));
    try {
        generate(scratch);
        const compared = [
            "schema.json",
            ...LANGUAGES.flatMap((language) => files(path.join(scratch, "sdk", language)).map((f) => path.join("sdk", language, f))),
        ];
        if (check) {
            const checkedIn = new Set([
                "schema.json",
                ...LANGUAGES.flatMap((language) => files(path.join(REPO, "sdk", language)).map((f) => path.join("sdk", language, f))),
            ]);
            const problems = [];
            for (const file of compared) {
                const fresh = fs.readFileSync(path.join(scratch, file));
                if (!fs.existsSync(path.join(REPO, file))) problems.push(`missing: ${file}`);
                else if (!fresh.equals(fs.readFileSync(path.join(REPO, file)))) problems.push(`differs: ${file}`);
                checkedIn.delete(file);
            }
            for (const file of checkedIn) problems.push(`not generated any more: ${file}`);
            if (problems.length) {
                process.stderr.write(
                    `The checked-in schema.json and sdk/ differ from a fresh generation:\n  ${problems.join("\n  ")}\nRun npm run sdk:gen and commit the result.\n`,
                );
                process.exit(1);
            }
            process.stdout.write(`schema.json and sdk/ (${compared.length} files) equal a fresh generation\n`);
            return;
        }
        fs.copyFileSync(path.join(scratch, "schema.json"), path.join(REPO, "schema.json"));
        for (const language of LANGUAGES) {
            fs.rmSync(path.join(REPO, "sdk", language), { recursive: true, force: true });
            fs.cpSync(path.join(scratch, "sdk", language), path.join(REPO, "sdk", language), { recursive: true });
        }
        process.stdout.write(`wrote schema.json and sdk/{${LANGUAGES.join(",")}} (${compared.length} files)\n`);
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

main();
