// One exchange per data folder: two processes appending to the same journals
// would corrupt them. The lock file names its owner by pid and by the kernel's
// start time of that pid, so a lock left by a crash is recognised as stale even
// when an unrelated process has since been given the same pid. Nothing ever
// signals the pid a lock file names: operator commands reach the owner through
// the control socket (server.ts).

import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

export const LOCK_FILE = "bourse.pid";

export interface LockOwner {
  pid: number;
  /** The kernel's start time of the pid (clock ticks since boot); null where unknown. */
  start: string | null;
  /** What took the lock ("start", "ubscore", ...). */
  service: string;
  since_ms: number;
}

/** The start time of a process from /proc (Linux), or null where it cannot be read. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 (the command name) is in parentheses and may hold spaces; field 22 is the start time.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const v = JSON.parse(text) as Partial<LockOwner> | number;
    // A bare pid is the format of earlier versions.
    if (typeof v === "number") return { pid: v, start: null, service: "bourse", since_ms: 0 };
    if (typeof v?.pid !== "number") return null;
    return {
      pid: v.pid,
      start: typeof v.start === "string" ? v.start : null,
      service: typeof v.service === "string" ? v.service : "bourse",
      since_ms: typeof v.since_ms === "number" ? v.since_ms : 0,
    };
  } catch {
    return null;
  }
}

/** The command line of a process from /proc (Linux), or null where it cannot be read. */
function commandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return null;
  }
}

/**
 * Whether the process a lock names still runs: its pid is alive and was not
 * reused since. A lock without a start time (older versions) names a live
 * owner unless /proc shows that pid running something other than bourse.
 * Where nothing can be told apart, the lock holds: refusing to start is
 * recoverable, two exchanges on one folder are not.
 */
function holds(owner: LockOwner): boolean {
  if (!Number.isSafeInteger(owner.pid) || owner.pid <= 0 || !alive(owner.pid)) return false;
  if (owner.start === null) return !(commandLine(owner.pid)?.includes("bourse") === false);
  const now = processStart(owner.pid);
  return now === null || now === owner.start;
}

function readLock(path: string): { text: string; owner: LockOwner | null } | null {
  try {
    const text = readFileSync(path, "utf8");
    return { text, owner: parseOwner(text) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** The process holding the data folder, or null when none does (no lock, or a stale one). */
export function lockOwner(data_dir: string): LockOwner | null {
  const found = readLock(join(data_dir, LOCK_FILE));
  return found?.owner !== null && found?.owner !== undefined && holds(found.owner)
    ? found.owner
    : null;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly data_dir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `data folder ${data_dir} is in use by bourse ${owner.service} (pid ${owner.pid}); one exchange per data folder (if pid ${owner.pid} is no bourse process, remove ${join(data_dir, LOCK_FILE)})`,
    );
    this.name = "DataDirLockedError";
  }
}

/**
 * Set a stale lock aside without ever removing a fresh one another process
 * wrote meanwhile: rename it, and put it back if it is not the one judged stale.
 */
function takeOver(path: string, stale_text: string): void {
  const aside = `${path}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  if (readFileSync(aside, "utf8") !== stale_text) {
    try {
      linkSync(aside, path);
    } catch {
      // Another lock appeared meanwhile; the next attempt sees it.
    }
  }
  unlinkSync(aside);
}

/** Take the data folder's lock for `service`; returns its release function. */
export function lockDataDir(data_dir: string, service: string): () => void {
  const path = join(data_dir, LOCK_FILE);
  const me: LockOwner = {
    pid: process.pid,
    start: processStart(process.pid),
    service,
    since_ms: Date.now(),
  };
  const text = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
      return () => {
        // Only our own lock: a release after a takeover must not remove another owner's.
        if (readLock(path)?.text === text) rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const found = readLock(path);
      if (found === null) continue;
      if (found.owner !== null && holds(found.owner)) {
        throw new DataDirLockedError(data_dir, found.owner);
      }
      takeOver(path, found.text);
    }
  }
  throw new Error(`cannot lock ${data_dir}: its lock file keeps changing`);
}
