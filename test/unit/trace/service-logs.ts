// Log files written the way the four services write them: the real logger
// (the ring, the log worker and its rotating, indexing, compressing writer)
// under a test clock, with the fields each service puts on its lifecycle
// markers.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Marker,
  type MarkerSpec,
  markerByName,
  transferEventId,
  transferMarkers,
} from "../../../src/core/mod.ts";
import {
  createLogger,
  type EventFields,
  logEvent,
  type ServiceLogger,
} from "../../../src/obs/mod.ts";

export const SERVICES = ["gateway", "ubscore", "matching_engine", "settlement"] as const;
export type Service = (typeof SERVICES)[number];

/** 2030-01-01T00:00:00Z. */
export const T0 = Date.UTC(2030, 0, 1);

export class ServiceLogs {
  readonly dir: string;
  now: number;
  private readonly loggers: Map<Service, ServiceLogger>;

  private constructor(dir: string, start_ms: number) {
    this.dir = dir;
    this.now = start_ms;
    this.loggers = new Map(
      SERVICES.map((service) => [
        service,
        createLogger({
          service,
          dir,
          level: "info",
          retention_days: 30,
          sample_ppm: 1_000_000,
          clock: () => this.now,
        }),
      ]),
    );
  }

  static async open(start_ms = T0, dir?: string): Promise<ServiceLogs> {
    const logs = new ServiceLogs(dir ?? mkdtempSync(join(tmpdir(), "bourse-trace-")), start_ms);
    for (const l of logs.loggers.values()) await l.open();
    return logs;
  }

  /** Moves the clock on by ms, then writes the line. */
  line(service: Service, after_ms: number, event: MarkerSpec | string, fields: EventFields): this {
    this.now += after_ms;
    const marker = typeof event === "string" ? markerByName(event) : event;
    if (marker === undefined) throw new Error(`not a marker of the registry: ${String(event)}`);
    logEvent(this.loggers.get(service) as ServiceLogger, marker, fields);
    return this;
  }

  /** Writes everything, lets rotated days be compressed, closes the files. */
  async close(): Promise<void> {
    for (const l of this.loggers.values()) {
      await l.settle();
      await l.close();
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface TransferArgs {
  type: "deposit" | "withdraw";
  user_id: number;
  asset_id: number;
  req_id: string;
  request_id: string;
  /** The command's time, which names the event. */
  ts_ms: number;
  /** Markers to leave out, as "service:EVENT". */
  skip?: readonly string[];
  rejected?: boolean;
  duplicate_of?: string;
}

/** Every line of one deposit or withdrawal, in the order the services write them. */
export function transfer(logs: ServiceLogs, a: TransferArgs): string {
  const F = transferMarkers(a.type);
  const event_id = transferEventId(a.type, a.user_id, a.asset_id, a.ts_ms, a.request_id);
  const skip = new Set(a.skip ?? []);
  const put = (s: Service, after: number, ev: MarkerSpec, f: Record<string, unknown>) => {
    if (skip.has(`${s}:${ev.name}`)) logs.now += after;
    else logs.line(s, after, ev, { event_id, user_id: a.user_id, ...f });
  };
  const gw = { req_id: a.req_id, request_id: a.req_id, asset: "BTC", amount: "1" };
  const ubs = { request_id: a.request_id };
  put("gateway", 0, F.RECEIVED, gw);
  put("ubscore", 3, F.CONSUMED, { ...ubs, asset: "BTC", amount_units: 100 });
  if (a.rejected === true) {
    put("ubscore", 0, F.REJECTED, {
      ...ubs,
      reason: "INSUFFICIENT_BALANCE",
      duplicate: false,
    });
  } else {
    put("ubscore", 0, F.VALIDATED, { ...ubs, duplicate: a.duplicate_of !== undefined });
  }
  put("ubscore", 2, F.TO_SETTLEMENT, { ...ubs, topic: "balance.events" });
  put("ubscore", 1, F.EXIT, { ...ubs, replied: true });
  if (a.rejected === true) {
    put("gateway", 1, F.REJECTED, { ...gw, code: "INSUFFICIENT_BALANCE" });
  } else {
    // A retry is answered with the first application's id (src/gateway/http/account.ts).
    const answered = a.duplicate_of === undefined ? {} : { event_id: a.duplicate_of };
    put("gateway", 1, F.ANSWERED, {
      ...gw,
      ...answered,
      duplicate: a.duplicate_of !== undefined,
    });
  }
  put("settlement", 4, F.CONSUMED, { ...ubs, asset: "BTC" });
  const outcome =
    a.rejected === true ? "rejected" : a.duplicate_of === undefined ? "applied" : "duplicate";
  put("settlement", 3, F.PERSISTED, { ...ubs, table: "balance_ledger", outcome });
  return event_id;
}

export interface OrderArgs {
  order_id: number;
  req_id: string;
  user_id?: number;
  /** Trades this order takes, against these maker orders. */
  fills?: readonly { trade_id: number; maker_order_id: number }[];
  skip?: readonly string[];
  /** Gap between the gateway's RECEIVED line and UBSCore's. */
  received_before_ms?: number;
}

/** Every line of one order placed through the gateway. */
export function order(logs: ServiceLogs, a: OrderArgs): void {
  const skip = new Set(a.skip ?? []);
  const user_id = a.user_id ?? 1001;
  const put = (s: Service, after: number, ev: MarkerSpec, f: EventFields) => {
    if (skip.has(`${s}:${ev.name}`)) logs.now += after;
    else logs.line(s, after, ev, f);
  };
  const id = String(a.order_id);
  const fills = a.fills ?? [];
  const base = { req_id: a.req_id, request_id: a.req_id, user_id, symbol: "BTC_USDT" };
  put("gateway", 0, Marker.ORDER_RECEIVED, { ...base, event_id: a.req_id, side: "Buy", cid: null });
  put("ubscore", a.received_before_ms ?? 5, Marker.ORDER_ACCEPTED, {
    event_id: id,
    order_id: a.order_id,
    user_id,
    request_id: a.req_id,
    symbol: "BTC_USDT",
  });
  if (fills.length > 0) {
    put("matching_engine", 10, Marker.ORDER_MATCHED, {
      event_id: id,
      order_id: a.order_id,
      user_id,
      symbol: "BTC_USDT",
      trades: fills.length,
      filled: true,
    });
    for (const f of fills) {
      put("matching_engine", 1, Marker.TRADE_EXECUTED, {
        event_id: String(f.trade_id),
        trade_id: f.trade_id,
        order_id: a.order_id,
        maker_order_id: f.maker_order_id,
        symbol: "BTC_USDT",
      });
    }
  }
  put("gateway", 20, Marker.ORDER_ANSWERED, {
    ...base,
    event_id: id,
    order_id: id,
    status: fills.length > 0 ? "Filled" : "New",
    trades: fills.length,
  });
  put("settlement", 5, Marker.ORDER_PERSISTED, {
    event_id: id,
    order_id: a.order_id,
    user_id,
    symbol: "BTC_USDT",
  });
  for (const f of fills) {
    put("settlement", 0, Marker.TRADE_PERSISTED, {
      event_id: String(f.trade_id),
      trade_id: f.trade_id,
      order_id: a.order_id,
    });
  }
}
