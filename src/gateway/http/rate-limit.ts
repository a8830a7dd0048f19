// Per-key token buckets: each key may burst up to `burst` requests, then
// `rate_per_s` requests a second. Each bucket also counts what it admitted in
// the current clock minute, which the Binance surface reports as its used
// weight. Buckets that refilled completely and whose minute is over carry no
// information, so they are dropped when the table grows, which bounds memory
// by the number of keys active within one minute.

export interface RateLimit {
  rate_per_s: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  at_ms: number;
  /** Start of the clock minute `minute_used` counts in. */
  minute_ms: number;
  minute_used: number;
}

const MINUTE_MS = 60_000;

export interface Verdict {
  allowed: boolean;
  /** When refused: seconds until one token is back. */
  retry_after_s: number;
}

const ALLOWED: Verdict = Object.freeze({ allowed: true, retry_after_s: 0 });

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly limit: RateLimit,
    private readonly sweep_at = 10_000,
  ) {
    if (!(limit.rate_per_s > 0) || !(limit.burst >= 1)) {
      throw new RangeError("rate limit: rate_per_s must be > 0 and burst >= 1");
    }
  }

  take(key: string, now_ms: number): Verdict {
    const { rate_per_s, burst } = this.limit;
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= this.sweep_at) this.sweep(now_ms);
      b = { tokens: burst, at_ms: now_ms, minute_ms: minuteOf(now_ms), minute_used: 0 };
      this.buckets.set(key, b);
    } else if (now_ms > b.at_ms) {
      b.tokens = Math.min(burst, b.tokens + ((now_ms - b.at_ms) * rate_per_s) / 1000);
      b.at_ms = now_ms;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      const minute_ms = minuteOf(now_ms);
      if (b.minute_ms !== minute_ms) {
        b.minute_ms = minute_ms;
        b.minute_used = 0;
      }
      b.minute_used += 1;
      return ALLOWED;
    }
    return { allowed: false, retry_after_s: Math.ceil((1 - b.tokens) / rate_per_s) };
  }

  /** Requests admitted for `key` in the current clock minute. */
  usedThisMinute(key: string, now_ms: number): number {
    const b = this.buckets.get(key);
    return b === undefined || b.minute_ms !== minuteOf(now_ms) ? 0 : b.minute_used;
  }

  private sweep(now_ms: number): void {
    const full_after_ms = (this.limit.burst / this.limit.rate_per_s) * 1000;
    const minute_ms = minuteOf(now_ms);
    for (const [key, b] of this.buckets) {
      if (now_ms - b.at_ms >= full_after_ms && b.minute_ms !== minute_ms) this.buckets.delete(key);
    }
  }
}

function minuteOf(now_ms: number): number {
  return now_ms - (now_ms % MINUTE_MS);
}
