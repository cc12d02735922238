/**
 * The provider plugin `entrasync` (pulumi-resource-entrasync runs `node` on this file). Its version
 * and schema are the package's: package.json and schema.json at the package root, two folders up
 * from dist/provider/plugin/ (in the checkout and in the plugin tarball alike).
 */
import * as fs from "fs";
import * as path from "path";
import { entraSyncProvider } from "./provider";
import { serve } from "./server";

const root = path.resolve(__dirname, "..", "..", "..");
const version: string = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
const schema = fs.readFileSync(path.join(root, "schema.json"), "utf8");

serve(entraSyncProvider(version, schema), process.argv.slice(2)).catch((e) => {
    process.stderr.write(`pulumi-resource-entrasync: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
});
