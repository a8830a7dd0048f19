// UBSCore's lifecycle markers and counters: one line or more per command,
// written field by field into the log's ring (see src/obs/logger.ts),
// without building an object or, for orders, a string.

import {
  type BalanceOutput,
  type CancelCmd,
  type Command,
  CommandKind,
  DEPOSIT_MARKERS,
  errorById,
  Field,
  isTransferCmd,
  Marker,
  type MarkerSpec,
  type PlaceCmd,
  requestEventId,
  type Spec,
  type TransferCmd,
  type TransferMarkers,
  transferEventIdOf,
  WITHDRAW_MARKERS,
} from "../core/mod.ts";
import type { CounterCell, ServiceObs } from "../obs/mod.ts";

function transferMarkers(cmd: TransferCmd): TransferMarkers {
  return cmd.kind === CommandKind.Deposit ? DEPOSIT_MARKERS : WITHDRAW_MARKERS;
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
    const event_id = transferEventIdOf(cmd);
    const asset = this.spec.assetById[cmd.asset_id]?.name ?? String(cmd.asset_id);
    const code = reject === 0 ? undefined : errorById(reject).code;
    for (const marker of [m.CONSUMED, reject === 0 ? m.VALIDATED : m.REJECTED]) {
      const line = obs.log.line(marker);
      if (line === null) continue;
      line
        .str(Field.event_id, event_id)
        .int(Field.user_id, cmd.user_id)
        .str(Field.asset, asset)
        .str(Field.request_id, cmd.request_id)
        .int(Field.amount_units, cmd.amount_units);
      if (marker !== m.CONSUMED) line.str(Field.reason, code).bool(Field.duplicate, duplicate);
      line.end();
    }
    if (code !== undefined) {
      this.reasonCounters(obs, reject, code).rejections.inc();
    } else if (!duplicate) {
      (m === DEPOSIT_MARKERS ? obs.metrics.deposits_total : obs.metrics.withdrawals_total).inc();
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
    if (reject !== 0) {
      const code = errorById(reject).code;
      const line = obs.log.line(place ? Marker.ORDER_REJECTED : Marker.CANCEL_REJECTED);
      if (line !== null) {
        // Refused before it had an order id: named by the gateway's request.
        if (order_id > 0) line.idText(Field.event_id, order_id);
        else line.str(Field.event_id, requestEventId(corr));
        line.int(Field.user_id, cmd.user_id).str(Field.request_id, corr);
        if (order_id > 0) line.int(Field.order_id, order_id);
        line.str(Field.reason, code).end();
      }
      const counters = this.reasonCounters(obs, reject, code);
      counters.rejections.inc();
      if (place) counters.orders_rejected.inc();
      return;
    }
    if (place) this.orders_accepted?.inc();
    const line = obs.log.line(place ? Marker.ORDER_ACCEPTED : Marker.CANCEL_ACCEPTED, order_id);
    if (line === null) return;
    line
      .idText(Field.event_id, order_id)
      .int(Field.order_id, order_id)
      .int(Field.user_id, cmd.user_id)
      .str(Field.request_id, corr)
      .str(Field.symbol, place ? this.spec.symbolById[cmd.symbol_id]?.name : undefined)
      .end();
  }

  /** A command's output left the sequencer (durable): handed to settlement and the answer. */
  released(cmd: Command, topic: string, replied: boolean): void {
    const obs = this.obs;
    if (obs === undefined || !isTransferCmd(cmd)) return;
    const m = transferMarkers(cmd);
    const event_id = transferEventIdOf(cmd);
    const line = (marker: MarkerSpec) =>
      obs.log
        .line(marker)
        ?.str(Field.event_id, event_id)
        .int(Field.user_id, cmd.user_id)
        .str(Field.request_id, cmd.request_id);
    line(m.TO_SETTLEMENT)?.str(Field.topic, topic).end();
    line(m.EXIT)?.bool(Field.replied, replied).end();
  }
}
