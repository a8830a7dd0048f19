// UBSCore's lifecycle markers and counters. Deposit and withdrawal markers
// are always written; order markers follow the per-order sampling.

import {
  type BalanceOutput,
  type CancelCmd,
  type Command,
  CommandKind,
  errorById,
  isTransferCmd,
  type PlaceCmd,
  type Spec,
  type TransferCmd,
} from "../core/mod.ts";
import { type CounterCell, eventEnabled, logEvent, type ServiceObs } from "../obs/mod.ts";
import type { UbsEffects } from "./machine.ts";
import { eventIdOfTransfer } from "./replies.ts";

// Marker names built once: a name assembled per line would be a fresh string
// whose hash the sampler's policy lookup recomputes every time.
function markers(family: string) {
  return Object.freeze({
    CONSUMED: `${family}_CONSUMED`,
    REJECTED: `${family}_REJECTED`,
    VALIDATED: `${family}_VALIDATED`,
    ACCEPTED: `${family}_ACCEPTED`,
    TO_SETTLEMENT: `${family}_TO_SETTLEMENT`,
    EXIT: `${family}_EXIT`,
  });
}
const DEPOSIT = markers("DEPOSIT");
const WITHDRAW = markers("WITHDRAW");
const ORDER = markers("ORDER");
const CANCEL = markers("CANCEL");

function transferMarkers(cmd: TransferCmd): typeof DEPOSIT {
  return cmd.kind === CommandKind.Deposit ? DEPOSIT : WITHDRAW;
}

export function transferEventId(cmd: TransferCmd): string {
  return eventIdOfTransfer(
    cmd.kind === CommandKind.Deposit ? "deposit" : "withdraw",
    cmd.user_id,
    cmd.asset_id,
    cmd.ts_ms,
  );
}

/** The event id of an order or cancel refused before it had an order id: the gateway's request id. */
export function requestEventId(corr: string | undefined): string {
  return corr ?? "none";
}

export type AppliedResult = Pick<BalanceOutput, "order_id" | "reject" | "duplicate">;

interface ReasonCounters {
  readonly rejections: CounterCell;
  readonly orders_rejected: CounterCell;
}

export class UbsEvents {
  // Labelled counters looked up once: a lookup builds a key string per call.
  private readonly orders_accepted: CounterCell | undefined;
  private readonly by_reason = new Map<number, ReasonCounters>();

  constructor(
    private readonly obs: ServiceObs | undefined,
    private readonly spec: Spec,
  ) {
    this.orders_accepted = obs?.metrics.orders_total.labels({
      outcome: "accepted",
      reason: "none",
    });
  }

  private reasonCounters(obs: ServiceObs, reject: number, code: string): ReasonCounters {
    let c = this.by_reason.get(reject);
    if (c === undefined) {
      c = {
        rejections: obs.metrics.rejections_total.labels({ reason: code }),
        orders_rejected: obs.metrics.orders_total.labels({ outcome: "rejected", reason: code }),
      };
      this.by_reason.set(reject, c);
    }
    return c;
  }

  /**
   * Right after UBSCore applied a command (not yet durable). `out` is the part
   * of its result the markers read, so the combined core's output fits too.
   */
  applied(cmd: Command | null, out: AppliedResult | null, corr: string | undefined): void {
    const obs = this.obs;
    if (obs === undefined || cmd === null || out === null) return;
    if (isTransferCmd(cmd)) {
      this.transferApplied(obs, cmd, out.reject, out.duplicate);
      return;
    }
    if (cmd.kind !== CommandKind.Place && cmd.kind !== CommandKind.Cancel) return;
    this.orderApplied(obs, cmd, out.order_id, out.reject, corr);
  }

  private transferApplied(
    obs: ServiceObs,
    cmd: TransferCmd,
    reject: number,
    duplicate: boolean,
  ): void {
    const m = transferMarkers(cmd);
    const base = {
      event_id: transferEventId(cmd),
      user_id: cmd.user_id,
      asset: this.spec.assetById[cmd.asset_id]?.name ?? String(cmd.asset_id),
      request_id: cmd.request_id,
      amount_units: cmd.amount_units,
    };
    logEvent(obs.log, m.CONSUMED, base);
    if (reject !== 0) {
      const code = errorById(reject).code;
      logEvent(obs.log, m.REJECTED, { ...base, reason: code, duplicate });
      this.reasonCounters(obs, reject, code).rejections.inc();
    } else {
      logEvent(obs.log, m.VALIDATED, { ...base, duplicate });
      if (!duplicate)
        (m === DEPOSIT ? obs.metrics.deposits_total : obs.metrics.withdrawals_total).inc();
    }
  }

  private orderApplied(
    obs: ServiceObs,
    cmd: PlaceCmd | CancelCmd,
    order_id: number,
    reject: number,
    corr: string | undefined,
  ): void {
    const place = cmd.kind === CommandKind.Place;
    const m = place ? ORDER : CANCEL;
    if (reject !== 0) {
      const code = errorById(reject).code;
      logEvent(obs.log, m.REJECTED, {
        event_id: order_id > 0 ? String(order_id) : requestEventId(corr),
        user_id: cmd.user_id,
        request_id: corr,
        order_id: order_id > 0 ? order_id : undefined,
        reason: code,
      });
      const counters = this.reasonCounters(obs, reject, code);
      counters.rejections.inc();
      if (place) counters.orders_rejected.inc();
      return;
    }
    if (place) this.orders_accepted?.inc();
    const event = m.ACCEPTED;
    if (!eventEnabled(obs.log, event, order_id)) return;
    logEvent(obs.log, event, {
      event_id: String(order_id),
      order_id,
      user_id: cmd.user_id,
      request_id: corr,
      symbol: place ? this.spec.symbolById[cmd.symbol_id]?.name : undefined,
    });
  }

  /** The command's effects left UBSCore: published for settlement, answered. */
  released(fx: UbsEffects, published: boolean, replied: boolean): void {
    const obs = this.obs;
    const cmd = fx.command;
    if (obs === undefined || cmd === null) return;
    if (!isTransferCmd(cmd)) return;
    const m = transferMarkers(cmd);
    const base = {
      event_id: transferEventId(cmd),
      user_id: cmd.user_id,
      request_id: cmd.request_id,
    };
    if (published) logEvent(obs.log, m.TO_SETTLEMENT, { ...base, topic: "balance.events" });
    logEvent(obs.log, m.EXIT, { ...base, replied });
  }
}
