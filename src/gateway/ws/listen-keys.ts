// Listen keys: the credential of a user data stream. A signed request
// creates (or, when the user has one, returns and extends) a key, keeps it
// alive and deletes it; a WebSocket connection then names it in its path
// (`/ws/<listenKey>`) and receives that user's events. A key lives 60
// minutes after its last keep-alive, as on Binance. Keys are held by the
// gateway that issued them (a client reconnects to the same gateway, or
// creates a new key after a gateway restart). The v1 routes and the
// Binance-compatible /api/v3/userDataStream routes both call this registry.

import { randomBytes } from "node:crypto";
import { ApiError, BourseError } from "../../core/mod.ts";

export const LISTEN_KEY_TTL_MS = 60 * 60_000;
const KEY_RE = /^[A-Za-z0-9]{64}$/;

export interface ListenKeyOptions {
  ttl_ms?: number;
  /** Keys at most (one per user); creating beyond refuses. Default 100000. */
  max_keys?: number;
  now_ms?: () => number;
}

interface Entry {
  user_id: number;
  expires_ms: number;
}

export class ListenKeys {
  private readonly byKey = new Map<string, Entry>();
  private readonly byUser = new Map<number, string>();
  private readonly ttl_ms: number;
  private readonly max_keys: number;
  private readonly now_ms: () => number;
  private readonly expired: ((key: string, user_id: number) => void)[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(o: ListenKeyOptions = {}) {
    this.ttl_ms = o.ttl_ms ?? LISTEN_KEY_TTL_MS;
    this.max_keys = o.max_keys ?? 100_000;
    this.now_ms = o.now_ms ?? Date.now;
    this.timer = setInterval(() => this.sweep(), Math.min(60_000, this.ttl_ms));
    this.timer.unref();
  }

  /** Called when a key expires or is deleted (its connections are closed). */
  onExpired(f: (key: string, user_id: number) => void): void {
    this.expired.push(f);
  }

  /** The user's key, extended; a new one when the user has none. */
  create(user_id: number): { listen_key: string; expires_ms: number } {
    const have = this.byUser.get(user_id);
    if (have !== undefined) return { listen_key: have, expires_ms: this.keepAlive(user_id, have) };
    if (this.byKey.size >= this.max_keys) {
      throw new BourseError(ApiError.UNAVAILABLE, `${this.byKey.size} listen keys are open`);
    }
    const key = randomBytes(48)
      .toString("base64")
      .replace(/[^A-Za-z0-9]/g, "")
      .padEnd(64, "0")
      .slice(0, 64);
    const expires_ms = this.now_ms() + this.ttl_ms;
    this.byKey.set(key, { user_id, expires_ms });
    this.byUser.set(user_id, key);
    return { listen_key: key, expires_ms };
  }

  /** Extend a key by the full time to live; returns its new expiry. */
  keepAlive(user_id: number, key: string): number {
    const e = this.owned(user_id, key);
    e.expires_ms = this.now_ms() + this.ttl_ms;
    return e.expires_ms;
  }

  close(user_id: number, key: string): void {
    this.owned(user_id, key);
    this.drop(key);
  }

  /** The user a live key belongs to, or null. */
  userOf(key: string): number | null {
    const e = this.byKey.get(key);
    if (e === undefined || e.expires_ms <= this.now_ms()) return null;
    return e.user_id;
  }

  static looksLikeKey(text: string): boolean {
    return KEY_RE.test(text);
  }

  private owned(user_id: number, key: string): Entry {
    const e = this.byKey.get(key);
    if (e === undefined || e.user_id !== user_id || e.expires_ms <= this.now_ms()) {
      throw new BourseError(
        ApiError.INVALID_LISTEN_KEY,
        "this listen key does not exist or expired",
      );
    }
    return e;
  }

  private drop(key: string): void {
    const e = this.byKey.get(key);
    if (e === undefined) return;
    this.byKey.delete(key);
    if (this.byUser.get(e.user_id) === key) this.byUser.delete(e.user_id);
    for (const f of this.expired) f(key, e.user_id);
  }

  /** Drop expired keys now (also runs on a timer). */
  sweep(): void {
    const now = this.now_ms();
    for (const [key, e] of this.byKey) if (e.expires_ms <= now) this.drop(key);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
