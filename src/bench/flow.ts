// The order-flow file format: NDJSON, one command per line, amounts as decimal
// strings, names as users write them. `bourse bench generate` writes it,
// `bourse bench replay` reads it; a day of real orders can be exported to it.

import { readFileSync } from "node:fs";
import {
  BourseError,
  type Command,
  CommandKind,
  cancelCommand,
  placeCommand,
  type Spec,
  transferCommand,
} from "../core/mod.ts";

export type FlowLine =
  | { op: "deposit" | "withdraw"; user: number; asset: string; amount: string; request_id: string }
  | {
      op: "order";
      user: number;
      symbol: string;
      side: "Buy" | "Sell";
      type: "Limit" | "Market";
      tif?: "GTC" | "IOC" | "FOK";
      price?: string;
      quantity?: string;
      quote_quantity?: string;
      cid?: string;
      post_only?: boolean;
      stp?: "ExpireTaker" | "ExpireMaker" | "ExpireBoth";
    }
  | { op: "cancel"; user: number; symbol?: string; cid?: string; order_id?: number | string };

/** A flow line converted for the core, or the error that refused it at the edge. */
export type Parsed =
  | { cmd: Command; line: FlowLine | null }
  | { error: string; line: FlowLine | null };

export function toCommand(spec: Spec, line: FlowLine, ts_ms: number): Command {
  switch (line.op) {
    case "deposit":
    case "withdraw":
      return transferCommand(
        spec,
        line.op === "deposit" ? CommandKind.Deposit : CommandKind.Withdraw,
        { request_id: line.request_id, user_id: line.user, asset: line.asset, amount: line.amount },
        ts_ms,
      );
    case "order":
      return placeCommand(
        spec,
        {
          user_id: line.user,
          symbol: line.symbol,
          side: line.side,
          order_type: line.type,
          time_in_force: line.tif,
          price: line.price,
          quantity: line.quantity,
          quote_quantity: line.quote_quantity,
          cid: line.cid,
          post_only: line.post_only,
          stp: line.stp,
        },
        ts_ms,
      );
    case "cancel":
      return cancelCommand(
        line.user,
        {
          order_id: line.order_id === undefined ? undefined : Number(line.order_id),
          cid: line.cid,
        },
        ts_ms,
      );
    default:
      throw new BourseError(
        { id: 0, code: "BAD_FLOW_LINE", http: 400, message: "unknown op" },
        JSON.stringify(line),
      );
  }
}

/**
 * Read and convert a whole flow file. Timestamps are synthetic (1 ms apart from
 * a fixed origin) so a replay is deterministic whatever the wall clock says.
 * The parsed lines are kept only when asked for (the baseline replays them):
 * a million of them would otherwise double the heap the collector must walk.
 */
export function readFlow(spec: Spec, path: string, keep_lines = false): Parsed[] {
  const text = readFileSync(path, "utf8");
  const out: Parsed[] = [];
  let ts_ms = 1_700_000_000_000;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const raw = text.slice(start, end).trim();
    start = end + 1;
    if (raw === "") continue;
    let line: FlowLine | null = null;
    try {
      line = JSON.parse(raw) as FlowLine;
      out.push({ cmd: toCommand(spec, line, ts_ms++), line: keep_lines ? line : null });
    } catch (err) {
      out.push({ error: err instanceof BourseError ? err.code : (err as Error).message, line });
    }
  }
  return out;
}
