// Consumer positions: which stream each output belongs to, whether a batch is
// coherent on its own, and which of its outputs the database already holds.
// Checking the stored position inside the write transaction is what makes a
// redelivered batch a no-op and a lost output a hard stop.

import type { BalanceOutput, EngineOutput } from "../core/types.ts";
import { StoreError } from "./errors.ts";
import type { SettlementBatch, StoredPosition } from "./types.ts";

export const BALANCE_STREAM = "balance.events";

export function engineStream(symbol_id: number): string {
  return `engine.outputs/${symbol_id}`;
}

interface Link {
  output_seq: number;
  prev_hash: bigint;
  hash: bigint;
}

function same(a: bigint, b: bigint): boolean {
  return BigInt.asUintN(64, a) === BigInt.asUintN(64, b);
}

function linksByStream(batch: SettlementBatch): Map<string, Link[]> {
  const out = new Map<string, Link[]>();
  const push = (stream: string, link: Link) => {
    const list = out.get(stream);
    if (list === undefined) out.set(stream, [link]);
    else list.push(link);
  };
  for (const o of batch.engine) push(engineStream(o.symbol_id), o);
  for (const o of batch.balance) push(BALANCE_STREAM, o);
  return out;
}

/** The positions a batch ends at: the last output of every stream it holds. */
export function positionsOf(batch: Pick<SettlementBatch, "engine" | "balance">): StoredPosition[] {
  const out: StoredPosition[] = [];
  for (const [stream, links] of linksByStream({ ...batch, positions: [] })) {
    const last = links[links.length - 1]!;
    out.push({ stream, seq: last.output_seq, hash: last.hash });
  }
  return out.sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
}

/**
 * Checks what needs no database: each stream's outputs chain to each other
 * and the batch's positions are exactly their last outputs. Returns the
 * streams in sorted order (the order in which writers lock them).
 */
export function checkBatch(batch: SettlementBatch): string[] {
  const links = linksByStream(batch);
  for (const [stream, list] of links) {
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1]!;
      const cur = list[i]!;
      if (cur.output_seq !== prev.output_seq + 1 || !same(cur.prev_hash, prev.hash)) {
        throw new StoreError(
          "BATCH_INVALID",
          `${stream}: output ${cur.output_seq} does not follow output ${prev.output_seq} in the batch`,
        );
      }
    }
  }
  const given = new Map<string, StoredPosition>();
  for (const p of batch.positions) {
    if (given.has(p.stream)) {
      throw new StoreError("BATCH_INVALID", `position for ${p.stream} given twice`);
    }
    given.set(p.stream, p);
  }
  for (const want of positionsOf(batch)) {
    const got = given.get(want.stream);
    if (got === undefined || got.seq !== want.seq || !same(got.hash, want.hash)) {
      throw new StoreError(
        "BATCH_INVALID",
        `position for ${want.stream} must be its last output ${want.seq} in the batch`,
      );
    }
    given.delete(want.stream);
  }
  for (const stream of given.keys()) {
    throw new StoreError("BATCH_INVALID", `position for ${stream} but no output of it`);
  }
  return [...links.keys()].sort();
}

export interface Unapplied {
  engine: EngineOutput[];
  balance: BalanceOutput[];
  /** Positions that move forward, to be written with the rows. */
  positions: StoredPosition[];
  skipped: number;
}

/**
 * Drops the outputs at or below the stored positions (applied by an earlier
 * transaction) and proves that the first remaining output of each stream
 * follows its stored position.
 */
export function unapplied(
  batch: SettlementBatch,
  stored: ReadonlyMap<string, StoredPosition>,
): Unapplied {
  const advanced = new Set<string>();
  let skipped = 0;
  const keep = (stream: string, o: Link): boolean => {
    const at = stored.get(stream);
    if (at === undefined) {
      advanced.add(stream);
      return true;
    }
    if (o.output_seq < at.seq) {
      skipped++;
      return false;
    }
    if (o.output_seq === at.seq) {
      if (!same(o.hash, at.hash)) {
        throw new StoreError(
          "STREAM_DIVERGED",
          `${stream}: output ${o.output_seq} has another hash than the one applied before`,
        );
      }
      skipped++;
      return false;
    }
    if (!advanced.has(stream)) {
      if (o.output_seq !== at.seq + 1 || !same(o.prev_hash, at.hash)) {
        throw new StoreError(
          "STREAM_GAP",
          `${stream}: output ${o.output_seq} does not follow the stored position ${at.seq}`,
        );
      }
      advanced.add(stream);
    }
    return true;
  };
  const engine = batch.engine.filter((o) => keep(engineStream(o.symbol_id), o));
  const balance = batch.balance.filter((o) => keep(BALANCE_STREAM, o));
  const positions = batch.positions.filter((p) => advanced.has(p.stream));
  return { engine, balance, positions, skipped };
}
