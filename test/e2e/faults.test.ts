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
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { BourseClient } from "../../src/client/mod.ts";
import { loadSpec } from "../../src/core/mod.ts";
import { startSettlement } from "../../src/settlement/mod.ts";
import { openPostgresStore } from "../../src/store/mod.ts";
import { connectNats, Topic } from "../../src/transport/mod.ts";
import { type Distributed as D, Distributed, type ServiceName } from "../support/distributed.ts";
import { clientFor, eventually } from "../support/exchange-process.ts";
import { checkNothingLostOrDoubled, Load, USERS } from "../support/fault-load.ts";
import { PG_URL, servicesGate } from "../support/gates.ts";
import { natsServerBin, PrivateNatsServer } from "../support/nats-server.ts";
import { freePort } from "../support/ports.ts";
import { Rng } from "../support/random.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";

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
    await checkNothingLostOrDoubled(d, spec, users, load);
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
