// Bundles the trading page and operator console (src/web) into dist/web/:
// one ES module with Preact, @preact/signals, lightweight-charts and the typed
// client inside, the HTML and the stylesheet. Nothing is fetched at run time.
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

export async function buildWeb(root) {
  const src = join(root, "src/web");
  const out = join(root, "dist/web");
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(src, "app/main.tsx")],
    outfile: join(out, "app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: false,
    legalComments: "linked",
    jsx: "automatic",
    jsxImportSource: "preact",
    tsconfig: join(src, "tsconfig.json"),
    logLevel: "warning",
  });
  for (const f of ["index.html", "style.css"]) copyFileSync(join(src, f), join(out, f));
}
