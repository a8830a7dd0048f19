// Which event lines are written. Lifecycle markers of money movements,
// refusals and failures are always written; the high-volume per-order lines
// may be thinned out. Thinning is decided by a hash of the business id with no
// seed, so every service keeps or drops the same orders: a sampled order can be
// followed end to end.

export const PPM_ALL = 1_000_000;

export type EventLevel = "info" | "warn" | "error";

export interface MarkerPolicy {
  /** Level used when the caller does not choose one. */
  readonly level: EventLevel;
  /** Never thinned by sampling. */
  readonly always: boolean;
}

const INFO_ALWAYS: MarkerPolicy = Object.freeze({ level: "info", always: true });
const INFO_SAMPLED: MarkerPolicy = Object.freeze({ level: "info", always: false });
const WARN_ALWAYS: MarkerPolicy = Object.freeze({ level: "warn", always: true });
const ERROR_ALWAYS: MarkerPolicy = Object.freeze({ level: "error", always: true });

function classify(event: string): MarkerPolicy {
  if (event.endsWith("_FAILED") || event.startsWith("ERROR") || event.endsWith("_ERROR")) {
    return ERROR_ALWAYS;
  }
  if (event.endsWith("_REJECTED") || event === "LOG_LINES_DROPPED") return WARN_ALWAYS;
  if (event.startsWith("DEPOSIT_") || event.startsWith("WITHDRAW_")) return INFO_ALWAYS;
  return INFO_SAMPLED;
}

// Markers are a small fixed vocabulary, so caching the verdict keeps the string
// tests off the per-line path; the cap protects against callers that build names.
const POLICY_CACHE_MAX = 4096;
const policies = new Map<string, MarkerPolicy>();

export function markerPolicy(event: string): MarkerPolicy {
  let policy = policies.get(event);
  if (policy === undefined) {
    policy = classify(event);
    if (policies.size < POLICY_CACHE_MAX) policies.set(event, policy);
  }
  return policy;
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
