/**
 * The provider plugin's package schema: built from the inputs list, the outputs type, the
 * credential settings and the README's tables (provider/plugin/schema.ts), and checked in as
 * schema.json, which must equal a fresh build (`npm run sdk:check` also regenerates the SDKs from it).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { SECRET_KEYS, SETTINGS } from "../../provider/auth/settings";
import { INPUT_NAMES } from "../../provider/inputs";
import { buildSchema, markdownTable, RESOURCE_TOKEN } from "../../provider/plugin/schema";

const REPO = path.resolve(__dirname, "../..");
const README = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
const VERSION = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).version;

describe("plugin schema", () => {
    const schema = buildSchema(README, VERSION) as any;
    const resource = schema.resources[RESOURCE_TOKEN];

    it("schema.json is what buildSchema makes of README.md and the code (run npm run sdk:gen after changing either)", () => {
        assert.strictEqual(fs.readFileSync(path.join(REPO, "schema.json"), "utf8"), `${JSON.stringify(schema, null, 4)}\n`);
    });

    it("has every input, in the inputs list's order, described by the README's Inputs table (meaning, then default)", () => {
        assert.deepStrictEqual(Object.keys(resource.inputProperties), INPUT_NAMES);
        const rows = markdownTable(README, "Inputs");
        for (const row of rows) {
            const [, , defaultValue, meaning] = row.cells;
            for (const name of row.names) {
                const description: string = resource.inputProperties[name].description;
                assert.ok(description.startsWith(meaning), `${name}: ${description}`);
                if (defaultValue !== "required" && defaultValue !== "none")
                    assert.ok(description.includes(`Default: ${defaultValue}`), description);
            }
        }
        assert.strictEqual(resource.inputProperties.triggers.$ref, "pulumi.json#/Any");
        assert.deepStrictEqual(resource.requiredInputs, ["servicePrincipalId", "jobId"]);
    });

    it("only servicePrincipalId and jobId replace on change", () => {
        const replacing = Object.entries(resource.inputProperties)
            .filter(([, spec]) => (spec as { replaceOnChanges?: boolean }).replaceOnChanges)
            .map(([name]) => name);
        assert.deepStrictEqual(replacing, ["servicePrincipalId", "jobId"]);
    });

    it("outputs are the inputs plus the README's Outputs table, each described by it", () => {
        const rows = markdownTable(README, "Outputs");
        const outputNames = rows.flatMap((row) => row.names);
        // instanceId is the provider's bookkeeping, not in the README's table.
        assert.deepStrictEqual(
            Object.keys(resource.properties)
                .filter((name) => name !== "instanceId")
                .sort(),
            [...INPUT_NAMES, ...outputNames].sort(),
        );
        for (const row of rows.filter((r) => r.names.length > 1)) {
            for (const name of row.names)
                assert.strictEqual(
                    resource.properties[name].description,
                    `${row.names.map((n) => `\`${n}\``).join(", ")}: ${row.cells[1]}.`,
                );
        }
        assert.strictEqual(resource.properties.lastRun.$ref, "#/types/entrasync:index:LastRun");
    });

    it("config has the azuread provider's settings, the secret ones marked secret", () => {
        assert.deepStrictEqual(
            Object.keys(schema.config.variables),
            SETTINGS.map(([key]) => key),
        );
        const secret = Object.entries(schema.config.variables)
            .filter(([, spec]) => (spec as { secret?: boolean }).secret)
            .map(([name]) => name);
        assert.deepStrictEqual(secret, SECRET_KEYS);
        assert.deepStrictEqual(schema.provider.inputProperties, schema.config.variables);
    });

    it("a README table that lacks an input, or names one the code does not have, is refused by name", () => {
        const without = README.replace(/^\| `ensureActive` .*\n/m, "");
        assert.throws(() => buildSchema(without, VERSION), {
            message: "README.md's Inputs table and the code disagree: not in the table: ensureActive",
        });
        const extra = README.replace(/^(\| `onDelete` .*\n)/m, "$1| `onDeleet` | x | x | x |\n");
        assert.throws(() => buildSchema(extra, VERSION), {
            message: "README.md's Inputs table and the code disagree: not in the code: onDeleet",
        });
    });
});
