/**
 * After `tsc`: removes the outputs in dist/ whose source file is gone. tsc never deletes, and a stale
 * dist/provider/graph.js (from before graph/ became a folder) once shadowed graph/index.js in the
 * packed package, because require("./graph") tries graph.js first. Only orphans are removed: dist is
 * never empty or missing, so a test process that loads it while `npm pack` rebuilds still finds it
 * (emptying dist before tsc did not allow that).
 */
"use strict";
const fs = require("fs");
const path = require("path");

// The package root: this script's parent, or the folder given (the tests prune a scratch copy).
const root = path.resolve(process.argv[2] ?? path.join(__dirname, ".."));
const dist = path.join(root, "dist");
const OUTPUT = /^(.*?)(\.d\.ts\.map|\.d\.ts|\.js\.map|\.js)$/;
if (fs.existsSync(dist)) {
    for (const relative of fs.readdirSync(dist, { recursive: true })) {
        const match = OUTPUT.exec(relative);
        if (match && !fs.existsSync(path.join(root, `${match[1]}.ts`))) fs.rmSync(path.join(dist, relative), { force: true });
    }
}
