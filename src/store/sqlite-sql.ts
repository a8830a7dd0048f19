// Statement shapes for SQLite: prepared statements run inside the
// transaction, several rows per statement where SQL allows it, so that the
// fixed cost of a step (bind, VM start, reset) is paid once per chunk.

import type { WriteSpec } from "./writes.ts";

/** The statement for `rows` rows at once (inserts and deletes; an update is always one row). */
export function sqliteWrite(spec: WriteSpec, rows = 1): string {
  switch (spec.op) {
    case "insert": {
      const names = spec.columns.map((c) => c.name).join(", ");
      const tuple = `(${spec.columns.map(() => "?").join(", ")})`;
      const values = Array.from({ length: rows }, () => tuple).join(", ");
      return `INSERT INTO ${spec.table} (${names}) VALUES ${values} ${spec.conflict}`;
    }
    case "update": {
      const set = spec.columns.map((c) => `${c.name} = ?`).join(", ");
      return `UPDATE ${spec.table} SET ${set} WHERE ${spec.key.name} = ?`;
    }
    case "delete":
      return rows === 1
        ? `DELETE FROM ${spec.table} WHERE ${spec.key.name} = ?`
        : `DELETE FROM ${spec.table} WHERE ${spec.key.name} IN (${Array.from({ length: rows }, () => "?").join(", ")})`;
  }
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
