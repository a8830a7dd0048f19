// The subscribers of `bourse bench fanout`, in a process of their own so that
// reading and parsing do not run on the exchange's thread: N WebSocket
// connections, each on the combined stream of one symbol's depth diffs and
// trades. Each checks what it gets (depth ranges continue, U = previous u + 1;
// trade ids continue) and every latency (receipt minus the event's E, the
// wall clock when the gateway released it) goes into a 1 ms histogram. The
// parent says when the flow ended and what the last ids are; each connection
// is done once it has them.

import { WebSocket } from "ws";

interface Start {
  url: string;
  connections: number;
  stream_symbol: string;
}

const HIST_MS = 60_000;

/** The integer after `key` in a JSON text, or undefined. */
function field(text: string, key: string): number | undefined {
  const at = text.indexOf(key);
  if (at < 0) return undefined;
  let end = at + key.length;
  while (end < text.length) {
    const c = text.charCodeAt(end);
    if (c < 48 || c > 57) break;
    end++;
  }
  return Number(text.slice(at + key.length, end));
}

async function main(): Promise<void> {
  const start = await new Promise<Start>((resolve) =>
    process.once("message", (m) => resolve(m as Start)),
  );
  const hist = new Uint32Array(HIST_MS + 1);
  let messages = 0;
  let depth_gaps = 0;
  let trade_gaps = 0;
  let closed_early = 0;
  const conns: { last_u: number; last_trade: number; ws: WebSocket }[] = [];
  const streams = `${start.stream_symbol}@depth/${start.stream_symbol}@trade`;
  for (let i = 0; i < start.connections; i++) {
    const ws = new WebSocket(`${start.url}/stream?streams=${streams}`);
    const c = { last_u: 0, last_trade: 0, ws };
    conns.push(c);
    ws.on("message", (raw) => {
      const now = Date.now();
      // The fields checked, read without parsing the whole event: the client
      // process must keep up with a thousand connections on a shared machine.
      const text = String(raw);
      const d = {
        E: field(text, '"E":'),
        U: field(text, '"U":'),
        u: field(text, '"u":'),
        t: field(text, '"t":'),
      };
      messages++;
      const lat = Math.max(0, Math.min(HIST_MS, now - (d.E ?? now)));
      hist[lat] = (hist[lat] ?? 0) + 1;
      if (d.u !== undefined && d.U !== undefined) {
        if (c.last_u !== 0 && d.U !== c.last_u + 1) depth_gaps++;
        c.last_u = d.u;
      } else if (d.t !== undefined) {
        if (c.last_trade !== 0 && d.t !== c.last_trade + 1) trade_gaps++;
        c.last_trade = d.t;
      }
    });
    ws.on("close", () => {
      closed_early++;
    });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
  }
  process.send?.({ ready: true });
  const end = await new Promise<{ last_u: number; last_trade: number }>((resolve) =>
    process.once("message", (m) => resolve(m as { last_u: number; last_trade: number })),
  );
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (conns.every((c) => c.last_u >= end.last_u && c.last_trade >= end.last_trade)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const complete = conns.filter(
    (c) => c.last_u >= end.last_u && c.last_trade >= end.last_trade,
  ).length;
  const pct = (p: number) => {
    const target = Math.ceil(p * messages);
    let seen = 0;
    for (let i = 0; i <= HIST_MS; i++) {
      seen += hist[i] ?? 0;
      if (seen >= target) return i;
    }
    return HIST_MS;
  };
  for (const c of conns) c.ws.removeAllListeners("close");
  process.send?.({
    messages,
    depth_gaps,
    trade_gaps,
    closed_early,
    connections_complete: complete,
    latency_ms: { p50: pct(0.5), p99: pct(0.99), max: pct(1) },
  });
  for (const c of conns) c.ws.terminate();
  setTimeout(() => process.exit(0), 100);
}

void main();
