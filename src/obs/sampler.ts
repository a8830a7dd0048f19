// Which marker lines an operator may thin out. By default every line is
// written (sample_ppm = 1_000_000). With sampling turned on, only markers the
// registry marks `sampled` (per-order lines) may be left out, and the choice
// is a hash of one id with no seed, so every service keeps or drops the same
// orders: a sampled order is complete or absent. The id is the gateway's
// request id (`corr`) once every command carries it; until then the order id
// (and the gateway, which cannot know the order id before its answer, writes
// all its lines).

import { type MarkerLevel, markerByName } from "../core/mod.ts";

export const PPM_ALL = 1_000_000;

export type EventLevel = MarkerLevel;

export interface MarkerPolicy {
  /** Level used when the caller does not choose one. */
  readonly level: EventLevel;
  /** Never thinned by sampling. */
  readonly always: boolean;
}

const UNKNOWN: MarkerPolicy = Object.freeze({ level: "info", always: true });

/** The registry's policy for a marker name; a name it does not know is never sampled. */
export function markerPolicy(event: string): MarkerPolicy {
  const m = markerByName(event);
  return m === undefined ? UNKNOWN : { level: m.level, always: !m.sampled };
}

/**
 * 32-bit FNV-1a of the key's decimal or string form, then murmur3's finalizer
 * so that consecutive ids spread evenly. Numbers and their decimal strings hash
 * alike, so a service holding an id as text agrees with one holding a number.
 */
export function sampleHash(key: string | number | bigint): number {
  const text = typeof key === "string" ? key : String(key);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** True for about `ppm` keys in a million; the same key always gets the same answer. */
export function isSampled(key: string | number | bigint, ppm: number): boolean {
  if (ppm >= PPM_ALL) return true;
  if (ppm <= 0) return false;
  return sampleHash(key) % PPM_ALL < ppm;
}
