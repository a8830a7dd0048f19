// The order-flow file format: NDJSON, one command per line, amounts as decimal
// strings, names as users write them. `bourse bench generate` writes it,
// `bourse bench replay` reads it; a day of real orders can be exported to it.
// Every command kind has an op: deposit, withdraw, order (any order type),
// cancel, oco, amend, cancel_replace, cancel_all, cancel_all_after and tick
// (the sequencer's). Lines get synthetic timestamps 1 ms apart, so a
// cancel_all_after timeout is counted in lines.

import { readFileSync } from "node:fs";
import {
  amendCommand,
  BourseError,
  type Command,
  CommandKind,
  cancelAllAfterCommand,
  cancelAllCommand,
  cancelCommand,
  cancelReplaceCommand,
  ocoCommand,
  placeCommand,
  type Spec,
  tickCommand,
  transferCommand,
} from "../core/mod.ts";

/** An order as a flow line gives it (also the new half of a cancel-replace). */
export interface FlowOrder {
  side: "Buy" | "Sell";
  type: "Limit" | "Market" | "StopLoss" | "StopLossLimit" | "TakeProfit" | "TakeProfitLimit";
  tif?: "GTC" | "IOC" | "FOK";
  price?: string;
  /** The trigger of the four stop types. */
  stop_price?: string;
  quantity?: string;
  quote_quantity?: string;
  cid?: string;
  post_only?: boolean;
  stp?: "ExpireTaker" | "ExpireMaker" | "ExpireBoth";
}

/** Which order a cancel, amend or cancel-replace names. */
export interface FlowTarget {
  cid?: string;
  order_id?: number | string;
}

export type FlowLine =
  | { op: "deposit" | "withdraw"; user: number; asset: string; amount: string; request_id: string }
  | ({ op: "order"; user: number; symbol: string } & FlowOrder)
  | ({ op: "cancel"; user: number; symbol?: string } & FlowTarget)
  | {
      op: "oco";
      user: number;
      symbol: string;
      side: "Buy" | "Sell";
      quantity: string;
      price: string;
      post_only?: boolean;
      cid?: string;
      stop_type: "StopLoss" | "StopLossLimit" | "TakeProfit" | "TakeProfitLimit";
      stop_price: string;
      stop_limit_price?: string;
      stop_tif?: "GTC" | "IOC" | "FOK";
      stop_cid?: string;
    }
  | ({ op: "amend"; user: number; symbol: string; price?: string; quantity?: string } & FlowTarget)
  | {
      op: "cancel_replace";
      user: number;
      symbol: string;
      cancel: FlowTarget;
      mode: "StopOnFailure" | "AllowFailure";
      order: FlowOrder;
    }
  | { op: "cancel_all"; user: number; symbol?: string }
  | { op: "cancel_all_after"; user: number; timeout_ms: number }
  | { op: "tick" };

function target(t: FlowTarget): { order_id: number | undefined; cid: string | undefined } {
  return { order_id: t.order_id === undefined ? undefined : Number(t.order_id), cid: t.cid };
}

function orderInput(o: FlowOrder) {
  return {
    side: o.side,
    order_type: o.type,
    time_in_force: o.tif,
    price: o.price,
    stop_price: o.stop_price,
    quantity: o.quantity,
    quote_quantity: o.quote_quantity,
    cid: o.cid,
    post_only: o.post_only,
    stp: o.stp,
  };
}

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
        { user_id: line.user, symbol: line.symbol, ...orderInput(line) },
        ts_ms,
      );
    case "cancel":
      return cancelCommand(line.user, target(line), ts_ms);
    case "oco":
      return ocoCommand(
        spec,
        {
          user_id: line.user,
          symbol: line.symbol,
          side: line.side,
          quantity: line.quantity,
          price: line.price,
          post_only: line.post_only,
          cid: line.cid,
          stop_type: line.stop_type,
          stop_price: line.stop_price,
          stop_limit_price: line.stop_limit_price,
          stop_time_in_force: line.stop_tif,
          stop_cid: line.stop_cid,
        },
        ts_ms,
      );
    case "amend":
      return amendCommand(
        spec,
        {
          user_id: line.user,
          symbol: line.symbol,
          ...target(line),
          price: line.price,
          quantity: line.quantity,
        },
        ts_ms,
      );
    case "cancel_replace":
      return cancelReplaceCommand(
        spec,
        line.user,
        target(line.cancel),
        line.mode,
        { symbol: line.symbol, ...orderInput(line.order) },
        ts_ms,
      );
    case "cancel_all":
      return cancelAllCommand(spec, line.user, line.symbol, ts_ms);
    case "cancel_all_after":
      return cancelAllAfterCommand(line.user, line.timeout_ms, ts_ms);
    case "tick":
      return tickCommand(ts_ms);
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
