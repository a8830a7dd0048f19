// Statement shapes for PostgreSQL: one statement per table per batch, every
// column shipped as one array parameter and spread back into rows by
// unnest(). A batch of thousands of rows costs a handful of round trips.

import type { Row, SqlValue, WriteSpec } from "./writes.ts";

export function pgWrite(spec: WriteSpec): string {
  switch (spec.op) {
    case "insert": {
      const names = spec.columns.map((c) => c.name).join(", ");
      const arrays = spec.columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(", ");
      return `INSERT INTO ${spec.table} (${names}) SELECT * FROM unnest(${arrays}) ${spec.conflict}`;
    }
    case "update": {
      const all = [...spec.columns, spec.key];
      const arrays = all.map((c, i) => `$${i + 1}::${c.type}[]`).join(", ");
      const set = spec.columns.map((c) => `${c.name} = u.${c.name}`).join(", ");
      const k = spec.key.name;
      return `UPDATE ${spec.table} SET ${set}
        FROM unnest(${arrays}) AS u(${all.map((c) => c.name).join(", ")})
        WHERE ${spec.table}.${k} = u.${k}`;
    }
    case "delete":
      return `DELETE FROM ${spec.table} WHERE ${spec.key.name} = ANY($1::${spec.key.type}[])`;
  }
}

/** Rows -> one array per column, the parameters of pgWrite's statement. */
export function columnsOf(rows: readonly Row[], width: number): SqlValue[][] {
  const out: SqlValue[][] = [];
  for (let c = 0; c < width; c++) out.push(new Array<SqlValue>(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let c = 0; c < width; c++) out[c]![r] = row[c] ?? null;
  }
  return out;
}

export function widthOf(spec: WriteSpec): number {
  switch (spec.op) {
    case "insert":
      return spec.columns.length;
    case "update":
      return spec.columns.length + 1;
    case "delete":
      return 1;
  }
}
