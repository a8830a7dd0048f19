// The gateway's way into a sequencer in the same process: commands are handed
// over in memory and answered with the output object itself; reads of the live
// state go through the sequencer so they only show durable effects.

import type { Command, CoreOutput, Spec } from "../core/mod.ts";
import type { BackendDepth as Depth, Intake } from "../gateway/mod.ts";
import type { Headers } from "../transport/mod.ts";
import type { BalanceRow } from "../ubscore/mod.ts";
import type { Sequencer } from "./sequencer.ts";
import type { TraceLinks } from "./tracing.ts";

export class LocalIntake implements Intake {
  constructor(
    private readonly spec: Spec,
    private readonly sequencer: Sequencer,
    private readonly links: TraceLinks | null = null,
  ) {}

  submit(cmd: Command, headers?: Headers): Promise<CoreOutput> {
    this.links?.put(cmd.corr, headers);
    return this.sequencer.submit(cmd);
  }

  balances(user_id: number): Promise<BalanceRow[]> {
    const ubs = this.sequencer.core.ubs;
    return this.sequencer.read(() => balanceRows(this.spec, ubs.accounts.get(user_id)));
  }

  depth(symbol_id: number, limit: number): Promise<Depth> {
    const me = this.sequencer.core.me;
    return this.sequencer.read(() => depthOf(me.book(symbol_id), symbol_id, limit));
  }

  firstTransfer(request_id: string) {
    const ubs = this.sequencer.core.ubs;
    return this.sequencer.read(() => {
      const r = ubs.transferResult(request_id);
      if (r === undefined || r.event === null) return null;
      return { avail: r.event.avail, frozen: r.event.frozen, ts_ms: r.ts_ms };
    });
  }

  ready(): boolean {
    return this.sequencer.failure() === null && this.sequencer.pausedBy() === null;
  }
}

/** One row per listed asset, zero where the account holds nothing. */
export function balanceRows(
  spec: Spec,
  account: { avail: number[]; frozen: number[] } | undefined,
): BalanceRow[] {
  return spec.assets.map((a) => ({
    asset_id: a.id,
    avail_units: account?.avail[a.id] ?? 0,
    frozen_units: account?.frozen[a.id] ?? 0,
  }));
}

export function depthOf(
  book:
    | {
        bids: { depth(n: number): Depth["bids"] };
        asks: { depth(n: number): Depth["asks"] };
        output_seq: number;
      }
    | undefined,
  symbol_id: number,
  limit: number,
): Depth {
  if (book === undefined) return { symbol_id, bids: [], asks: [], last_update_id: 0 };
  return {
    symbol_id,
    bids: book.bids.depth(limit),
    asks: book.asks.depth(limit),
    // The symbol's engine output seq: the update id the depth stream continues from.
    last_update_id: book.output_seq,
  };
}
