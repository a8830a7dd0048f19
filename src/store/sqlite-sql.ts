// Statement shapes for SQLite: one prepared statement per write, run once per
// row inside the transaction (better-sqlite3 binds and steps in C, so the
// per-row cost is a function call, not a round trip).

import type { WriteSpec } from "./writes.ts";

export function sqliteWrite(spec: WriteSpec): string {
  switch (spec.op) {
    case "insert": {
      const names = spec.columns.map((c) => c.name).join(", ");
      const marks = spec.columns.map(() => "?").join(", ");
      return `INSERT INTO ${spec.table} (${names}) VALUES (${marks}) ${spec.conflict}`;
    }
    case "update": {
      const set = spec.columns.map((c) => `${c.name} = ?`).join(", ");
      return `UPDATE ${spec.table} SET ${set} WHERE ${spec.key.name} = ?`;
    }
    case "delete":
      return `DELETE FROM ${spec.table} WHERE ${spec.key.name} = ?`;
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
