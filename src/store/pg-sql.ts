// Statement shapes for PostgreSQL. A batch's writes are one statement: each
// table's write is a data-modifying CTE whose rows come from unnest() over
// one array parameter per column, so a batch of thousands of rows is parsed
// once (the statement is prepared), sent once and planned once. The writes
// of one batch touch disjoint rows (plan.ts folds each order and candle to
// one write), which is what lets them share one statement and one snapshot.

import { type Planned, type SqlValue, updateSetOf, type WriteSpec, widthOf } from "./writes.ts";

/** One table's write, its parameters numbered from `first`. */
export function pgWrite(spec: WriteSpec, first = 1): string {
  const arrays = (cols: readonly { type: string }[]) =>
    cols.map((c, i) => `$${first + i}::${c.type}[]`).join(", ");
  if (spec.op === "insert") {
    const names = spec.columns.map((c) => c.name).join(", ");
    return `INSERT INTO ${spec.table} (${names}) SELECT * FROM unnest(${arrays(spec.columns)}) ${spec.conflict}`.trimEnd();
  }
  const all = [...spec.columns, spec.key];
  const set = spec.columns.map((c) => updateSetOf(spec, c.name, `u.${c.name}`)).join(", ");
  const k = spec.key.name;
  return `UPDATE ${spec.table} SET ${set}
    FROM unnest(${arrays(all)}) AS u(${all.map((c) => c.name).join(", ")})
    WHERE ${spec.table}.${k} = u.${k}`;
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
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  return `"${v.replace(/[\\"]/g, "\\$&")}"`;
}

/**
 * The parameters of a table's write: one PostgreSQL array literal per
 * column. Built here rather than by the driver's generic value conversion,
 * which costs more client CPU than the server spends inserting the rows.
 */
export function pgParams(t: Planned): string[] {
  const width = widthOf(t.spec);
  const cols: string[] = new Array(width).fill("{");
  const row: SqlValue[] = new Array(width);
  for (let r = 0; r < t.count; r++) {
    t.row(r, row);
    const sep = r === 0 ? "" : ",";
    for (let c = 0; c < width; c++) cols[c] += sep + quoted(row[c] ?? null);
  }
  return cols.map((s) => `${s}}`);
}

/** A value in COPY's text format: \N for null, text with its backslash, tab and line breaks escaped. */
function copyValue(v: SqlValue): string {
  if (v === null) return "\\N";
  if (typeof v !== "string") return String(v);
  return v.replace(/[\\\t\n\r]/g, (c) =>
    c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r",
  );
}

/** An insert's rows as COPY text, and the COPY statement that reads them. */
export function pgCopy(t: Planned): { sql: string; text: string } {
  if (t.spec.op !== "insert" || t.spec.conflict !== "") {
    throw new Error(`${t.spec.table}: only plain inserts can be copied`);
  }
  const width = widthOf(t.spec);
  const row: SqlValue[] = new Array(width);
  const lines: string[] = new Array(t.count);
  for (let r = 0; r < t.count; r++) {
    t.row(r, row);
    let line = copyValue(row[0] ?? null);
    for (let c = 1; c < width; c++) line += `\t${copyValue(row[c] ?? null)}`;
    lines[r] = line;
  }
  const names = t.spec.columns.map((c) => c.name).join(", ");
  return { sql: `COPY ${t.spec.table} (${names}) FROM STDIN`, text: `${lines.join("\n")}\n` };
}
