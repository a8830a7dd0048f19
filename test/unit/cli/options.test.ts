// Every option of every command has an environment variable and a row in
// the README's configuration table naming it, except the few that say what a
// single invocation does, each exempted here by name with its reason. The
// table names no flag that no command has.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { Command } from "commander";
import { buildProgram } from "../../../src/cli/main.ts";

/** "command path flag" -> why it has no variable. */
const PER_INVOCATION = new Map<string, string>([
  ["keys create --user", "which user this one key is for"],
  ["keys create --operator", "that this one key is an operator's"],
  ["keys create --json", "output format of one call"],
  ["keys list --json", "output format of one call"],
  ["trace --json", "output format of one call"],
]);
/** bench's options describe one measurement (workload, size, rate), not an exchange. */
const BENCH_WORKLOAD = /^bench [a-z]+ --(?!config|sync|nats|kafka|database-url)/;

interface Opt {
  where: string;
  flag: string;
  env: string | undefined;
}

function options(cmd: Command, path: string[] = []): Opt[] {
  const out: Opt[] = [];
  for (const c of cmd.commands) {
    const here = [...path, c.name()];
    for (const o of c.options) {
      out.push({ where: here.join(" "), flag: o.long ?? o.flags, env: o.envVar });
    }
    out.push(...options(c, here));
  }
  return out;
}

function readmeTable(): Map<string, string> {
  const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
  const section = readme.split("## Configuration")[1]?.split("\n## ")[0] ?? "";
  const rows = new Map<string, string>();
  for (const line of section.split("\n")) {
    if (!line.startsWith("| `--")) continue;
    const [, flags = "", envs = ""] = line.split("|").map((c) => c.trim());
    const f = flags.split(",").map((x) => x.trim().replaceAll("`", ""));
    const e = envs.split(",").map((x) => x.trim().replaceAll("`", ""));
    assert.equal(f.length, e.length, `README row ${flags}: one variable per flag`);
    f.forEach((flag, i) => {
      rows.set(flag, e[i] as string);
    });
  }
  return rows;
}

test("every option has an environment variable and a README row that names it", () => {
  const all = options(buildProgram());
  assert.ok(all.length > 50, `found ${all.length} options`);
  const table = readmeTable();
  const missing: string[] = [];
  for (const o of all) {
    const id = `${o.where} ${o.flag}`;
    if (PER_INVOCATION.has(id) || BENCH_WORKLOAD.test(id)) {
      assert.equal(o.env, undefined, `${id} is exempt yet has ${o.env}`);
      continue;
    }
    if (o.env === undefined) missing.push(`${id}: no environment variable`);
    else if (table.get(o.flag) !== o.env) {
      missing.push(`${id}: README row says ${table.get(o.flag) ?? "nothing"}, the option ${o.env}`);
    }
  }
  assert.deepEqual(missing, []);
});

test("the README table names no flag that no command has", () => {
  const flags = new Set(options(buildProgram()).map((o) => o.flag));
  for (const flag of readmeTable().keys()) assert.ok(flags.has(flag), flag);
});

test("every exemption still exists (a renamed option does not silently lose its check)", () => {
  const ids = new Set(options(buildProgram()).map((o) => `${o.where} ${o.flag}`));
  for (const id of PER_INVOCATION.keys()) assert.ok(ids.has(id), id);
});

test("the README's Node versions agree with package.json and the LTS version test:lts runs", () => {
  const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
  const script = readFileSync(new URL("../../../scripts/test-lts.mjs", import.meta.url), "utf8");
  const pkg = JSON.parse(
    readFileSync(new URL("../../../package.json", import.meta.url), "utf8"),
  ) as { engines: { node: string }; scripts: Record<string, string> };
  const lts = /LTS_VERSION = "([0-9.]+)"/.exec(script)?.[1];
  assert.ok(lts !== undefined);
  assert.match(
    readme,
    new RegExp(`\\| ${lts.split(".")[0]} \\(${lts.replaceAll(".", "\\.")}\\), LTS`),
  );
  assert.equal(pkg.engines.node, "^20.19.0 || >=22.12.0");
  assert.match(readme, /\| 20 \(20\.19 or later\) /);
  assert.equal(pkg.scripts["test:lts"], "node scripts/test-lts.mjs");
});
