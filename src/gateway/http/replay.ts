// Refusing a captured signed request sent again. A signature is valid only
// while its timestamp is within the receive window, so a signature needs to be
// remembered only that long: two generations of remembered signatures, each
// covering a period of twice the window, turn over as time passes, and memory
// is bounded by a limit on how many one generation may hold (beyond it new
// requests are refused until the generation turns over, never let through
// unchecked). Only requests that change state are guarded: reads may repeat.

export type ReplayVerdict = "new" | "seen" | "full";

/** 52 bits of an HMAC are as random as the rest; as a number the set stores them compactly. */
function fingerprint(signature_hex: string): number {
  return Number.parseInt(signature_hex.slice(0, 13), 16);
}

export class ReplayGuard {
  private current = new Set<number>();
  private previous = new Set<number>();
  private turned_ms: number;
  private readonly period_ms: number;

  constructor(
    recv_window_ms: number,
    /** Signatures one generation may hold; the most a period of 2 x recv_window_ms can admit. */
    readonly max_per_generation: number,
    now_ms: number,
  ) {
    // A timestamp up to one window ahead stays valid until one window after
    // it: at most two windows after the request arrived.
    this.period_ms = 2 * recv_window_ms;
    this.turned_ms = now_ms;
  }

  /** Remember the signature if it is new; "seen" for a replay, "full" when nothing more can be remembered now. */
  admit(signature_hex: string, now_ms: number): ReplayVerdict {
    this.turn(now_ms);
    const f = fingerprint(signature_hex.toLowerCase());
    if (this.current.has(f) || this.previous.has(f)) return "seen";
    if (this.current.size >= this.max_per_generation) return "full";
    this.current.add(f);
    return "new";
  }

  /** Milliseconds until the next turnover frees room. */
  untilTurn_ms(now_ms: number): number {
    return Math.max(0, this.turned_ms + this.period_ms - now_ms);
  }

  /** Signatures remembered now (for metrics and tests). */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  private turn(now_ms: number): void {
    const age = now_ms - this.turned_ms;
    if (age < this.period_ms) return;
    // Two periods without a turnover: everything remembered has expired.
    this.previous = age >= 2 * this.period_ms ? new Set() : this.current;
    this.current = new Set();
    this.turned_ms = now_ms;
  }
}
