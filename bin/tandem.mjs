#!/usr/bin/env node
// Runs the TypeScript CLI under the Node runtime pinned in package.json (the
// `node` package), whichever Node started npx, so `npx tandem` behaves like the npm scripts.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { NODE_FLAGS } from "./node-flags.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const pinned = path.join(root, "node_modules", "node", "bin", "node");
const runtime = existsSync(pinned) ? pinned : process.execPath;
const loader = pathToFileURL(path.join(root, "node_modules", "tsx", "dist", "loader.mjs")).href;
const child = spawn(
  runtime,
  [
    ...NODE_FLAGS,
    "--import",
    loader,
    path.join(root, "server", "cli", "main.ts"),
    ...process.argv.slice(2),
  ],
  { stdio: "inherit" },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
