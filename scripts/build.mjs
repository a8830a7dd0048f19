#!/usr/bin/env node
// Builds what the package ships compiled: bourse/client (dist/client/, ESM and
// .d.ts) from src/client with the project's own TypeScript, and the web pages
// the gateway serves at / (dist/web/: src/web bundled by esbuild, with Preact
// and lightweight-charts inside, so a browser fetches nothing from elsewhere),
// offline. `npm ci` runs it (the "prepare" script), so a clean clone has both.
// The client is compiled with the DOM library and no Node types: if it ever
// used a Node-only API, this build would fail, so it stays usable in browsers.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";

const root = new URL("..", import.meta.url).pathname;
const require = createRequire(import.meta.url);
let tsc = null;
try {
  tsc = require.resolve("typescript/bin/tsc");
} catch {
  // An install without dev dependencies has no compiler; the server runs from source anyway.
  console.log(
    "# build: typescript is not installed (dev dependencies omitted); bourse/client not built",
  );
}
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
if (tsc !== null) {
  const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.client.json"], {
    cwd: root,
    stdio: "inherit",
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
// esbuild, Preact and the chart are dependencies: the pages are built either way.
const { buildWeb } = await import("./build-web.mjs");
await buildWeb(root);
