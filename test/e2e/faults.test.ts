// Faults under load in distributed mode: with orders and transfers flowing
// through the gateway, each process is killed with SIGKILL in turn and
// restarted (the sequencer, settlement, the gateway), the NATS server is
// killed and restarted, and PostgreSQL is cut off for a while. Afterwards:
// nothing acknowledged is lost, nothing is applied twice, conservation holds,
// and settlement's tables equal those an uninterrupted settlement builds from
// the same log.
//
// The test runs its own nats-server (so the shared one stays up) and reaches
// PostgreSQL through a proxy it can cut (so the shared server stays up).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BourseApiError, type BourseClient } from "../../src/client/mod.ts";
import { loadSpec } from "../../src/core/mod.ts";
import { startSettlement } from "../../src/settlement/mod.ts";
import { openPostgresStore } from "../../src/store/mod.ts";
import { connectNats, Topic } from "../../src/transport/mod.ts";
import { type Distributed as D, Distributed, type ServiceName } from "../support/distributed.ts";
import { clientFor, eventually } from "../support/exchange-process.ts";
import { PG_URL, servicesGate } from "../support/gates.ts";
import { natsServerBin, PrivateNatsServer } from "../support/nats-server.ts";
import { Rng } from "../support/random.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";

const USERS = [11, 12, 13, 14, 15, 16];
const ASSETS = ["BTC", "USDT"] as const;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a !== null ? a.port : 0));
    });
  });
}

interface Transfer {
  request_id: string;
  user_id: number;
  asset: string;
  amount: string;
  out: boolean;
}

/** Commands sent through the gateway and what was acknowledged. */
class Load {
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

const gate = servicesGate();
const bin = natsServerBin();

describe("distributed mode under faults", {
  skip: !gate.run && "skip" in gate ? gate.skip : bin === null ? "no nats-server binary" : false,
}, () => {
  if (!gate.run && "fail" in gate) {
    test("services are available", () => assert.fail(gate.fail));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "bourse-faults-"));
  const spec = loadSpec();
  let nats: PrivateNatsServer;
  let proxy: TcpProxy;
  let d: D;
  let operator: BourseClient;
  const users = new Map<number, BourseClient>();
  let load: Load;

  before(async () => {
    nats = await PrivateNatsServer.start(bin as string);
    const pg = new URL(PG_URL);
    proxy = await TcpProxy.start(pg.hostname, Number(pg.port || 5432));
    const viaProxy = new URL(PG_URL);
    viaProxy.port = String(proxy.port);
    d = new Distributed(dir, {
      nats_url: nats.url,
      pg_url: viaProxy.toString(),
      gateway_port: await freePort(),
    });
    const url = await d.start();
    operator = clientFor(url, d.createKey("operator"));
    for (const u of USERS) users.set(u, clientFor(url, d.createKey({ user: u })));
    for (const u of USERS) {
      await operator.transferIn({
        request_id: `seed-${u}-btc`,
        user_id: u,
        asset: "BTC",
        amount: "5",
      });
      await operator.transferIn({
        request_id: `seed-${u}-usdt`,
        user_id: u,
        asset: "USDT",
        amount: "500000",
      });
    }
    load = new Load(
      () => operator,
      () => users,
      new Rng(Number(process.env.BOURSE_SEED ?? 7)),
    );
    load.start(6);
  });

  after(async () => {
    await load?.stop().catch(() => undefined);
    await d?.dispose().catch(() => undefined);
    await proxy?.close();
    await nats?.dispose();
    // BOURSE_KEEP_TMP=1 keeps the processes' logs for a post-mortem.
    if (process.env.BOURSE_KEEP_TMP !== "1") rmSync(dir, { recursive: true, force: true });
    else process.stderr.write(`kept ${dir}\n`);
  });

  // How long a killed service stays down: a fault lasts a while by nature.
  const down = () => new Promise((r) => setTimeout(r, 1500));
  const answered = () => load.orders.size + load.transfers.size;
  /** Waits until the load has had n more commands answered. */
  const answeredMore = (n: number, what: string) => {
    const before = answered();
    return eventually(
      async () => answered(),
      (k) => k >= before + n,
      what,
      30_000,
    );
  };

  for (const service of ["ubscore", "settlement", "gateway"] as const satisfies ServiceName[]) {
    test(`kill -9 ${service} under load, then restart it`, async () => {
      await answeredMore(20, `load running before ${service} is killed`);
      await d.procs.get(service)?.kill();
      await down();
      await d.startService(service);
      await answeredMore(20, `commands answered again after ${service} restarted`);
    });
  }

  test("kill -9 the NATS server, then restart it", async () => {
    await nats.stop("SIGKILL");
    await down();
    await nats.restart();
    await answeredMore(20, "commands answered again after the NATS restart");
  });

  test("PostgreSQL goes away for a while, then comes back", async () => {
    proxy.pause();
    await new Promise((r) => setTimeout(r, 3000));
    proxy.resume();
    await answeredMore(20, "load running after PostgreSQL came back");
  });

  test("afterwards nothing acknowledged is lost or doubled, and conservation holds", async () => {
    await load.stop();
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
  });

  test("settlement's tables equal an uninterrupted settlement of the same log", async () => {
    const codes = await d.stop();
    assert.deepEqual(
      codes.filter((c) => c !== 0),
      [],
      "every process stops cleanly",
    );
    // A fresh settlement, never interrupted, consumes the same topics from the
    // start into a schema of its own.
    const refSchema = `${d.schema}_ref`;
    const t = await connectNats({ servers: nats.url, prefix: d.prefix });
    const store = await openPostgresStore(PG_URL, { symbols: spec.symbols, schema: refSchema });
    await store.migrate();
    const ref = await startSettlement({
      log: t.log,
      topic: Topic.Outputs,
      store,
      catalog: spec,
      name: "settlement.reference",
    });
    const reached = await d.query<{ seq: string }>(
      "SELECT seq FROM consumer_positions WHERE stream = 'core'",
    );
    assert.ok(await ref.waitFor(Number(reached[0]?.seq ?? 0), 120_000), "the reference caught up");
    await ref.stop();
    await t.close();
    await store.close();
    try {
      for (const table of [
        "orders",
        "trades",
        "balance_ledger",
        "transfers",
        "klines",
        "consumer_positions",
      ]) {
        const diff = await d.query<{ n: string }>(
          `SELECT count(*) AS n FROM ((SELECT * FROM ${d.schema}.${table} EXCEPT ALL SELECT * FROM ${refSchema}.${table}) UNION ALL (SELECT * FROM ${refSchema}.${table} EXCEPT ALL SELECT * FROM ${d.schema}.${table})) x`,
        );
        assert.equal(Number(diff[0]?.n), 0, `table ${table} differs from the uninterrupted run`);
      }
      const rows = await d.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${refSchema}.balance_ledger`,
      );
      assert.ok(Number(rows[0]?.n) > 100, "the comparison covered real rows");
    } finally {
      await d.query(`DROP SCHEMA IF EXISTS ${refSchema} CASCADE`);
    }
  });
});

function formatZero(decimals: number): string {
  return decimals === 0 ? "0" : `0.${"0".repeat(decimals)}`;
}
