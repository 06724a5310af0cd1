#!/usr/bin/env node
// The `guichet` command. Guichet runs on Node.js 24; when the node running this
// file is older (Debian's Node 20, say), it re-runs the CLI on the Node.js 24
// that `npm ci` installed with the project (the `node` package).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const major = Number(process.versions.node.split(".")[0]);
if (major >= 24) {
  await import(cli);
} else {
  const bundled = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url));
  if (!existsSync(bundled)) {
    process.stderr.write(`guichet: needs Node.js 24 (this is ${process.version}). Run "npm ci" in the project to install it.\n`);
    process.exit(1);
  }
  const result = spawnSync(bundled, [cli, ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(result.status ?? 1);
}
