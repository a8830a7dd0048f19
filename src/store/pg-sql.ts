// Statement shapes for PostgreSQL. A batch's writes are one statement: each
// table's write is a data-modifying CTE whose rows come from unnest() over
// one array parameter per column, so a batch of thousands of rows is parsed
// once (the statement is prepared), sent once and planned once. The writes
// of one batch touch disjoint rows (plan.ts folds each order to one write),
// which is what lets them share one statement and one snapshot.

import type { Row, SqlValue, WriteSpec } from "./writes.ts";

function widthOf(spec: WriteSpec): number {
  switch (spec.op) {
    case "insert":
      return spec.columns.length;
    case "update":
      return spec.columns.length + 1;
    case "delete":
      return 1;
  }
}

/** One table's write, its parameters numbered from `first`. */
export function pgWrite(spec: WriteSpec, first = 1): string {
  const arrays = (cols: readonly { type: string }[]) =>
    cols.map((c, i) => `$${first + i}::${c.type}[]`).join(", ");
  switch (spec.op) {
    case "insert": {
      const names = spec.columns.map((c) => c.name).join(", ");
      return `INSERT INTO ${spec.table} (${names}) SELECT * FROM unnest(${arrays(spec.columns)}) ${spec.conflict}`;
    }
    case "update": {
      const all = [...spec.columns, spec.key];
      const set = spec.columns.map((c) => `${c.name} = u.${c.name}`).join(", ");
      const k = spec.key.name;
      return `UPDATE ${spec.table} SET ${set}
        FROM unnest(${arrays(all)}) AS u(${all.map((c) => c.name).join(", ")})
        WHERE ${spec.table}.${k} = u.${k}`;
    }
    case "delete":
      return `DELETE FROM ${spec.table} WHERE ${spec.key.name} = ANY(${arrays([spec.key])})`;
  }
}

/** Every spec's write in one statement, in the given order of parameters. */
export function pgBatchWrite(specs: readonly WriteSpec[]): string {
  let next = 1;
  const ctes = specs.map((spec, i) => {
    const sql = pgWrite(spec, next);
    next += widthOf(spec);
    return `w${i} AS (${sql})`;
  });
  return `WITH ${ctes.join(",\n")}\nSELECT 1`;
}

function quoted(v: SqlValue): string {
  if (v === null) return "NULL";
  if (typeof v === "number") return String(v);
  return `"${v.replace(/[\\"]/g, "\\$&")}"`;
}

/**
 * A column as a PostgreSQL array literal. Built here rather than by the
 * driver's generic value conversion, which costs more client CPU than the
 * server spends inserting the rows.
 */
export function arrayLiteral(values: readonly SqlValue[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ",";
    out += quoted(values[i] ?? null);
  }
  return `${out}}`;
}

/** The parameters of `spec`'s write: one array literal per column. */
export function pgParams(spec: WriteSpec, rows: readonly Row[]): string[] {
  const width = widthOf(spec);
  const out: string[] = [];
  const column: SqlValue[] = new Array(rows.length);
  for (let c = 0; c < width; c++) {
    for (let r = 0; r < rows.length; r++) column[r] = rows[r]![c] ?? null;
    out.push(arrayLiteral(column));
  }
  return out;
}
