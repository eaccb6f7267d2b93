#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` / `npm run build`).
import module from "node:module";

// Node 22+ keeps compiled bytecode between runs, so `bender bump` starts faster.
module.enableCompileCache?.();

const { main } = await import("../dist/cli/main.js");
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
