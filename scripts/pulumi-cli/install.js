#!/usr/bin/env node
/**
 * npm run pulumi:install — builds the pinned Pulumi CLI from Go modules (this folder's go.mod/go.sum:
 * a wrapper module, because `go install pkg@version` refuses modules whose go.mod has `replace`
 * lines) into a cache outside the clone (locate.js), and adds the `pulumi-resource-pulumi-nodejs`
 * launcher the CLI runs for dynamic providers. Go's module and build caches live in the same cache
 * folder, so a second run with them warm takes seconds, and nothing is fetched from anywhere but
 * the Go module proxy.
 *
 * The Node.js language host (`pulumi-language-nodejs`) is not built: the Go module proxy refuses its
 * module (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3, "not available"). The
 * tests and the demo run programs through the Automation API's inline programs instead, whose
 * language runtime is @pulumi/pulumi itself, in the calling process (docs/real-engine.md).
 *
 * The YAML language host (`pulumi-language-yaml`, for the entrasync plugin's YAML programs) is
 * built into the same bin folder from its own wrapper module, ./yaml: pulumi-yaml v1.25.0 (the one
 * version the proxy serves) compiles only against pkg/sdk v3.206, not the CLI's v3.276. The CLI
 * finds it next to itself, as a bundled language plugin.
 *
 * Flags: --force rebuilds; --quiet prints only the bin folder.
 */
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");
const { CLI_MODULE, goEnv, pinnedVersion, pulumiRoot } = require("./locate");

const HERE = __dirname;
const args = new Set(process.argv.slice(2));
const log = args.has("--quiet") ? () => {} : (line) => process.stderr.write(`${line}\n`);

/** The Go packages built, with the flags upstream's release uses (.goreleaser.yml: -trimpath, these tags, the version ldflag). */
const PACKAGES = [`${CLI_MODULE}/cmd/pulumi`];
const VERSION_VARIABLE = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";
const BUILD_TAGS = "osusergo,grpcnotrace";
/** The YAML language host: its own wrapper module (./yaml), its version variable and module. */
const YAML_DIR = path.join(HERE, "yaml");
const YAML_PACKAGE = "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml";
const YAML_VERSION_VARIABLE = "github.com/pulumi/pulumi-yaml/pkg/version.Version";

/**
 * Our own launcher for dynamic providers (upstream ships a 4-line script beside the binaries). The
 * CLI runs it in the program's folder; it starts @pulumi/pulumi's dynamic-provider host as resolved
 * from there. Unlike upstream's, it fails loudly when @pulumi/pulumi cannot be resolved (upstream's
 * exits 0 silently and the engine then reports that it could not read the plugin's port).
 */
const NODEJS_LAUNCHER = `#!/bin/sh
# pulumi-resource-pulumi-nodejs, written by pulumi-entra-sync's npm run pulumi:install.
host=$(node -e "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))") || {
    echo "pulumi-resource-pulumi-nodejs: @pulumi/pulumi cannot be resolved from $(pwd): install it in the program's folder" >&2
    exit 1
}
exec node "$host" "$@"
`;

/**
 * go build with upstream's release flags into a scratch folder under root, then renamed into `into`:
 * an interrupted build never leaves a half-written binary.
 */
function goBuild({ dir, root, versionFlag, packages, env, into }) {
    const scratch = fs.mkdtempSync(path.join(root, "build-"));
    try {
        execFileSync(
            "go",
            [
                "build",
                "-trimpath",
                "-buildvcs=false",
                "-tags",
                BUILD_TAGS,
                "-ldflags",
                `-s -w -X ${versionFlag}`,
                "-o",
                `${scratch}/`,
                ...packages,
            ],
            { cwd: dir, env, stdio: ["ignore", "inherit", "inherit"] },
        );
        for (const name of fs.readdirSync(scratch)) fs.renameSync(path.join(scratch, name), path.join(into, name));
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

function main() {
    const started = Date.now();
    const version = pinnedVersion();
    const root = pulumiRoot();
    const bin = path.join(root, "bin");
    const pulumi = path.join(bin, "pulumi");
    const env = goEnv();
    try {
        execFileSync("go", ["version"], { stdio: "ignore", env });
    } catch {
        process.stderr.write("npm run pulumi:install needs Go 1.26 or newer on PATH (it builds the Pulumi CLI from Go modules)\n");
        process.exit(1);
    }
    if (args.has("--force") || !fs.existsSync(pulumi)) {
        log(`building the Pulumi CLI ${version} from Go modules into ${bin} (a cold build takes about 7 minutes on 2 cores) ...`);
        fs.mkdirSync(bin, { recursive: true });
        goBuild({ dir: HERE, root, versionFlag: `${VERSION_VARIABLE}=${version}`, packages: PACKAGES, env, into: bin });
    }
    const yamlHost = path.join(bin, "pulumi-language-yaml");
    if (args.has("--force") || !fs.existsSync(yamlHost)) {
        const yamlVersion = /^\s*github\.com\/pulumi\/pulumi-yaml\s+(v\S+)/m.exec(
            fs.readFileSync(path.join(YAML_DIR, "go.mod"), "utf8"),
        )[1];
        log(`building the YAML language host ${yamlVersion} from Go modules into ${bin} ...`);
        goBuild({ dir: YAML_DIR, root, versionFlag: `${YAML_VERSION_VARIABLE}=${yamlVersion}`, packages: [YAML_PACKAGE], env, into: bin });
    }
    const launcher = path.join(bin, "pulumi-resource-pulumi-nodejs");
    if (!fs.existsSync(launcher) || fs.readFileSync(launcher, "utf8") !== NODEJS_LAUNCHER)
        fs.writeFileSync(launcher, NODEJS_LAUNCHER, { mode: 0o755 });
    const reported = execFileSync(pulumi, ["version"], {
        encoding: "utf8",
        env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
    }).trim();
    if (reported !== version) {
        process.stderr.write(`${pulumi} reports version "${reported}", expected ${version}: run npm run pulumi:install -- --force\n`);
        process.exit(1);
    }
    log(`pulumi ${reported} is in ${bin} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    process.stdout.write(`${bin}\n`);
}

main();
