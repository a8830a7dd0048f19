// Rate limits as Binance states and reports them. The gateway's limiter is a
// token bucket per API key (signed routes) and per client address (public
// routes), shared with /api/v1: `burst` requests at once, then `rate_per_s`
// a second, every request weighing 1. In any window of T seconds a bucket
// admits at most burst + rate_per_s * T requests, which is what exchangeInfo's
// rateLimits state. X-MBX-USED-WEIGHT-1M is the bucket's own count of what it
// admitted this clock minute; X-MBX-ORDER-COUNT-10S and -1D count the orders
// a key placed on this surface in the current 10 s and UTC day.

import type { RateLimit, RateLimiter } from "../http/mod.ts";

export interface Limiters {
  /** Signed and API-key routes, per key; null when limiting is off. */
  key: RateLimiter | null;
  /** Public routes, per client address; null when limiting is off. */
  address: RateLimiter | null;
}

const most = (l: RateLimit, seconds: number) => Math.floor(l.burst + l.rate_per_s * seconds);

export function rateLimitsJson(limiters: Limiters) {
  const l = limiters.key?.limit ?? limiters.address?.limit ?? null;
  if (l === null) return [];
  return [
    { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: most(l, 60) },
    { rateLimitType: "RAW_REQUESTS", interval: "SECOND", intervalNum: 1, limit: most(l, 1) },
    { rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: most(l, 10) },
    { rateLimitType: "ORDERS", interval: "DAY", intervalNum: 1, limit: most(l, 86_400) },
  ];
}

export function limitMessage(l: RateLimit, retry_after_s: number): string {
  return `Too much request weight used; current limit is ${l.rate_per_s} request weight per 1 SECOND, in bursts of up to ${l.burst}. Retry after ${retry_after_s} s. Please use WebSocket Streams for live updates to avoid polling the API.`;
}

const TEN_S_MS = 10_000;
const DAY_MS = 86_400_000;

interface Counts {
  ten_s_ms: number;
  ten_s: number;
  day_ms: number;
  day: number;
}

/** Orders placed per key in fixed 10-second and UTC-day windows. */
export class OrderCounts {
  private readonly byKey = new Map<string, Counts>();

  constructor(private readonly sweep_at = 10_000) {}

  /** Counts one order and returns the counts after it. */
  add(api_key: string, now_ms: number): { ten_s: number; day: number } {
    const ten_s_ms = now_ms - (now_ms % TEN_S_MS);
    const day_ms = now_ms - (now_ms % DAY_MS);
    let c = this.byKey.get(api_key);
    if (c === undefined) {
      if (this.byKey.size >= this.sweep_at) this.sweep(day_ms);
      c = { ten_s_ms, ten_s: 0, day_ms, day: 0 };
      this.byKey.set(api_key, c);
    }
    if (c.ten_s_ms !== ten_s_ms) {
      c.ten_s_ms = ten_s_ms;
      c.ten_s = 0;
    }
    if (c.day_ms !== day_ms) {
      c.day_ms = day_ms;
      c.day = 0;
    }
    c.ten_s += 1;
    c.day += 1;
    return { ten_s: c.ten_s, day: c.day };
  }

  private sweep(day_ms: number): void {
    for (const [k, c] of this.byKey) if (c.day_ms !== day_ms) this.byKey.delete(k);
  }
}
