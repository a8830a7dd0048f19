// The seed scenario against `bourse start` (as in embedded.test.ts), with the
// default settings, then, with the exchange stopped so that its logs are
// whole: every lifecycle marker of every deposit, withdrawal, order, cancel
// and trade is in the right service's log exactly once with the same event
// id, no other business marker line is there, each service's log opens and
// closes with its start and stop, and `bourse trace --json` finds each event
// complete, in the logs and in the settlement database.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import type { BourseApiError } from "../../src/client/mod.ts";
import { markerByName } from "../../src/core/mod.ts";
import { type TraceResult, trace } from "../../src/trace/mod.ts";
import {
  clientFor,
  createKey,
  eventually,
  type Running,
  startExchange,
} from "../support/exchange-process.ts";

const SELLER = 1001;
const BUYER = 1002;
const SERVICES = ["gateway", "ubscore", "matching_engine", "settlement"] as const;
type Service = (typeof SERVICES)[number];

const run = promisify(execFile);
const BIN = new URL("../../bin/bourse.js", import.meta.url).pathname;

async function bourseTrace(args: string[]): Promise<{ code: number; result: TraceResult }> {
  const argv = [BIN, "trace", ...args, "--json"];
  try {
    const { stdout } = await run(process.execPath, argv, { maxBuffer: 1 << 24 });
    return { code: 0, result: JSON.parse(stdout) as TraceResult };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== "number" || e.stdout === undefined || e.stdout === "") {
      throw new Error(`bourse trace ${args.join(" ")} failed: ${e.stderr ?? String(err)}`);
    }
    return { code: e.code, result: JSON.parse(e.stdout) as TraceResult };
  }
}

interface Line {
  readonly service: Service;
  readonly event: string;
  readonly fields: Record<string, unknown>;
}

const BUSINESS = new Set(["deposit", "withdraw", "order", "cancel", "trade"]);

/** Every business line of the four logs; each check claims the lines it expects. */
class Markers {
  readonly lines: Line[] = [];
  /** Lines of markers about the services themselves (start, stop, recovery). */
  readonly other: Line[] = [];
  private readonly claimed = new Set<Line>();

  constructor(dir: string) {
    for (const service of SERVICES) {
      const text = readFileSync(join(dir, `${service}.log`), "utf8");
      for (const raw of text.split("\n")) {
        if (raw === "") continue;
        const fields = JSON.parse(raw) as Record<string, unknown>;
        assert.equal(fields.service, service, raw);
        if (typeof fields.event !== "string") continue;
        const marker = markerByName(fields.event);
        assert.ok(marker !== undefined, `a marker outside the registry: ${raw}`);
        const line = { service, event: fields.event, fields };
        if (BUSINESS.has(marker.flow)) this.lines.push(line);
        else this.other.push(line);
      }
    }
  }

  /** The one line of this marker in this service matching `where`; claims it. */
  one(service: Service, event: string, where: Record<string, unknown>): Line {
    const found = this.lines.filter(
      (l) =>
        l.service === service &&
        l.event === event &&
        Object.entries(where).every(([k, v]) => l.fields[k] === v),
    );
    assert.equal(
      found.length,
      1,
      `${event} in ${service} where ${JSON.stringify(where)}: ${found.length} lines`,
    );
    const line = found[0] as Line;
    assert.ok(!this.claimed.has(line), `${event} in ${service} expected twice`);
    this.claimed.add(line);
    return line;
  }

  none(service: Service, event: string, where: Record<string, unknown>): void {
    const found = this.lines.filter(
      (l) =>
        l.service === service &&
        l.event === event &&
        Object.entries(where).every(([k, v]) => l.fields[k] === v),
    );
    assert.equal(found.length, 0, `${event} in ${service} where ${JSON.stringify(where)}`);
  }

  unclaimed(): Line[] {
    return this.lines.filter((l) => !this.claimed.has(l));
  }
}

describe("lifecycle markers end to end", () => {
  const dir = mkdtempSync(join(tmpdir(), "bourse-markers-"));
  const logDir = join(dir, "logs");
  let ex: Running | undefined;
  const ids = {
    deposits: [] as string[],
    withdrawal: "",
    sell: "",
    buy: "",
    trade: "",
  };

  before(async () => {
    ex = await startExchange(dir);
    const operator = clientFor(ex.url, createKey(dir, "operator"));
    const seller = clientFor(ex.url, createKey(dir, { user: SELLER }));
    const buyer = clientFor(ex.url, createKey(dir, { user: BUYER }));
    const d1 = await operator.transferIn({
      request_id: "dep-btc-1",
      user_id: SELLER,
      asset: "BTC",
      amount: "10",
    });
    const d2 = await operator.transferIn({
      request_id: "dep-usdt-1",
      user_id: BUYER,
      asset: "USDT",
      amount: "100000",
    });
    const again = await operator.transferIn({
      request_id: "dep-usdt-1",
      user_id: BUYER,
      asset: "USDT",
      amount: "100000",
    });
    assert.equal(again.status, "duplicate");
    ids.deposits = [d1.event_id, d2.event_id];
    const sell = await seller.createOrder({
      symbol: "BTC_USDT",
      side: "Sell",
      order_type: "Limit",
      price: "45000",
      quantity: "0.5",
    });
    const buy = await buyer.createOrder({
      symbol: "BTC_USDT",
      side: "Buy",
      order_type: "Limit",
      price: "45100",
      quantity: "0.6",
      cid: "buy-1",
    });
    assert.equal(buy.trades.length, 1);
    ids.sell = sell.order_id;
    ids.buy = buy.order_id;
    ids.trade = buy.trades[0]?.trade_id as string;
    await buyer.cancelOrder({ cid: "buy-1" });
    const refusedWith = (code: string) => (err: BourseApiError) => err.code === code;
    await assert.rejects(
      buyer.cancelOrder({ order_id: ids.buy }),
      refusedWith("ORDER_ALREADY_DONE"),
    );
    await assert.rejects(seller.cancelOrder({ order_id: ids.buy }), refusedWith("UNKNOWN_ORDER"));
    const w = await operator.transferOut({
      request_id: "wd-1",
      user_id: SELLER,
      asset: "BTC",
      amount: "0.5",
    });
    ids.withdrawal = w.event_id;
    await assert.rejects(
      operator.transferOut({ request_id: "wd-2", user_id: SELLER, asset: "BTC", amount: "1000" }),
      refusedWith("INSUFFICIENT_BALANCE"),
    );
    // Settlement writes after the answers: wait until the last of it is in the database.
    await eventually(
      async () => settled(join(dir, "settlement.db")),
      (s) => s.transfers === 4 && s.cancelled === 1 && s.trades === 1,
      "settlement of the whole scenario",
    );
    assert.equal(await ex.stop(), 0);
    ex = undefined;
  });

  after(async () => {
    await ex?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("every marker once, in the right service, with the same event id", () => {
    const m = new Markers(logDir);
    const transfer = (F: "DEPOSIT" | "WITHDRAW", event_id: string, opts: { refused?: boolean }) => {
      const received = m.one("gateway", `${F}_RECEIVED`, { event_id });
      // The gateway's request is the command's correlation id; its answer follows it.
      const req_id = received.fields.req_id;
      m.one("gateway", `${F}_${opts.refused === true ? "REJECTED" : "ANSWERED"}`, {
        event_id,
        req_id,
      });
      const consumed = m.one("ubscore", `${F}_CONSUMED`, { event_id });
      m.one("ubscore", `${F}_${opts.refused === true ? "REJECTED" : "VALIDATED"}`, { event_id });
      m.one("ubscore", `${F}_TO_SETTLEMENT`, { event_id });
      m.one("ubscore", `${F}_EXIT`, { event_id });
      m.one("settlement", `${F}_CONSUMED`, { event_id });
      const persisted = m.one("settlement", `${F}_PERSISTED`, { event_id });
      assert.equal(persisted.fields.outcome, opts.refused === true ? "rejected" : "applied");
      return consumed.fields.request_id;
    };
    for (const id of ids.deposits) transfer("DEPOSIT", id, {});
    transfer("WITHDRAW", ids.withdrawal, {});
    const refused = m.lines.find((l) => l.service === "ubscore" && l.event === "WITHDRAW_REJECTED");
    assert.equal(
      transfer("WITHDRAW", refused?.fields.event_id as string, { refused: true }),
      "wd-2",
    );

    // The retry of dep-usdt-1: an event of its own in every service, answered as a duplicate.
    const retry = m.lines.find(
      (l) => l.event === "DEPOSIT_VALIDATED" && l.fields.duplicate === true,
    );
    const retryId = retry?.fields.event_id as string;
    assert.notEqual(retryId, ids.deposits[1]);
    const received = m.one("gateway", "DEPOSIT_RECEIVED", { event_id: retryId });
    const answer = m.one("gateway", "DEPOSIT_ANSWERED", {
      req_id: received.fields.req_id,
      duplicate: true,
    });
    // src/gateway/http/account.ts answers a retry under the first application's id.
    assert.ok([retryId, ids.deposits[1]].includes(answer.fields.event_id as string));
    for (const [service, event] of [
      ["ubscore", "DEPOSIT_CONSUMED"],
      ["ubscore", "DEPOSIT_VALIDATED"],
      ["ubscore", "DEPOSIT_TO_SETTLEMENT"],
      ["ubscore", "DEPOSIT_EXIT"],
      ["settlement", "DEPOSIT_CONSUMED"],
      ["settlement", "DEPOSIT_PERSISTED"],
    ] as const) {
      m.one(service, event, { event_id: retryId });
    }

    const placed = (order_id: string, trades: number) => {
      const answered = m.one("gateway", "ORDER_ANSWERED", { event_id: order_id });
      const req_id = answered.fields.req_id;
      assert.equal(answered.fields.trades, trades);
      // Before UBSCore numbers the order, the gateway names it by its request.
      m.one("gateway", "ORDER_RECEIVED", { req_id, event_id: req_id });
      // The same request id in UBSCore: the gateway's correlation id travelled with the command.
      m.one("ubscore", "ORDER_ACCEPTED", { event_id: order_id, request_id: req_id });
      m.one("settlement", "ORDER_PERSISTED", { event_id: order_id });
      if (trades > 0) m.one("matching_engine", "ORDER_MATCHED", { event_id: order_id });
      else m.none("matching_engine", "ORDER_MATCHED", { event_id: order_id });
    };
    placed(ids.sell, 0);
    placed(ids.buy, 1);

    const buyId = Number(ids.buy);
    const tradeId = Number(ids.trade);
    m.one("matching_engine", "TRADE_EXECUTED", {
      event_id: ids.trade,
      trade_id: tradeId,
      order_id: buyId,
      maker_order_id: Number(ids.sell),
    });
    m.one("settlement", "TRADE_PERSISTED", { event_id: ids.trade, trade_id: tradeId });

    const cancelled = m.one("gateway", "CANCEL_ANSWERED", { event_id: ids.buy });
    m.one("gateway", "CANCEL_RECEIVED", { req_id: cancelled.fields.req_id, cid: "buy-1" });
    m.one("ubscore", "CANCEL_ACCEPTED", {
      event_id: ids.buy,
      request_id: cancelled.fields.req_id,
    });
    m.one("matching_engine", "ORDER_CANCELLED", { event_id: ids.buy });
    for (const code of ["ORDER_ALREADY_DONE", "UNKNOWN_ORDER"]) {
      const refusal = m.one("gateway", "CANCEL_REJECTED", { event_id: ids.buy, code });
      const req_id = refusal.fields.req_id;
      m.one("gateway", "CANCEL_RECEIVED", { event_id: ids.buy, req_id });
      m.one("ubscore", "CANCEL_REJECTED", { event_id: ids.buy, request_id: req_id, reason: code });
    }

    assert.deepEqual(
      m.unclaimed().map((l) => `${l.service} ${l.event} ${String(l.fields.event_id)}`),
      [],
      "marker lines no lifecycle expects",
    );
  });

  test("each service's log opens with its start and ends with its stop; UBSCore says what it recovered", () => {
    const m = new Markers(logDir);
    for (const service of SERVICES) {
      const own = m.other.filter((l) => l.service === service).map((l) => l.event);
      assert.equal(own[0], "SERVICE_STARTED", service);
      assert.equal(own.at(-1), "SERVICE_STOPPED", service);
      assert.equal(own.filter((e) => e === "SERVICE_STARTED").length, 1, service);
      assert.equal(own.filter((e) => e === "SERVICE_STOPPED").length, 1, service);
    }
    const ubs = m.other.filter((l) => l.service === "ubscore");
    const loaded = ubs.find((l) => l.event === "SNAPSHOT_LOADED");
    const replayed = ubs.find((l) => l.event === "JOURNAL_REPLAYED");
    // A first start: no snapshot, nothing to replay.
    assert.equal(loaded?.fields.seq, 0);
    assert.equal(replayed?.fields.replayed, 0);
    assert.equal(
      m.other.filter((l) => l.fields.level === "error").length,
      0,
      "no error in any service",
    );
  });

  test("bourse trace finds each of them complete, in the logs and the database", async () => {
    const m = new Markers(logDir);
    const retry = m.lines.find((l) => l.event === "DEPOSIT_VALIDATED" && l.fields.duplicate);
    const refused = m.lines.find((l) => l.event === "WITHDRAW_REJECTED");
    const queries = [
      ...ids.deposits,
      retry?.fields.event_id as string,
      ids.withdrawal,
      refused?.fields.event_id as string,
      ids.sell,
      ids.buy,
      ids.trade,
    ];
    const results = await Promise.all(
      queries.map((q) => bourseTrace([q, "--log-dir", logDir, "--data-dir", dir])),
    );
    for (const { code, result } of results) {
      assert.equal(result.status, "complete", `${result.query}: ${JSON.stringify(result.missing)}`);
      assert.equal(code, 0, result.query);
      for (const f of result.flows) assert.deepEqual(f.repeated, [], `${result.query} ${f.key}`);
    }
    const buy = results[queries.indexOf(ids.buy)]?.result;
    assert.deepEqual(
      buy?.flows.map((f) => [f.kind, f.outcome]),
      [
        ["order", "accepted"],
        ["cancel", "cancelled"],
        ["cancel", "rejected"],
        ["cancel", "rejected"],
        ["trade", "executed"],
      ],
    );
    const rows = results.flatMap((r) => r.result.timeline).filter((e) => e.source === "db");
    assert.equal(rows.filter((e) => e.event === "DB transfers row").length, 4);
    // Each order's row in its own trace, and both in the trade's.
    assert.equal(rows.filter((e) => e.event === "DB orders row").length, 4);
    // The one trade's one row, once in each trace that reaches it (a row that
    // several of a trace's flows hold is shown once): the trade's and each of
    // its two orders'.
    assert.equal(rows.filter((e) => e.event === "DB trades row").length, 3);
    // The trade's trace: the trade and the placements of both its orders, its fill named.
    const trade = results[queries.indexOf(ids.trade)]?.result;
    assert.deepEqual(
      trade?.flows.map((f) => [f.kind, f.order_id]),
      [
        ["trade", ids.buy],
        ["order", ids.sell],
        ["order", ids.buy],
      ],
    );
    assert.deepEqual(
      trade?.fills.map((f) => [f.trade_id, f.taker_order_id, f.maker_order_id, f.qty_lots]),
      [[ids.trade, ids.buy, ids.sell, 5000]],
    );
    assert.deepEqual(
      buy?.fills.map((f) => [f.trade_id, f.maker_order_id]),
      [[ids.trade, ids.sell]],
    );
  });

  test("every gateway request traces complete from the logs alone", async () => {
    const m = new Markers(logDir);
    const requests = m.lines
      .filter((l) => l.service === "gateway" && l.event.endsWith("_RECEIVED"))
      .map((l) => `request:${String(l.fields.req_id)}`);
    assert.equal(requests.length, 10);
    for (const q of requests) {
      const r = await trace(q, { log_dirs: [logDir] });
      assert.equal(r.status, "complete", `${q}: ${JSON.stringify(r.missing)}`);
      for (const f of r.flows) assert.deepEqual(f.repeated, [], `${q} ${f.key}`);
    }
  });
});

function settled(path: string): { transfers: number; cancelled: number; trades: number } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return {
      transfers: one("SELECT count(*) AS n FROM transfers"),
      cancelled: one("SELECT count(*) AS n FROM orders WHERE status = 4"),
      trades: one("SELECT count(*) AS n FROM trades"),
    };
  } finally {
    db.close();
  }
}
