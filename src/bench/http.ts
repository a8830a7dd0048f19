// HTTP order entry: autocannon (in this process) against `bourse start` (a
// child process) placing signed limit orders that trade, once with logging on
// and once with it off, then against a bare fastify echo route with the same
// body, all in the same run.

import { type ChildProcess, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type autocannon from "autocannon";
import { BourseClient } from "../client/mod.ts";
import { sign } from "../gateway/http/mod.ts";
import { ROOT, spawnNode, stopChild as stop } from "./child.ts";

const root = ROOT;

export interface HttpBenchResult {
  target: string;
  connections: number;
  seconds: number;
  requests_per_s: number;
  latency_ms: { p50: number; p99: number; max: number };
  non_2xx: number;
  errors: number;
}

async function spawnUp(args: string[]): Promise<{ proc: ChildProcess; url: string }> {
  const c = await spawnNode(args, (m) => typeof m.url === "string");
  return { proc: c.proc, url: String(c.started.url) };
}

async function cannon(
  opts: autocannon.Options,
  target: string,
  connections: number,
): Promise<HttpBenchResult> {
  const { default: run } = await import("autocannon");
  const r = await run(opts);
  return {
    target,
    connections,
    seconds: r.duration,
    requests_per_s: Math.round(r.requests.average),
    latency_ms: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
    non_2xx: r.non2xx,
    errors: r.errors,
  };
}

function key(dir: string, who: string[]): { api_key: string; secret: string } {
  const out = execFileSync(
    process.execPath,
    [join(root, "bin/bourse.js"), "keys", "create", "--data-dir", dir, "--json", ...who],
    { encoding: "utf8" },
  );
  return JSON.parse(out) as { api_key: string; secret: string };
}

/** Logging on and off alternate `runs` times, so drift of a noisy machine hits both alike. */
export async function benchHttp(
  connections: number,
  seconds: number,
  runs = 1,
): Promise<HttpBenchResult[]> {
  const results: HttpBenchResult[] = [];
  for (let r = 0; r < runs; r++)
    for (const logging of [true, false])
      results.push(await orderEntry(connections, seconds, logging));
  const echo = await spawnUp(["--import", "tsx", join(root, "src/bench/echo-server.ts")]);
  try {
    results.push(
      await cannon(
        {
          url: `${echo.url}/echo`,
          connections,
          duration: seconds,
          method: "POST",
          headers: { "content-type": "application/json" },
          body: BODIES[0],
        },
        "bare_fastify_echo",
        connections,
      ),
    );
  } finally {
    await stop(echo.proc);
  }
  return results;
}

// User 1 sells, user 2 buys, at one price: every other order trades.
const BODIES = [
  JSON.stringify({
    symbol: "BTC_USDT",
    side: "Sell",
    order_type: "Limit",
    price: "50000",
    quantity: "0.0001",
  }),
  JSON.stringify({
    symbol: "BTC_USDT",
    side: "Buy",
    order_type: "Limit",
    price: "50000",
    quantity: "0.0001",
  }),
] as const;

/** One fresh `bourse start` in its own data folder, loaded for `seconds`. */
async function orderEntry(
  connections: number,
  seconds: number,
  logging: boolean,
): Promise<HttpBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "bourse-http-"));
  const ex = await spawnUp([
    "--max-semi-space-size=64",
    join(root, "bin/bourse.js"),
    "start",
    "--data-dir",
    dir,
    "--port",
    "0",
    "--rate-limit-per-s",
    "0",
    "--log-dir",
    join(dir, "logs"),
    "--log-level",
    logging ? "info" : "silent",
  ]);
  try {
    const op = key(dir, ["--operator"]);
    const users = [key(dir, ["--user", "1"]), key(dir, ["--user", "2"])];
    const admin = new BourseClient({ baseUrl: ex.url, apiKey: op.api_key, secret: op.secret });
    for (const [i, asset, amount] of [
      [1, "BTC", "1000000"],
      [2, "USDT", "1000000000"],
      [1, "USDT", "1000"],
      [2, "BTC", "1"],
    ] as const) {
      await admin.transferIn({ request_id: `bench-${i}-${asset}`, user_id: i, asset, amount });
    }
    const path = "/api/v1/order/create";
    let n = 0;
    return await cannon(
      {
        url: ex.url,
        connections,
        duration: seconds,
        requests: [
          {
            method: "POST",
            path,
            setupRequest: (req: autocannon.Request) => {
              const i = n & 1;
              // A cid per request: the gateway refuses a signature it has seen
              // (a replay), and two requests of one user with one body in the
              // same millisecond would otherwise be signed alike.
              const body = `${(BODIES[i] as string).slice(0, -1)},"cid":"b${n++}"}`;
              const u = users[i] as { api_key: string; secret: string };
              const ts = String(Date.now());
              req.body = body;
              req.headers = {
                "content-type": "application/json",
                "x-bourse-apikey": u.api_key,
                "x-bourse-timestamp": ts,
                "x-bourse-signature": sign(u.secret, ts, "POST", path, body),
              };
              return req;
            },
          },
        ],
      },
      logging ? "order_create" : "order_create_logging_off",
      connections,
    );
  } finally {
    await stop(ex.proc);
    rmSync(dir, { recursive: true, force: true });
  }
}
