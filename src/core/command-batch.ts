// The unit in which gateways hand commands to a sequencer in another process:
// the commands one gateway collected in one turn of its event loop, in the
// order it took them. One message of the sequencer's input topic is one batch,
// so the topic's order of messages and each batch's order of commands give the
// one total order the sequencer applies.
//
// Layout (little-endian): u8 version (COMMAND_BATCH_VERSION), u32 count, then
// count commands as writeCommand encodes them.

import { Reader, Writer } from "./codec.ts";
import { InvariantError } from "./errors.ts";
import type { Command } from "./types.ts";
import { readCommand, writeCommand } from "./wire.ts";

export const COMMAND_BATCH_VERSION = 1;
/** A bound on what one batch may claim to hold, checked before trusting its count. */
export const COMMAND_BATCH_COUNT_MAX = 1 << 16;

export function encodeCommandBatch(cmds: readonly Command[], w: Writer = new Writer(4096)): Buffer {
  if (cmds.length > COMMAND_BATCH_COUNT_MAX) {
    throw new InvariantError(`command batch of ${cmds.length} (limit ${COMMAND_BATCH_COUNT_MAX})`);
  }
  w.reset();
  w.u8(COMMAND_BATCH_VERSION);
  w.u32(cmds.length);
  for (const c of cmds) writeCommand(w, c);
  return w.copy();
}

export function readCommandBatch(bytes: Uint8Array): Command[] {
  const r = new Reader(bytes);
  const v = r.u8();
  if (v !== COMMAND_BATCH_VERSION) throw new InvariantError(`command batch: version ${v}`);
  const n = r.u32();
  if (n > COMMAND_BATCH_COUNT_MAX) throw new InvariantError(`command batch: count ${n}`);
  const out: Command[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = readCommand(r);
  if (!r.done()) throw new InvariantError("command batch: trailing bytes");
  return out;
}
