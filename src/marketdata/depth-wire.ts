// The bytes of the `market.data` topic (distributed mode): one message per
// released output batch that changed a book, published by the sequencer
// process and followed by every gateway from its tail. Layout
// (little-endian, the core's codec):
//   u8 version, int through_seq, u32 diffs,
//   per diff: u32 symbol_id, int U, int u, u32 bid levels, u32 ask levels,
//             then (int price_ticks, int qty_lots, int orders) per level.

import { InvariantError, Reader, Writer } from "../core/mod.ts";
import type { DepthBatch, DepthDiff } from "./types.ts";

export const DEPTH_WIRE_VERSION = 1;
/** A bound checked before trusting a count read from the wire. */
const LEVELS_MAX = 1 << 22;

export function encodeDepthBatch(b: DepthBatch, w: Writer = new Writer(4096)): Uint8Array {
  w.reset();
  w.u8(DEPTH_WIRE_VERSION);
  w.int(b.through_seq);
  w.u32(b.diffs.length);
  for (const d of b.diffs) {
    w.u32(d.symbol_id);
    w.int(d.first_update_id);
    w.int(d.last_update_id);
    w.u32(d.bids.length / 3);
    w.u32(d.asks.length / 3);
    for (const v of d.bids) w.int(v);
    for (const v of d.asks) w.int(v);
  }
  return w.copy();
}

function levels(r: Reader, n: number): number[] {
  if (n > LEVELS_MAX) throw new InvariantError(`market.data: ${n} levels`);
  const out: number[] = new Array(n * 3);
  for (let i = 0; i < n * 3; i++) out[i] = r.int();
  return out;
}

export function decodeDepthBatch(bytes: Uint8Array): DepthBatch {
  const r = new Reader(bytes);
  const v = r.u8();
  if (v !== DEPTH_WIRE_VERSION) throw new InvariantError(`market.data: version ${v}`);
  const through_seq = r.int();
  const n = r.u32();
  if (n > LEVELS_MAX) throw new InvariantError(`market.data: ${n} diffs`);
  const diffs: DepthDiff[] = [];
  for (let i = 0; i < n; i++) {
    const symbol_id = r.u32();
    const first_update_id = r.int();
    const last_update_id = r.int();
    const nb = r.u32();
    const na = r.u32();
    diffs.push({
      symbol_id,
      first_update_id,
      last_update_id,
      bids: levels(r, nb),
      asks: levels(r, na),
    });
  }
  if (!r.done()) throw new InvariantError("market.data: trailing bytes");
  return { through_seq, diffs };
}
