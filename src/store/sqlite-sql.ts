// Statement shapes for SQLite: prepared statements run inside the
// transaction, several rows per statement where SQL allows it, so that the
// fixed cost of a step (bind, VM start, reset) is paid once per chunk.

import { type InsertSpec, type UpdateSpec, updateSetOf } from "./writes.ts";

/** An insert of `rows` rows at once. */
export function sqliteInsert(spec: InsertSpec, rows = 1): string {
  const names = spec.columns.map((c) => c.name).join(", ");
  const tuple = `(${spec.columns.map(() => "?").join(", ")})`;
  const values = Array.from({ length: rows }, () => tuple).join(", ");
  return `INSERT INTO ${spec.table} (${names}) VALUES ${values} ${spec.conflict}`.trimEnd();
}

/** An update of one row: the set columns, then the key. */
export function sqliteUpdate(spec: UpdateSpec): string {
  const set = spec.columns.map((c) => updateSetOf(spec, c.name, "?")).join(", ");
  return `UPDATE ${spec.table} SET ${set} WHERE ${spec.key.name} = ?`;
}

/** $1, $2, ... -> ?; the shared queries use each placeholder once, in order. */
export function sqliteParams(text: string): string {
  let next = 1;
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    if (Number(n) !== next) throw new Error(`placeholder $${n} out of order in: ${text}`);
    next++;
    return "?";
  });
}
