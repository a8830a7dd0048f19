// Load for fault tests in distributed mode, whatever the transport: orders,
// cancels and transfers sent through the gateway by several workers, each
// outcome recorded as acknowledged; and the checks that, once the faults are
// over, nothing acknowledged is lost, nothing is applied twice, and every
// asset is conserved, read from settlement's PostgreSQL tables.

import assert from "node:assert/strict";
import { BourseApiError, type BourseClient } from "../../src/client/mod.ts";
import type { Spec } from "../../src/core/mod.ts";
import type { Distributed } from "./distributed.ts";
import { eventually } from "./exchange-process.ts";
import type { Rng } from "./random.ts";

export const USERS = [11, 12, 13, 14, 15, 16];
const ASSETS = ["BTC", "USDT"] as const;

interface Transfer {
  request_id: string;
  user_id: number;
  asset: string;
  amount: string;
  out: boolean;
}

/** Commands sent through the gateway and what was acknowledged. */
export class Load {
  readonly transfers = new Map<string, { t: Transfer; status: string }>();
  readonly orders = new Map<string, { order_id: string; status: string }>();
  readonly unanswered = new Set<string>();
  private stopped = false;
  private running: Promise<void>[] = [];
  private n = 0;

  constructor(
    private readonly operator: () => BourseClient,
    private readonly users: () => Map<number, BourseClient>,
    private readonly rng: Rng,
  ) {}

  start(workers: number): void {
    for (let i = 0; i < workers; i++) this.running.push(this.worker());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }

  /** A transfer is retried under its request_id until answered: the gateway may be down. */
  private async transfer(t: Transfer): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const body = {
          request_id: t.request_id,
          user_id: t.user_id,
          asset: t.asset,
          amount: t.amount,
        };
        const r = t.out
          ? await this.operator().transferOut(body)
          : await this.operator().transferIn(body);
        this.transfers.set(t.request_id, { t, status: r.status });
        return;
      } catch (err) {
        if (err instanceof BourseApiError && err.status > 0 && err.status < 500) {
          this.transfers.set(t.request_id, { t, status: err.code });
          return;
        }
        if (attempt > 400) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private async order(user: number): Promise<void> {
    const cid = `f${++this.n}`;
    const buy = this.rng.chance(0.5);
    const price = String(50_000 + (buy ? -1 : 1) * this.rng.int(-3, 10));
    const client = this.users().get(user) as BourseClient;
    try {
      if (this.rng.chance(0.2)) {
        const cancel = `f${this.rng.int(Math.max(1, this.n - 30), this.n)}`;
        await client.cancelOrder({ cid: cancel }).catch(() => undefined);
      }
      const r = await client.createOrder({
        symbol: "BTC_USDT",
        side: buy ? "Buy" : "Sell",
        order_type: "Limit",
        price,
        quantity: `0.0${this.rng.int(1, 9)}`,
        cid,
      });
      this.orders.set(cid, { order_id: r.order_id, status: r.status });
    } catch (err) {
      // A refusal is an answer; no answer (a process was down) leaves the outcome unknown.
      if (err instanceof BourseApiError && err.status > 0 && err.status < 500) return;
      this.unanswered.add(cid);
    }
  }

  private async worker(): Promise<void> {
    while (!this.stopped) {
      const user = this.rng.pick(USERS);
      if (this.rng.chance(0.15)) {
        const asset = this.rng.pick(ASSETS);
        const out = this.rng.chance(0.3);
        await this.transfer({
          request_id: `t${++this.n}`,
          user_id: user,
          asset,
          amount: asset === "BTC" ? `0.${this.rng.int(1, 9)}` : String(this.rng.int(100, 9000)),
          out,
        });
      } else {
        await this.order(user);
      }
    }
  }
}

/** After the load stopped: the checks of a run with faults. */
export async function checkNothingLostOrDoubled(
  d: Distributed,
  spec: Spec,
  users: Map<number, BourseClient>,
  load: Load,
): Promise<void> {
  assert.ok(load.transfers.size > 20 && load.orders.size > 100, "the load exercised the system");
  // Settlement catches up: the ledger ends at UBSCore's live balances for every account.
  for (const [u, client] of users) {
    const live = await client.balance();
    await eventually(
      () => d.ledger(u),
      (rows) =>
        live.every((b) => {
          const asset = spec.assetByName.get(b.asset)?.id;
          const last = rows.filter((r) => r.asset_id === asset).at(-1);
          const units = (s: string, decimals: number) => Math.round(Number(s) * 10 ** decimals);
          const dec = spec.assetByName.get(b.asset)?.decimals ?? 0;
          return last === undefined
            ? b.avail === formatZero(dec) && b.frozen === formatZero(dec)
            : last.avail === units(b.avail, dec) && last.frozen === units(b.frozen, dec);
        }),
      `settlement to reach user ${u}'s live balances`,
      60_000,
    );
  }
  // Every acknowledged transfer is recorded once, with its outcome.
  const rows = await d.query<{ request_id: string; reject: string | number }>(
    "SELECT request_id, reject FROM transfers",
  );
  const byId = new Map(rows.map((r) => [r.request_id, Number(r.reject)]));
  for (const [id, { status }] of load.transfers) {
    assert.ok(byId.has(id), `acknowledged transfer ${id} (${status}) is in the database`);
    assert.equal(
      byId.get(id) === 0,
      status === "applied" || status === "duplicate",
      `transfer ${id} outcome`,
    );
  }
  // Every acknowledged order is there.
  const orders = await d.query<{ order_id: string; cid: string; user_id: string }>(
    "SELECT order_id, cid, user_id FROM orders",
  );
  const byCid = new Map(orders.map((o) => [`${o.cid}`, String(o.order_id)]));
  for (const [cid, { order_id }] of load.orders)
    assert.equal(byCid.get(cid), order_id, `order ${cid}`);
  // An order placed twice would show one cid twice.
  assert.equal(
    new Set(orders.map((o) => `${o.user_id}/${o.cid}`)).size,
    orders.length,
    "no order applied twice",
  );
  // The ledger has no gap and no repeat in any account.
  const gaps = await d.query<{ n: string }>(
    "SELECT count(*) AS n FROM (SELECT seq, row_number() OVER (PARTITION BY user_id, asset_id ORDER BY seq) AS rn FROM balance_ledger) x WHERE seq <> rn",
  );
  assert.equal(Number(gaps[0]?.n), 0, "ledger sequences are 1..n in every account");
  // Conservation: per asset, the accounts' final balances sum to deposits minus withdrawals.
  const sums = await d.query<{ asset_id: string; total: string }>(
    "SELECT asset_id, sum(avail + frozen) AS total FROM (SELECT DISTINCT ON (user_id, asset_id) asset_id, avail, frozen FROM balance_ledger ORDER BY user_id, asset_id, seq DESC) last GROUP BY asset_id",
  );
  const flows = await d.query<{ asset_id: string; net: string }>(
    "SELECT asset_id, sum(CASE WHEN kind = 1 THEN amount_units ELSE -amount_units END) AS net FROM transfers WHERE reject = 0 GROUP BY asset_id",
  );
  const net = new Map(flows.map((f) => [Number(f.asset_id), BigInt(f.net)]));
  for (const s of sums)
    assert.equal(
      BigInt(s.total),
      net.get(Number(s.asset_id)) ?? 0n,
      `asset ${s.asset_id} is conserved`,
    );
}

function formatZero(decimals: number): string {
  return decimals === 0 ? "0" : `0.${"0".repeat(decimals)}`;
}
