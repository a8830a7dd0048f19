// What the HTTP gateway needs from the exchange behind it. One implementation
// talks to the services over the event log and RPC (embedded or distributed);
// the HTTP layer never knows which.

import type {
  AmendCmd,
  CancelAllAfterCmd,
  CancelAllCmd,
  CancelCmd,
  CancelReplaceCmd,
  CoreOutput,
  PlaceCmd,
  PlaceOcoCmd,
  TransferCmd,
} from "../core/mod.ts";
import type { SettlementReads } from "../store/mod.ts";
import type { Headers } from "../transport/mod.ts";
import type { BalanceRow, OrderReply, TransferReply } from "../ubscore/mod.ts";

export interface DepthLevel {
  price_ticks: number;
  qty_lots: number;
  orders: number;
}

export interface Depth {
  symbol_id: number;
  bids: DepthLevel[];
  asks: DepthLevel[];
  /** The update id (the symbol's engine output seq) the depth stands at, when the source knows it. */
  last_update_id?: number;
}

/** The trading commands whose answer the edge builds from the core's whole output. */
export type TradingCmd =
  | PlaceOcoCmd
  | AmendCmd
  | CancelReplaceCmd
  | CancelAllCmd
  | CancelAllAfterCmd;

export interface ExchangeBackend {
  /** Deposit or withdraw; resolves with UBSCore's answer once durable. */
  transfer(cmd: TransferCmd, headers?: Headers): Promise<TransferReply>;
  /** Place an order; resolves with its real outcome (refusal, or status and fills after matching). */
  place(cmd: PlaceCmd, headers?: Headers): Promise<OrderReply>;
  cancel(cmd: CancelCmd, headers?: Headers): Promise<OrderReply>;
  /**
   * An OCO, amend, cancel-replace, cancel-all or cancel-all-after; resolves
   * with the core's output for it once durable (every order it touched, its
   * trades and refusals), from which the edge builds its answer.
   */
  trade(cmd: TradingCmd, headers?: Headers): Promise<CoreOutput>;
  /** Live balances of one user, from UBSCore. */
  balances(user_id: number): Promise<BalanceRow[]>;
  /** Live order book depth, from the matching engine that owns the symbol. */
  depth(symbol_id: number, limit: number): Promise<Depth>;
  /** History and trades, from the settlement database. */
  readonly store: SettlementReads;
  /** False while starting, recovering or shutting down. */
  ready(): boolean;
}
