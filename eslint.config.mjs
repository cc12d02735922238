// typescript-eslint's recommended rules, with the few exceptions this codebase has reasons for.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["dist/", "node_modules/", "docs/", "sdk/", "**/*.js", "!eslint.config.mjs"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // Graph and engine payloads are untyped JSON; `any` marks where they enter.
            "@typescript-eslint/no-explicit-any": "off",
            // The harness loads Pulumi's generated protobuf stubs, which have no types.
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
);
