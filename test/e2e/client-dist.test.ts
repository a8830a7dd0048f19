// bourse/client as another project uses it: the compiled package (dist/, built
// by `npm run build`, which `npm ci` runs), imported by name from a plain .mjs
// run by node without tsx, placing an order against a real `bourse start`; its
// .d.ts type-checks a consumer (and catches a wrong field); and nothing it
// loads at run time needs Node, so a browser page can use it.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { createKey, type Running, startExchange } from "../support/exchange-process.ts";

const root = new URL("../..", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "bourse-client-dist-"));
const project = join(dir, "consumer");
let ex: Running;

before(async () => {
  // The same build `npm ci` runs; the test must see the client as the sources are now.
  execFileSync(process.execPath, [join(root, "scripts/build.mjs")], { stdio: "inherit" });
  mkdirSync(join(project, "node_modules"), { recursive: true });
  writeFileSync(join(project, "package.json"), JSON.stringify({ type: "module", private: true }));
  // As `npm install <path to bourse>` links it.
  symlinkSync(root, join(project, "node_modules", "bourse"), "dir");
  ex = await startExchange(join(dir, "data"));
});

after(async () => {
  await ex?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const PLACE = `
import { BourseApiError, BourseClient } from "bourse/client";

const [url, opKey, opSecret, key, secret] = process.argv.slice(2);
const op = new BourseClient({ baseUrl: url, apiKey: opKey, secret: opSecret });
const alice = new BourseClient({ baseUrl: url, apiKey: key, secret });
await op.transferIn({ request_id: "dist-dep-1", user_id: 1001, asset: "USDT", amount: "1000" });
const order = await alice.createOrder({
  symbol: "BTC_USDT", side: "Buy", order_type: "Limit", price: "100", quantity: "2",
});
let refused = null;
try {
  await alice.createOrder({ symbol: "BTC_USDT", side: "Buy", order_type: "Limit", price: "100", quantity: "100" });
} catch (err) {
  refused = err instanceof BourseApiError ? err.code : String(err);
}
const balance = await alice.balance();
console.log(JSON.stringify({ order, refused, balance }));
`;

test("a plain .mjs imports the compiled client by name and trades against a real exchange", () => {
  writeFileSync(join(project, "place.mjs"), PLACE);
  const op = createKey(join(dir, "data"), "operator");
  const alice = createKey(join(dir, "data"), { user: 1001 });
  // No tsx, no loader: node as another project runs it.
  const out = execFileSync(
    process.execPath,
    ["place.mjs", ex.url, op.api_key, op.secret, alice.api_key, alice.secret],
    { cwd: project, encoding: "utf8" },
  );
  const r = JSON.parse(out) as {
    order: { order_id: string; status: string; price: string; quantity: string };
    refused: string | null;
    balance: { asset: string; avail: string; frozen: string }[];
  };
  assert.deepEqual(
    [r.order.order_id, r.order.status, r.order.price, r.order.quantity],
    ["1", "New", "100.00", "2.0000"],
  );
  assert.equal(r.refused, "INSUFFICIENT_BALANCE");
  assert.deepEqual(
    r.balance.find((b) => b.asset === "USDT"),
    { asset: "USDT", avail: "800.000000", frozen: "200.000000" },
  );
});

test("its declarations type-check a consumer, and reject a wrong field", () => {
  const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        module: "NodeNext",
        moduleResolution: "NodeNext",
        target: "ES2022",
        strict: true,
        noEmit: true,
        lib: ["ES2023", "DOM"],
        types: [],
        skipLibCheck: true,
      },
      files: ["use.ts"],
    }),
  );
  const good = `
import { BourseClient, type OrderResult } from "bourse/client";
const c = new BourseClient({ baseUrl: "http://127.0.0.1:3001", apiKey: "k", secret: "s" });
export const placed: Promise<OrderResult> = c.createOrder({
  symbol: "BTC_USDT", side: "Buy", order_type: "Limit", price: "1", quantity: "1",
});
`;
  const check = () =>
    spawnSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project, encoding: "utf8" });
  writeFileSync(join(project, "use.ts"), good);
  const ok = check();
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  writeFileSync(join(project, "use.ts"), good.replace('side: "Buy"', 'side: "buy"'));
  const bad = check();
  assert.notEqual(bad.status, 0);
  assert.match(bad.stdout, /"buy"/);
});

test("nothing it loads at run time needs Node: only relative modules, no node: imports", () => {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, "utf8");
    assert.doesNotMatch(src, /\bprocess\.|\bBuffer\b|\brequire\(/, file);
    for (const m of src.matchAll(/^(?:import|export)[^"']*from\s+["']([^"']+)["']/gm)) {
      const spec = m[1] as string;
      assert.ok(spec.startsWith("./") || spec.startsWith("../"), `${file} imports ${spec}`);
      visit(resolve(dirname(file), spec));
    }
  };
  visit(join(root, "dist/client/mod.js"));
  assert.ok(seen.size >= 5, [...seen].join(", "));
});
