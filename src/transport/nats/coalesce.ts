// nats.js writes its outbound buffer to the socket one microtask after the
// first command lands in it. A service handles each delivered message through
// a few awaits (journal, publish, ack), so its commands trickle out over many
// microtask rounds of one event-loop turn, and each round became a socket
// write: a syscall here and a wake-up of the server. In a distributed service
// under load those writes were the largest single cost (over a quarter of
// UBSCore's CPU). Flushing at setImmediate instead sends everything a turn
// produced in one write, at the price of at most one loop turn of latency.
//
// The buffer is internal to nats.js, so this checks the shape it relies on
// and leaves the connection alone when it differs (another version), which
// costs speed, never correctness: the same bytes go out in the same order.

import type { NatsConnection } from "@nats-io/transport-node";

interface OutboundBuffer {
  length(): number;
  size(): number;
  fill(buf: Uint8Array, ...more: Uint8Array[]): void;
}

interface ProtocolShape {
  outbound: OutboundBuffer;
  pendingLimit: number;
  flushPending(): void;
  sendCommand(cmd: string | Uint8Array, ...payloads: Uint8Array[]): void;
}

const ENC = new TextEncoder();

function protocolOf(nc: NatsConnection): ProtocolShape | null {
  const p = (nc as unknown as { protocol?: Partial<ProtocolShape> }).protocol;
  if (
    p === undefined ||
    typeof p.sendCommand !== "function" ||
    typeof p.flushPending !== "function" ||
    typeof p.pendingLimit !== "number" ||
    typeof p.outbound?.length !== "function" ||
    typeof p.outbound.size !== "function" ||
    typeof p.outbound.fill !== "function"
  )
    return null;
  return p as ProtocolShape;
}

/** Makes the connection flush once per event-loop turn; false if its internals are not the expected ones. */
export function coalesceWrites(nc: NatsConnection): boolean {
  const p = protocolOf(nc);
  if (p === null) return false;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    p.flushPending();
  };
  p.sendCommand = (cmd, ...payloads) => {
    p.outbound.fill(typeof cmd === "string" ? ENC.encode(cmd) : cmd, ...payloads);
    if (p.outbound.size() >= p.pendingLimit) p.flushPending();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  return true;
}
