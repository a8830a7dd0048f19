// UBSCore's lifecycle markers and counters. Deposit and withdrawal markers
// are always written; order markers follow the per-order sampling.

import {
  type CancelCmd,
  CommandKind,
  errorById,
  isTransferCmd,
  type PlaceCmd,
  type Spec,
  type TransferCmd,
} from "../core/mod.ts";
import { eventEnabled, logEvent, type ServiceObs } from "../obs/mod.ts";
import type { UbsEffects } from "./machine.ts";
import { eventIdOfTransfer } from "./replies.ts";

function transferFamily(cmd: TransferCmd): "DEPOSIT" | "WITHDRAW" {
  return cmd.kind === CommandKind.Deposit ? "DEPOSIT" : "WITHDRAW";
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

export class UbsEvents {
  constructor(
    private readonly obs: ServiceObs | undefined,
    private readonly spec: Spec,
  ) {}

  /** Right after UBSCore applied a command (not yet durable). */
  applied(fx: UbsEffects, corr: string | undefined): void {
    const obs = this.obs;
    const cmd = fx.command;
    if (obs === undefined || cmd === null || fx.out === null) return;
    const reject = fx.out.reject;
    if (isTransferCmd(cmd)) {
      this.transferApplied(obs, cmd, reject, fx.out.duplicate);
      return;
    }
    this.orderApplied(obs, cmd, fx, reject, corr);
  }

  private transferApplied(
    obs: ServiceObs,
    cmd: TransferCmd,
    reject: number,
    duplicate: boolean,
  ): void {
    const family = transferFamily(cmd);
    const base = {
      event_id: transferEventId(cmd),
      user_id: cmd.user_id,
      asset: this.spec.assetById[cmd.asset_id]?.name ?? String(cmd.asset_id),
      request_id: cmd.request_id,
      amount_units: cmd.amount_units,
    };
    logEvent(obs.log, `${family}_CONSUMED`, base);
    if (reject !== 0) {
      const code = errorById(reject).code;
      logEvent(obs.log, `${family}_REJECTED`, { ...base, reason: code, duplicate });
      obs.metrics.rejections_total.labels({ reason: code }).inc();
    } else {
      logEvent(obs.log, `${family}_VALIDATED`, { ...base, duplicate });
      if (!duplicate)
        (family === "DEPOSIT" ? obs.metrics.deposits_total : obs.metrics.withdrawals_total).inc();
    }
  }

  private orderApplied(
    obs: ServiceObs,
    cmd: PlaceCmd | CancelCmd,
    fx: UbsEffects,
    reject: number,
    corr: string | undefined,
  ): void {
    const order_id = fx.out?.order_id ?? 0;
    const place = cmd.kind === CommandKind.Place;
    const family = place ? "ORDER" : "CANCEL";
    if (reject !== 0) {
      const code = errorById(reject).code;
      logEvent(obs.log, `${family}_REJECTED`, {
        event_id: order_id > 0 ? String(order_id) : requestEventId(corr),
        user_id: cmd.user_id,
        request_id: corr,
        order_id: order_id > 0 ? order_id : undefined,
        reason: code,
      });
      obs.metrics.rejections_total.labels({ reason: code }).inc();
      if (place) obs.metrics.orders_total.labels({ outcome: "rejected", reason: code }).inc();
      return;
    }
    if (place) obs.metrics.orders_total.labels({ outcome: "accepted", reason: "none" }).inc();
    const event = `${family}_ACCEPTED`;
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
    const family = transferFamily(cmd);
    const base = {
      event_id: transferEventId(cmd),
      user_id: cmd.user_id,
      request_id: cmd.request_id,
    };
    if (published)
      logEvent(obs.log, `${family}_TO_SETTLEMENT`, { ...base, topic: "balance.events" });
    logEvent(obs.log, `${family}_EXIT`, { ...base, replied });
  }
}
