/**
 * The Pulumi package schema of the provider plugin `entrasync`, built (never hand-kept) from the
 * sources the dynamic resource already has, so the two cannot drift:
 * - the inputs' names: `INPUT_NAMES` (inputs.ts); the types below are Records over those names, so
 *   an input added there and not here (or the reverse) does not compile;
 * - the outputs' names: `ProviderOutputs` (inputs.ts), the same way;
 * - which inputs replace: `REPLACE_ON` (diff.ts); which config keys exist and which are secret:
 *   `SETTINGS`, `SECRET_KEYS`, `BOOLEAN_KEYS` (auth/settings.ts);
 * - every description: the README's Inputs and Outputs tables (a name in one and not in the other
 *   is an error here, not a silent gap).
 * `npm run sdk:gen` writes it to schema.json and generates the SDKs from it (scripts/plugin/).
 */
import { BOOLEAN_KEYS, SECRET_KEYS, SETTINGS } from "../auth/settings";
import { REPLACE_ON } from "../diff";
import { INPUT_NAMES, InputName, ProviderOutputs } from "../inputs";

export const PACKAGE_NAME = "entrasync";
export const RESOURCE_TOKEN = `${PACKAGE_NAME}:index:SyncJobStart`;
const LAST_RUN_TOKEN = `${PACKAGE_NAME}:index:LastRun`;
/**
 * Where the generated Go SDK lives. The repository has no public address yet: a Go program uses it
 * with a `replace` directive (docs/plugin.md); set the real one here before publishing.
 */
export const GO_IMPORT_BASE = "pulumi-entra-sync/sdk/go/entrasync";

type OutputName = Exclude<keyof ProviderOutputs, InputName>;
type PropertyType = "string" | "number" | "integer" | "boolean" | "json" | "lastRun";

const INPUT_TYPES: Record<InputName, PropertyType> = {
    servicePrincipalId: "string",
    jobId: "string",
    triggers: "json",
    restartTriggers: "json",
    restartScope: "string",
    startPolicy: "string",
    waitFor: "string",
    waitTimeoutSeconds: "number",
    timeoutSeconds: "number",
    ensureActive: "boolean",
    onDelete: "string",
    allowHeldDeletes: "boolean",
    allowFullResync: "boolean",
    allowInboundPurge: "boolean",
    environment: "string",
    apiVersion: "string",
    graphEndpoint: "string",
    authorityHost: "string",
};

const OUTPUT_TYPES: Record<OutputName, PropertyType> = {
    instanceId: "string",
    status: "string",
    scheduleState: "string",
    quarantineReason: "string",
    lastAction: "string",
    startedAt: "string",
    startCount: "integer",
    restartedAt: "string",
    restartCount: "integer",
    lastRun: "lastRun",
    troubleshootingUrl: "string",
};

/** Outputs every state has: the inputs check defaults, and the counters. */
const ALWAYS_IN_OUTPUTS: (InputName | OutputName)[] = [
    "servicePrincipalId",
    "jobId",
    "restartScope",
    "startPolicy",
    "waitFor",
    "waitTimeoutSeconds",
    "timeoutSeconds",
    "ensureActive",
    "onDelete",
    "apiVersion",
    "startCount",
];

/**
 * Rows the README's Inputs table does not have yet (name → [type, default, meaning], as its columns).
 * A stopgap, not a second source: an input listed here and in the README fails the build, so the
 * entry goes once the README has the row.
 */
const NOT_YET_IN_README: Partial<Record<InputName, [string, string, string]>> = {};

/** Outputs that are the provider's bookkeeping, not in the README's Outputs table. */
const INTERNAL_OUTPUTS: Partial<Record<OutputName, string>> = {
    instanceId:
        "Random, made at create: tells this resource from another on the same job (a replace's new one). The provider's bookkeeping.",
};

/** What the plugin adds to a README description (where the plugin behaves better than a dynamic resource can). */
const PLUGIN_NOTES: Partial<Record<InputName, string>> = {
    waitTimeoutSeconds: "With the `entrasync` plugin, the resource's `customTimeouts` (create, update) bound the wait too.",
};

const LAST_RUN_MEMBERS: Record<string, [PropertyType, string]> = {
    state: ["string", "`Succeeded`, `EntryLevelErrors` or `Failed`; absent while the run is in progress"],
    timeBegan: ["string", "when the run began (ISO time)"],
    timeEnded: ["string", "when the run ended (ISO time); absent while it is in progress"],
    countExported: ["integer", "objects exported by the run"],
    countEscrowed: ["integer", "objects escrowed (to be retried) by the run"],
    errorCode: ["string", "the run's error code, when it failed"],
    errorMessage: ["string", "the run's error message, when it failed"],
};

export interface TableRow {
    names: string[];
    cells: string[];
}

/** The rows of the first table under `## {heading}` in a Markdown text; cells unescaped (`\|` → `|`). */
export function markdownTable(markdown: string, heading: string): TableRow[] {
    const lines = markdown.split(/\r?\n/);
    const start = lines.findIndex((line) => line.trim() === `## ${heading}`);
    if (start < 0) throw new Error(`README.md has no "## ${heading}" section (the schema's descriptions come from its table)`);
    const rows: TableRow[] = [];
    let inTable = false;
    for (const line of lines.slice(start + 1)) {
        if (line.startsWith("## ")) break;
        if (!line.startsWith("|")) {
            if (inTable) break;
            continue;
        }
        inTable = true;
        // Split on the pipes that are not escaped (`\|` inside a cell), then unescape.
        const cells = line
            .split(/(?<!\\)\|/)
            .slice(1, -1)
            .map((cell) => cell.replace(/\\\|/g, "|").trim());
        if (cells[0] === "name" || /^-+$/.test(cells[0])) continue;
        rows.push({ names: [...cells[0].matchAll(/`([^`]+)`/g)].map((match) => match[1]), cells });
    }
    if (!rows.length) throw new Error(`README.md's "## ${heading}" section has no table`);
    return rows;
}

/** name → row, refusing a name the code does not have and a name of the code the table lacks. */
function describe(rows: TableRow[], expected: readonly string[], heading: string): Record<string, string[]> {
    const byName: Record<string, string[]> = {};
    for (const row of rows) for (const name of row.names) byName[name] = row.cells;
    const extra = Object.keys(byName).filter((name) => !expected.includes(name));
    const missing = expected.filter((name) => !(name in byName));
    if (extra.length || missing.length) {
        throw new Error(
            `README.md's ${heading} table and the code disagree: ` +
                [
                    missing.length ? `not in the table: ${missing.join(", ")}` : "",
                    extra.length ? `not in the code: ${extra.join(", ")}` : "",
                ]
                    .filter(Boolean)
                    .join("; "),
        );
    }
    return byName;
}

function sentence(text: string): string {
    const trimmed = text.trim();
    return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

function typeSpec(type: PropertyType): Record<string, unknown> {
    if (type === "json") return { $ref: "pulumi.json#/Any" };
    if (type === "lastRun") return { $ref: `#/types/${LAST_RUN_TOKEN}` };
    return { type };
}

/**
 * The package schema. `readme` is README.md's text; `version` the plugin's version (package.json's):
 * the SDKs register resources with it, so the engine loads this plugin at this version.
 */
export function buildSchema(readme: string, version: string): Record<string, unknown> {
    const readmeInputs = markdownTable(readme, "Inputs");
    const doubled = readmeInputs.flatMap((row) => row.names).filter((name) => name in NOT_YET_IN_README);
    if (doubled.length)
        throw new Error(
            `README.md's Inputs table now has ${doubled.join(", ")}: remove them from NOT_YET_IN_README (provider/plugin/schema.ts)`,
        );
    const supplement = Object.entries(NOT_YET_IN_README).map(([name, cells]) => ({ names: [name], cells: [`\`${name}\``, ...cells!] }));
    const inputRows = describe([...readmeInputs, ...supplement], INPUT_NAMES, "Inputs");
    const outputNames = Object.keys(OUTPUT_TYPES) as OutputName[];
    const outputRows = describe(
        markdownTable(readme, "Outputs"),
        outputNames.filter((name) => !(name in INTERNAL_OUTPUTS)),
        "Outputs",
    );

    const inputProperties: Record<string, unknown> = {};
    for (const name of INPUT_NAMES) {
        const [names, type, defaultValue, meaning] = inputRows[name];
        void names;
        void type;
        const parts = [sentence(meaning)];
        if (defaultValue !== "required" && defaultValue !== "none") parts.push(`Default: ${sentence(defaultValue)}`);
        if (PLUGIN_NOTES[name]) parts.push(PLUGIN_NOTES[name]!);
        inputProperties[name] = {
            ...typeSpec(INPUT_TYPES[name]),
            description: parts.join(" "),
            ...((REPLACE_ON as readonly string[]).includes(name) ? { replaceOnChanges: true, willReplaceOnChanges: true } : {}),
        };
    }
    const properties: Record<string, unknown> = {};
    for (const name of INPUT_NAMES) {
        const { replaceOnChanges: _r, willReplaceOnChanges: _w, ...spec } = inputProperties[name] as Record<string, unknown>;
        properties[name] = spec;
    }
    for (const name of outputNames) {
        if (INTERNAL_OUTPUTS[name]) {
            properties[name] = { ...typeSpec(OUTPUT_TYPES[name]), description: INTERNAL_OUTPUTS[name] };
            continue;
        }
        const rowNames = markdownTable(readme, "Outputs").find((row) => row.names.includes(name))!.names;
        const meaning = outputRows[name][1];
        // A row that names several outputs ("`restartedAt`, `restartCount` | the same for restart POSTs") says which it covers.
        const text = rowNames.length > 1 ? `${rowNames.map((n) => `\`${n}\``).join(", ")}: ${meaning}` : meaning;
        properties[name] = { ...typeSpec(OUTPUT_TYPES[name]), description: sentence(text) };
    }

    const config: Record<string, unknown> = {};
    for (const [key, configKey, envKeys] of SETTINGS) {
        config[key] = {
            type: BOOLEAN_KEYS.includes(key) ? "boolean" : "string",
            description: `As the azuread provider's \`${configKey}\` (README, Authentication); else ${envKeys.map((v) => `\`${v}\``).join(", ")} from the environment.`,
            ...(SECRET_KEYS.includes(key) ? { secret: true } : {}),
        };
    }

    return {
        name: PACKAGE_NAME,
        displayName: "Entra provisioning job start",
        version,
        // What `pulumi package gen-sdk` packages are today: the Go SDK gets its go.mod, every SDK this version.
        meta: { supportPack: true },
        description:
            "Keeps a Microsoft Entra provisioning (synchronization) job running: starts it on create and whenever its triggers change (pulumi-entra-sync's SyncJobStart as a provider plugin).",
        keywords: [
            "pulumi",
            "entra",
            "azuread",
            "microsoft-graph",
            "provisioning",
            "scim",
            "synchronization",
            "category/utility",
            "kind/native",
        ],
        license: "Apache-2.0",
        publisher: "pulumi-entra-sync",
        config: { variables: config },
        provider: {
            description: "The entrasync provider: its settings are the azuread provider's credential settings (README, Authentication).",
            inputProperties: config,
            properties: config,
        },
        types: {
            [LAST_RUN_TOKEN]: {
                type: "object",
                description: "A provisioning run as the resource reports it (Graph's status.lastExecution; members it lacks are left out).",
                properties: Object.fromEntries(
                    Object.entries(LAST_RUN_MEMBERS).map(([name, [type, description]]) => [
                        name,
                        { ...typeSpec(type), description: sentence(description) },
                    ]),
                ),
            },
        },
        resources: {
            [RESOURCE_TOKEN]: {
                description:
                    "Ensures a Microsoft Entra provisioning (synchronization) job is running: starts it on create and whenever `triggers` change, restarts it when `restartTriggers` change, reports its status, and optionally waits for it or corrects drift. Resource id: `{servicePrincipalId}/{jobId}` (what `pulumi import` takes).",
                inputProperties,
                requiredInputs: ["servicePrincipalId", "jobId"],
                properties,
                required: ALWAYS_IN_OUTPUTS,
            },
        },
        language: {
            nodejs: { packageName: "pulumi-entrasync", respectSchemaVersion: true },
            python: { packageName: "pulumi_entrasync", respectSchemaVersion: true, pyproject: { enabled: true } },
            go: { importBasePath: GO_IMPORT_BASE, respectSchemaVersion: true, generateResourceContainerTypes: false },
            csharp: { rootNamespace: "PulumiEntraSync", respectSchemaVersion: true },
        },
    };
}
