// API keys: a user key acts for one user, an operator key moves money in and
// out (deposits and withdrawals). The gateway must hold every secret to check
// request signatures, so <data-dir>/keys.json holds them in clear: it is
// written with mode 0600 and must stay readable by the exchange's account only.
// Writes replace the file atomically (temporary file, fsync, rename), and a
// running gateway picks up keys created or revoked by the CLI within a second.

import { randomBytes } from "node:crypto";
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

export type KeyRole = "user" | "operator";

export interface ApiKey {
  readonly api_key: string;
  readonly secret: string;
  readonly role: KeyRole;
  /** The user a user key acts for; null for operator keys. */
  readonly user_id: number | null;
  readonly created_ms: number;
}

/** What the gateway needs: a key by its id. */
export interface KeyLookup {
  lookup(api_key: string): ApiKey | undefined;
}

export type NewKey = { role: "user"; user_id: number } | { role: "operator" };

export const KEYS_FILE = "keys.json";
const FORMAT_VERSION = 1;

export class KeyFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KeyFileError";
  }
}

interface FileStamp {
  mtime_ms: number;
  size: number;
  ino: number;
}

export interface KeyStoreOptions {
  /** How often lookups check whether the file changed; 0 checks on every lookup. */
  recheck_ms?: number;
}

function parseKey(v: unknown, where: string): ApiKey {
  const k = v as Partial<ApiKey> | null;
  const ok =
    k !== null &&
    typeof k === "object" &&
    typeof k.api_key === "string" &&
    k.api_key.length > 0 &&
    typeof k.secret === "string" &&
    k.secret.length > 0 &&
    typeof k.created_ms === "number" &&
    ((k.role === "user" && Number.isSafeInteger(k.user_id) && (k.user_id as number) >= 1) ||
      (k.role === "operator" && k.user_id === null));
  if (!ok) throw new KeyFileError(`${where}: malformed key entry`);
  return Object.freeze({
    api_key: k.api_key as string,
    secret: k.secret as string,
    role: k.role as KeyRole,
    user_id: k.user_id as number | null,
    created_ms: k.created_ms as number,
  });
}

export class KeyStore implements KeyLookup {
  readonly path: string;
  private keys = new Map<string, ApiKey>();
  private stamp: FileStamp | null = null;
  private checked_ms = 0;
  private readonly recheck_ms: number;

  private constructor(
    readonly data_dir: string,
    options: KeyStoreOptions,
  ) {
    this.path = join(data_dir, KEYS_FILE);
    this.recheck_ms = options.recheck_ms ?? 1000;
  }

  /** Opens the key file of a data folder; a missing file is an empty store. */
  static open(data_dir: string, options: KeyStoreOptions = {}): KeyStore {
    const store = new KeyStore(data_dir, options);
    store.reload();
    return store;
  }

  lookup(api_key: string): ApiKey | undefined {
    const now = Date.now();
    const known = this.keys.get(api_key);
    // A key created by `bourse keys create` a moment ago must work at once:
    // an unknown key always re-checks the file (one stat, reloaded only when
    // it changed); known keys re-check at most every recheck_ms so that a
    // revocation takes effect.
    if (known === undefined || now - this.checked_ms >= this.recheck_ms) {
      this.checked_ms = now;
      this.reloadIfChanged();
      return this.keys.get(api_key);
    }
    return known;
  }

  list(): ApiKey[] {
    return [...this.keys.values()].sort((a, b) => a.created_ms - b.created_ms);
  }

  create(spec: NewKey): ApiKey {
    if (spec.role === "user" && !(Number.isSafeInteger(spec.user_id) && spec.user_id >= 1)) {
      throw new RangeError(`user id must be a positive integer, got ${spec.user_id}`);
    }
    // Read-modify-write on the current file, so keys another process added are kept.
    this.reload();
    const key: ApiKey = Object.freeze({
      api_key: `bk_${randomBytes(16).toString("hex")}`,
      secret: randomBytes(32).toString("hex"),
      role: spec.role,
      user_id: spec.role === "user" ? spec.user_id : null,
      created_ms: Date.now(),
    });
    const next = new Map(this.keys);
    next.set(key.api_key, key);
    this.write(next);
    return key;
  }

  /** Removes a key; false when there was none. */
  revoke(api_key: string): boolean {
    this.reload();
    if (!this.keys.has(api_key)) return false;
    const next = new Map(this.keys);
    next.delete(api_key);
    this.write(next);
    return true;
  }

  /** Re-reads the file. */
  reload(): void {
    let text: string;
    let stamp: FileStamp;
    try {
      const st = statSync(this.path);
      stamp = { mtime_ms: st.mtimeMs, size: st.size, ino: st.ino };
      text = readFileSync(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        this.keys = new Map();
        this.stamp = null;
        return;
      }
      throw new KeyFileError(`cannot read ${this.path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new KeyFileError(`${this.path} is not valid JSON`, { cause: err });
    }
    const doc = parsed as { version?: unknown; keys?: unknown } | null;
    if (doc === null || doc.version !== FORMAT_VERSION || !Array.isArray(doc.keys)) {
      throw new KeyFileError(`${this.path}: expected {"version":${FORMAT_VERSION},"keys":[...]}`);
    }
    const keys = new Map<string, ApiKey>();
    doc.keys.forEach((v, i) => {
      const k = parseKey(v, `${this.path} keys[${i}]`);
      if (keys.has(k.api_key)) throw new KeyFileError(`${this.path}: duplicate key ${k.api_key}`);
      keys.set(k.api_key, k);
    });
    this.keys = keys;
    this.stamp = stamp;
  }

  private reloadIfChanged(): void {
    let now: FileStamp | null;
    try {
      const st = statSync(this.path);
      now = { mtime_ms: st.mtimeMs, size: st.size, ino: st.ino };
    } catch {
      now = null;
    }
    const was = this.stamp;
    const same =
      (now === null && was === null) ||
      (now !== null &&
        was !== null &&
        now.mtime_ms === was.mtime_ms &&
        now.size === was.size &&
        now.ino === was.ino);
    if (same) return;
    try {
      this.reload();
    } catch {
      // A file that cannot be read now keeps the keys last read; the CLI reports the problem.
    }
  }

  private write(keys: Map<string, ApiKey>): void {
    mkdirSync(this.data_dir, { recursive: true, mode: 0o700 });
    const doc = { version: FORMAT_VERSION, keys: [...keys.values()] };
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    const fd = openSync(tmp, "wx", 0o600);
    try {
      // The mode given to open is reduced by the umask; the secrets need exactly 0600.
      fchmodSync(fd, 0o600);
      writeSync(fd, `${JSON.stringify(doc, null, 2)}\n`);
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      unlinkSync(tmp);
      throw err;
    }
    closeSync(fd);
    renameSync(tmp, this.path);
    const dir = openSync(this.data_dir, "r");
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    this.reload();
  }
}
