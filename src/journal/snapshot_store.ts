// Snapshots of state at a journal position. A snapshot file appears under its
// final name only complete and durable (temp file, fsync, rename, directory
// fsync), so a crash leaves either the old set or the old set plus the new one,
// never a half-written snapshot under a snapshot name.

import fsp from "node:fs/promises";
import { join } from "node:path";
import { assert } from "../core/mod.ts";
import { JournalError, SnapshotCorruptError } from "./errors.ts";
import { syncDir } from "./io.ts";
import {
  encodeSnapshotHeader,
  parseSnapshotFileName,
  SNAPSHOT_HEADER_BYTES,
  snapshotDigest,
  snapshotFileName,
  snapshotProblem,
} from "./snapshot_format.ts";

export interface SnapshotEntry {
  seq: number;
  path: string;
}

export interface SkippedSnapshot {
  path: string;
  reason: string;
}

export interface LatestSnapshot {
  /** The newest snapshot that verified, or null if none did (or none exists). */
  latest: { seq: number; path: string; bytes: Uint8Array } | null;
  /** Newer snapshots that failed verification, newest first. */
  skipped: SkippedSnapshot[];
}

const TEMP_PREFIX = ".snapshot-";
const TEMP_MARK = ".tmp-";

export class SnapshotStore {
  readonly dir: string;
  /** Temp files this store is writing right now; prune() must not take them. */
  private readonly writing = new Set<string>();
  private temp_counter = 0;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Atomically stores the state after records 1..seq; returns the snapshot's path. */
  async write(seq: number, bytes: Uint8Array): Promise<string> {
    assert(
      Number.isSafeInteger(seq) && seq >= 0,
      `snapshot seq must be an integer >= 0, got ${seq}`,
    );
    await fsp.mkdir(this.dir, { recursive: true });
    const name = snapshotFileName(seq);
    const final = join(this.dir, name);
    const temp = join(this.dir, `.${name}${TEMP_MARK}${process.pid}-${++this.temp_counter}`);
    this.writing.add(temp);
    try {
      const h = await fsp.open(temp, "wx");
      try {
        const digest = await snapshotDigest(bytes);
        await writeAll(h, encodeSnapshotHeader(seq, bytes.length, digest), 0);
        await writeAll(h, bytes, SNAPSHOT_HEADER_BYTES);
        await h.sync();
      } finally {
        await h.close();
      }
      await fsp.rename(temp, final);
      await syncDir(this.dir);
    } catch (err) {
      await fsp.rm(temp, { force: true });
      throw err;
    } finally {
      this.writing.delete(temp);
    }
    return final;
  }

  /** Every snapshot file by name, newest (highest seq) first; contents are not checked. */
  async list(): Promise<SnapshotEntry[]> {
    const out: SnapshotEntry[] = [];
    for (const name of await readdirOrEmpty(this.dir)) {
      const seq = parseSnapshotFileName(name);
      if (seq !== null) out.push({ seq, path: join(this.dir, name) });
    }
    return out.sort((a, b) => b.seq - a.seq);
  }

  /**
   * The payload of snapshot seq after checking header and checksum. Throws
   * SnapshotCorruptError naming the file and what is wrong, or
   * SNAPSHOT_NOT_FOUND.
   */
  async load(seq: number): Promise<Uint8Array> {
    const path = join(this.dir, snapshotFileName(seq));
    let file: Buffer;
    try {
      file = await fsp.readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new JournalError("SNAPSHOT_NOT_FOUND", `no snapshot for seq ${seq} in ${this.dir}`);
      }
      throw err;
    }
    const problem = snapshotProblem(file, seq);
    if (problem !== null) throw new SnapshotCorruptError(path, problem);
    return file.subarray(SNAPSHOT_HEADER_BYTES);
  }

  /** The newest snapshot that verifies, with every newer one that did not. */
  async latestValid(): Promise<LatestSnapshot> {
    const skipped: SkippedSnapshot[] = [];
    for (const s of await this.list()) {
      try {
        const bytes = await this.load(s.seq);
        return { latest: { seq: s.seq, path: s.path, bytes }, skipped };
      } catch (err) {
        if (!(err instanceof SnapshotCorruptError)) throw err;
        skipped.push({ path: s.path, reason: err.reason });
      }
    }
    return { latest: null, skipped };
  }

  /**
   * Keeps the newest `keep` snapshots that verify and deletes every snapshot
   * older than the oldest of them. Corrupt snapshots newer than that stay, so
   * latestValid() keeps reporting them. Deletes nothing while fewer than
   * `keep` verify. Also removes temp files left by interrupted writes.
   * Returns the number of snapshots deleted.
   */
  async prune(keep: number): Promise<number> {
    assert(Number.isSafeInteger(keep) && keep >= 1, `prune keep must be >= 1, got ${keep}`);
    const all = await this.list();
    let valid = 0;
    let cut = -1;
    for (let i = 0; i < all.length; i++) {
      try {
        await this.load(all[i]!.seq);
      } catch (err) {
        if (err instanceof SnapshotCorruptError) continue;
        throw err;
      }
      if (++valid === keep) {
        cut = i + 1;
        break;
      }
    }
    let removed = 0;
    if (cut >= 0) {
      for (const s of all.slice(cut)) {
        await fsp.rm(s.path, { force: true });
        removed++;
      }
    }
    let temps = 0;
    for (const name of await readdirOrEmpty(this.dir)) {
      const path = join(this.dir, name);
      if (name.startsWith(TEMP_PREFIX) && name.includes(TEMP_MARK) && !this.writing.has(path)) {
        await fsp.rm(path, { force: true });
        temps++;
      }
    }
    if (removed + temps > 0) await syncDir(this.dir);
    return removed;
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

async function writeAll(h: fsp.FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await h.write(bytes, done, bytes.length - done, position + done);
    if (bytesWritten <= 0) throw new Error(`write returned ${bytesWritten}`);
    done += bytesWritten;
  }
}
