// docs/api.md stays true to the code: its error table is the registry, and
// its route table names every route the OpenAPI document has.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { allErrors } from "../../../src/core/mod.ts";
import { harness } from "./harness.ts";

const doc = readFileSync(new URL("../../../docs/api.md", import.meta.url), "utf8");

test("the error table is the registry", () => {
  const table = doc.split("<!-- error-table:start -->")[1]?.split("<!-- error-table:end -->")[0];
  assert.ok(table !== undefined, "docs/api.md has no error table markers");
  const rows = table
    .trim()
    .split("\n")
    .slice(2)
    .map((line) => line.split("|").map((c) => c.trim()))
    .map(([, id, code, http, meaning]) => [
      Number(id),
      code?.replaceAll("`", ""),
      Number(http),
      meaning,
    ]);
  assert.deepEqual(
    rows,
    allErrors.map((e) => [e.id, e.code, e.http, e.message]),
  );
});

test("the route table lists every route of the OpenAPI document", async () => {
  const h = await harness();
  try {
    const openapi = JSON.parse((await h.app.inject({ method: "GET", url: "/docs/json" })).body) as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const [path, methods] of Object.entries(openapi.paths)) {
      for (const method of Object.keys(methods)) {
        const row = new RegExp(`\\| ${method.toUpperCase()} +\\| \`${path}\``);
        assert.match(doc, row, `${method.toUpperCase()} ${path}`);
      }
    }
  } finally {
    await h.close();
  }
});
