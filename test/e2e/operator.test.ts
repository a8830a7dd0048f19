// The README's operator commands against a running `bourse start`: keys
// (create, list, revoke), snapshot and status through the control socket,
// trace; and what an operator sees when something is wrong: nothing running,
// a stale lock naming an unrelated process (never signalled), a second
// exchange on the same folder, a busy port. Starts that fail say why in one
// line and leave no lock or socket behind; a graceful stop is logged.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Distributed } from "../support/distributed.ts";
import {
  clientFor,
  eventually,
  type Key,
  type Running,
  runBourse,
  startExchange,
} from "../support/exchange-process.ts";
import { gateOptions, servicesGate } from "../support/gates.ts";

const root = mkdtempSync(join(tmpdir(), "bourse-operator-"));

function json<T>(text: string): T {
  return JSON.parse(text.trim()) as T;
}

/** A process that is not an exchange: it reports any signal it gets on stdout. */
async function bystander(): Promise<{ proc: ChildProcess; signals: string[] }> {
  const script = [
    "for (const s of ['SIGUSR2','SIGUSR1','SIGTERM','SIGINT','SIGHUP'])",
    "  process.on(s, () => process.stdout.write(s + '\\n'));",
    "process.stdout.write('up\\n');",
    "setInterval(() => {}, 1000);",
  ].join("\n");
  const proc = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const signals: string[] = [];
  await new Promise<void>((resolve) => {
    proc.stdout?.on("data", (d: Buffer) => {
      for (const line of String(d)
        .split("\n")
        .filter((l) => l !== "")) {
        if (line === "up") resolve();
        else signals.push(line);
      }
    });
  });
  return { proc, signals };
}

after(() => rmSync(root, { recursive: true, force: true }));

describe("operator commands against a running exchange", () => {
  const dir = join(root, "ex");
  let ex: Running;
  let op: Key;
  let alice: Key;
  let bob: Key;

  before(async () => {
    ex = await startExchange(dir);
  });

  after(async () => {
    await ex?.kill();
  });

  test("bourse start creates its data folder with mode 0700", () => {
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  });

  test("bourse keys create, list and revoke", async () => {
    const created = (args: string[]) => {
      const r = runBourse(["keys", "create", "--data-dir", dir, "--json", ...args]);
      assert.equal(r.status, 0, r.stderr);
      return json<Key & { user_id: number | null; role: string }>(r.stdout);
    };
    const o = created(["--operator"]);
    assert.deepEqual([o.role, o.user_id], ["operator", null]);
    op = o;
    alice = created(["--user", "1001"]);
    bob = created(["--user", "1002"]);
    const list = runBourse(["keys", "list", "--data-dir", dir, "--json"]);
    assert.equal(list.status, 0);
    const listed = list.stdout
      .trim()
      .split("\n")
      .map((l) => json<{ api_key: string; user_id: number | null; secret?: string }>(l));
    assert.deepEqual(
      listed.map((k) => [k.api_key, k.user_id, k.secret]),
      [
        [op.api_key, null, undefined],
        [alice.api_key, 1001, undefined],
        [bob.api_key, 1002, undefined],
      ],
    );
    // A user id above the configured maximum (2^48 by default) is refused, and nothing is written.
    const tooBig = runBourse(["keys", "create", "--data-dir", dir, "--user", String(2 ** 48 + 1)]);
    assert.equal(tooBig.status, 1);
    assert.equal(
      tooBig.stderr,
      "error: user id 281474976710657 is above the configured maximum 281474976710656 (limits.max_user_id)\n",
    );
    assert.equal(runBourse(["keys", "list", "--data-dir", dir, "--json"]).stdout, list.stdout);
    // A revoked key stops working in the running exchange within a second or so.
    const spare = created(["--user", "1003"]);
    const c = clientFor(ex.url, spare);
    assert.equal((await c.balance()).length, 3);
    const revoked = runBourse(["keys", "revoke", spare.api_key, "--data-dir", dir]);
    assert.equal(revoked.status, 0, revoked.stderr);
    await eventually(
      () =>
        c.balance().then(
          () => "ok",
          (err: { code?: string }) => err.code ?? "?",
        ),
      (v) => v === "AUTH_BAD_KEY",
      "the revoked key to be refused",
    );
  });

  test("trading, then bourse snapshot writes a snapshot and the exchange keeps serving", async () => {
    const operator = clientFor(ex.url, op);
    await operator.transferIn({
      request_id: "op-dep-1",
      user_id: 1001,
      asset: "USDT",
      amount: "10000",
    });
    await operator.transferIn({ request_id: "op-dep-2", user_id: 1002, asset: "BTC", amount: "1" });
    await clientFor(ex.url, bob).createOrder({
      symbol: "BTC_USDT",
      side: "Sell",
      order_type: "Limit",
      price: "50000",
      quantity: "0.1",
    });
    const r = runBourse(["snapshot", "--data-dir", dir]);
    assert.equal(r.status, 0, r.stderr);
    const snap = json<{ seq: number; path: string }>(r.stdout);
    assert.ok(existsSync(snap.path), snap.path);
    assert.match(snap.path, new RegExp(`snapshot-0*${snap.seq}\\.snap$`));
    assert.ok(snap.path.startsWith(join(dir, "sequencer")), snap.path);
    // Still running, still ready, still trading.
    assert.equal(ex.proc.exitCode, null);
    assert.deepEqual(await clientFor(ex.url).readyz(), { status: "ready" });
    const buy = await clientFor(ex.url, alice).createOrder({
      symbol: "BTC_USDT",
      side: "Buy",
      order_type: "Limit",
      price: "50000",
      quantity: "0.1",
    });
    assert.equal(buy.status, "Filled");
    // The next snapshot covers the inputs since: the order (and its fill).
    const again = json<{ seq: number; path: string }>(
      runBourse(["snapshot", "--data-dir", dir]).stdout,
    );
    assert.ok(again.seq > snap.seq, `${again.seq} after ${snap.seq}`);
    assert.ok(existsSync(again.path));
  });

  test("bourse status says who runs on the folder", () => {
    const r = runBourse(["status", "--data-dir", dir]);
    assert.equal(r.status, 0, r.stderr);
    const s = json<{ service: string; pid: number; state: string; details: { url: string } }>(
      r.stdout,
    );
    assert.deepEqual(
      [s.service, s.pid, s.state, s.details.url],
      ["start", ex.pid, "ready", ex.url],
    );
  });

  test("bourse trace follows a deposit and a trade through the logs and the database", async () => {
    const trades = await eventually(
      () => clientFor(ex.url).marketTrades("BTC_USDT"),
      (t) => t.length === 1,
      "the trade to be settled",
    );
    const logs = join(dir, "logs");
    for (const id of [`trade:${trades[0]?.trade_id}`, "request:op-dep-1"]) {
      const r = runBourse(["trace", id, "--data-dir", dir, "--log-dir", logs, "--json"]);
      assert.equal(r.status, 0, `${id}: ${r.stdout}${r.stderr}`);
      const t = json<{ status: string }>(r.stdout);
      assert.equal(t.status, "complete", id);
    }
    const missing = runBourse(["trace", "order:999", "--data-dir", dir, "--log-dir", logs]);
    assert.equal(missing.status, 1);
  });

  test("after trading, /metrics has no series stuck at 0 (only the log-drop counter may be)", async () => {
    const text = await (await fetch(`${ex.url}/metrics`)).text();
    const series = text
      .split("\n")
      .filter((l) => l.startsWith("bourse_") && !l.includes("_bucket{"))
      .map(
        (l) => [l.slice(0, l.lastIndexOf(" ")), Number(l.slice(l.lastIndexOf(" ") + 1))] as const,
      );
    const zero = series.filter(
      ([name, v]) => v === 0 && !name.startsWith("bourse_log_lines_dropped_total"),
    );
    assert.deepEqual(zero, []);
    for (const name of [
      "bourse_deposits_total",
      "bourse_trades_total",
      "bourse_settlement_lag_seconds",
    ]) {
      assert.ok(
        series.some(([n]) => n.startsWith(name)),
        `${name} is served once written`,
      );
    }
  });

  test("a second exchange on the same folder is refused in one line, and the first is untouched", () => {
    const r = runBourse(["start", "--data-dir", dir, "--port", "0", "--log-dir", join(root, "l2")]);
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      `bourse start: data folder ${dir} is in use by bourse start (pid ${ex.pid}); one exchange per data folder (if pid ${ex.pid} is no bourse process, remove ${join(dir, "bourse.pid")})\n`,
    );
    assert.equal(ex.proc.exitCode, null);
    assert.equal(runBourse(["status", "--data-dir", dir]).status, 0);
  });

  test("a graceful stop is logged, exits 0 and removes the lock and the socket", async () => {
    assert.equal(await ex.stop(), 0);
    for (const name of ["bourse.pid", "bourse.sock"]) assert.ok(!existsSync(join(dir, name)), name);
    const lines = readFileSync(join(dir, "logs", "gateway.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => json<{ event?: string; signal?: string }>(l));
    const stop = lines.find((l) => l.event === "SERVICE_STOPPING");
    assert.equal(stop?.signal, "SIGTERM");
    assert.equal(lines.at(-1)?.event, "SERVICE_STOPPED");
  });

  test("with nothing running, bourse snapshot and status say so and exit 1", () => {
    for (const cmd of ["snapshot", "status"]) {
      const r = runBourse([cmd, "--data-dir", dir]);
      assert.equal(r.status, 1);
      assert.equal(
        r.stderr,
        `bourse ${cmd}: no exchange is running on ${dir} (nothing answers on its bourse.sock)\n`,
      );
      assert.equal(r.stdout, "");
    }
  });
});

describe("where /metrics is served", () => {
  test("--api-metrics off keeps it off the API port; --admin-port serves it on 127.0.0.1", async () => {
    const dir = join(root, "metrics");
    const ex = await startExchange(dir, ["--api-metrics", "off", "--admin-port", "0"]);
    try {
      const api = await fetch(`${ex.url}/metrics`);
      assert.equal(api.status, 404);
      assert.equal(((await api.json()) as { code: string }).code, "NOT_FOUND");
      const admin = `http://127.0.0.1:${ex.started.admin_port}`;
      const m = await fetch(`${admin}/metrics`);
      assert.equal(m.status, 200);
      assert.match(await m.text(), /^bourse_log_lines_dropped_total\{service="gateway"\} 0$/m);
      assert.equal((await fetch(`${admin}/readyz`)).status, 200);
    } finally {
      assert.equal(await ex.stop(), 0);
    }
    // The environment variable does the same as the flag.
    const viaEnv = await startExchange(join(root, "metrics-env"), [], {
      BOURSE_API_METRICS: "off",
    });
    try {
      assert.equal((await fetch(`${viaEnv.url}/metrics`)).status, 404);
    } finally {
      assert.equal(await viaEnv.stop(), 0);
    }
  });
});

describe("stale locks and failed starts", () => {
  test("a stale bourse.pid naming an unrelated live process is never signalled", async () => {
    const dir = join(root, "stale");
    const b = await bystander();
    try {
      for (const content of [
        `${b.proc.pid}\n`, // the format of earlier versions: a bare pid
        `${JSON.stringify({ pid: b.proc.pid, start: "1", service: "start", since_ms: 0 })}\n`,
      ]) {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { mode: 0o700 });
        writeFileSync(join(dir, "bourse.pid"), content);
        const snap = runBourse(["snapshot", "--data-dir", dir]);
        assert.equal(snap.status, 1);
        assert.match(snap.stderr, /no exchange is running on/);
        // A start takes the stale lock over: the pid was reused by something that is no exchange.
        const ex = await startExchange(dir);
        try {
          assert.equal(
            json<{ pid: number }>(runBourse(["status", "--data-dir", dir]).stdout).pid,
            ex.pid,
          );
          assert.equal(runBourse(["snapshot", "--data-dir", dir]).status, 0);
        } finally {
          assert.equal(await ex.stop(), 0);
        }
      }
      assert.equal(b.proc.exitCode, null);
      assert.deepEqual(b.signals, []);
    } finally {
      b.proc.kill("SIGKILL");
    }
  });

  test("a start that fails on a busy port says so in one line and leaves nothing stale", async () => {
    const dir = join(root, "busy");
    const blocker: Server = createServer();
    blocker.listen(0, "127.0.0.1");
    await once(blocker, "listening");
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = runBourse([
        "start",
        "--data-dir",
        dir,
        "--port",
        String(port),
        "--log-dir",
        join(dir, "logs"),
      ]);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, `bourse start: port ${port} on 127.0.0.1 is already in use\n`);
      for (const name of ["bourse.pid", "bourse.sock"])
        assert.ok(!existsSync(join(dir, name)), name);
      assert.equal(runBourse(["snapshot", "--data-dir", dir]).status, 1);
    } finally {
      blocker.close();
    }
    // The folder is free: the next start works.
    const ex = await startExchange(dir);
    assert.equal(await ex.stop(), 0);
  });
});

const gate = servicesGate();

describe("bourse snapshot against a distributed bourse ubscore", gateOptions(gate), () => {
  test("snapshots through the socket; SIGUSR2 no longer stops it", async () => {
    if ("fail" in gate) assert.fail(gate.fail);
    const d = new Distributed(join(root, "dist"));
    try {
      const ubs = await d.startService("ubscore");
      const dir = join(d.dir, "ubscore");
      const r = runBourse(["snapshot", "--data-dir", dir]);
      assert.equal(r.status, 0, r.stderr);
      const snap = json<{ seq: number; path: string }>(r.stdout);
      assert.ok(existsSync(snap.path), snap.path);
      const status = json<{ service: string; pid: number; state: string }>(
        runBourse(["status", "--data-dir", dir]).stdout,
      );
      assert.deepEqual([status.service, status.pid, status.state], ["ubscore", ubs.pid, "ready"]);
      // What `bourse snapshot` used to send: now logged and ignored, the service runs on.
      ubs.proc.kill("SIGUSR2");
      await eventually(
        async () => readFileSync(join(d.dir, "logs", "ubscore.log"), "utf8"),
        (log) => log.includes('"event":"SIGNAL_IGNORED"'),
        "the ignored signal to be logged",
      );
      assert.equal(ubs.proc.exitCode, null);
      assert.equal(runBourse(["status", "--data-dir", dir]).status, 0);
      assert.equal(await ubs.stop(), 0);
      assert.equal(runBourse(["snapshot", "--data-dir", dir]).status, 1);
    } finally {
      await d.dispose();
    }
  });
});
