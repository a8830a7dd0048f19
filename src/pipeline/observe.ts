// The sequencer's markers and counters. UBSCore and the matching engine run
// in the sequencer's thread but keep their own logs (ubscore.log,
// matching_engine.log) and markers, written from the core's output as each
// command is applied; the transfer markers that say a command left the
// sequencer are written when its output is released (durable).

import { CommandKind, type CoreOutput, type Spec } from "../core/mod.ts";
import { type MatchedView, MatchingEvents } from "../matching/mod.ts";
import type { ServiceObs } from "../obs/mod.ts";
import { UbsEvents } from "../ubscore/mod.ts";
import type { OutputSink } from "./sequencer.ts";

/** The per-command hook: UBSCore's markers, then the engine's when the command reached a book. */
export function coreObserver(
  spec: Spec,
  ubs_obs: ServiceObs | undefined,
  me_obs: ServiceObs | undefined,
): (out: CoreOutput) => void {
  const ubs = new UbsEvents(ubs_obs, spec);
  const me = new MatchingEvents(me_obs, spec);
  // One view object reused for every output: the engine's markers read only these fields.
  const view = {
    symbol_id: 0,
    updates: [] as MatchedView["updates"],
    trades: [] as MatchedView["trades"],
    reject: 0,
    input: { kind: 1 as 1 | 2, order_id: 0, user_id: 0 },
  };
  return (out) => {
    const cmd = out.input;
    ubs.applied(cmd, out, cmd.corr === "" ? undefined : cmd.corr);
    if (out.updates.length > 0) me.orderChanges(out.symbol_id, out.updates);
    if (cmd.kind !== CommandKind.Place && cmd.kind !== CommandKind.Cancel) return;
    // A refusal (before the book, or of a cancel the book did not know) matched nothing.
    if (out.reject !== 0 && out.updates.length === 0) return;
    view.symbol_id = out.symbol_id;
    view.updates = out.updates;
    view.trades = out.trades;
    view.reject = out.reject;
    view.input.kind = cmd.kind === CommandKind.Place ? 1 : 2;
    view.input.order_id = out.order_id;
    view.input.user_id = cmd.user_id;
    me.output(view);
  };
}

/** Released outputs: a transfer has left UBSCore for settlement and its answer. */
export function releaseMarkers(
  spec: Spec,
  ubs_obs: ServiceObs | undefined,
  topic: string,
): OutputSink {
  const events = new UbsEvents(ubs_obs, spec);
  return {
    name: "markers",
    deliver(_batch, outputs) {
      if (ubs_obs === undefined) return;
      for (const o of outputs) events.released(o.input, topic, o.input.corr !== "");
    },
    backlog: () => 0,
  };
}
