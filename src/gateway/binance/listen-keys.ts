// Listen keys of the user data stream (POST/PUT/DELETE /api/v3/userDataStream),
// kept in memory with Binance's 60-minute expiry. The WebSocket user stream
// that comes with the market-data work resolves a key to its user with
// resolve(); until then a key is created, kept alive and closed, and nothing
// streams on it. A user has at most one key: asking again returns it,
// extended, as Binance does.

import { randomBytes } from "node:crypto";

export const LISTEN_KEY_TTL_MS = 60 * 60_000;

interface Held {
  user_id: number;
  expires_ms: number;
}

export class ListenKeys {
  private readonly byKey = new Map<string, Held>();
  private readonly byUser = new Map<number, string>();

  constructor(private readonly ttl_ms = LISTEN_KEY_TTL_MS) {}

  /** The user's key, new or extended. */
  open(user_id: number, now_ms: number): string {
    this.sweep(now_ms);
    const known = this.byUser.get(user_id);
    if (known !== undefined) {
      (this.byKey.get(known) as Held).expires_ms = now_ms + this.ttl_ms;
      return known;
    }
    const key = randomBytes(32).toString("hex");
    this.byKey.set(key, { user_id, expires_ms: now_ms + this.ttl_ms });
    this.byUser.set(user_id, key);
    return key;
  }

  /** Extends the user's key; false when it is not theirs or has expired. */
  keepAlive(key: string, user_id: number, now_ms: number): boolean {
    const h = this.live(key, now_ms);
    if (h === null || h.user_id !== user_id) return false;
    h.expires_ms = now_ms + this.ttl_ms;
    return true;
  }

  /** Closes the user's key; false when it is not theirs or has expired. */
  close(key: string, user_id: number, now_ms: number): boolean {
    const h = this.live(key, now_ms);
    if (h === null || h.user_id !== user_id) return false;
    this.drop(key, h);
    return true;
  }

  /** The user a live key belongs to: what the user stream will subscribe. */
  resolve(key: string, now_ms: number): number | null {
    return this.live(key, now_ms)?.user_id ?? null;
  }

  get size(): number {
    return this.byKey.size;
  }

  private live(key: string, now_ms: number): Held | null {
    const h = this.byKey.get(key);
    if (h === undefined) return null;
    if (h.expires_ms <= now_ms) {
      this.drop(key, h);
      return null;
    }
    return h;
  }

  private drop(key: string, h: Held): void {
    this.byKey.delete(key);
    if (this.byUser.get(h.user_id) === key) this.byUser.delete(h.user_id);
  }

  /** Expired keys go on each open, so the table holds at most one key per user that used one. */
  private sweep(now_ms: number): void {
    for (const [key, h] of this.byKey) if (h.expires_ms <= now_ms) this.drop(key, h);
  }
}
