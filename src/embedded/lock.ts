// One exchange per data folder: two processes appending to the same journals
// would corrupt them. The lock file names the owner's pid, so a stale lock (its
// process is gone) is taken over and `bourse snapshot` can find the owner.

import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

export const LOCK_FILE = "bourse.pid";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid holding the data folder, or null. */
export function lockOwner(data_dir: string): number | null {
  try {
    const pid = Number(readFileSync(join(data_dir, LOCK_FILE), "utf8").trim());
    return Number.isSafeInteger(pid) && pid > 0 && alive(pid) ? pid : null;
  } catch {
    return null;
  }
}

export class DataDirLockedError extends Error {
  constructor(
    readonly data_dir: string,
    readonly pid: number,
  ) {
    super(`data folder ${data_dir} is in use by process ${pid}`);
    this.name = "DataDirLockedError";
  }
}

/** Take the data folder's lock; returns its release function. */
export function lockDataDir(data_dir: string): () => void {
  const path = join(data_dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = lockOwner(data_dir);
      if (owner !== null && owner !== process.pid) throw new DataDirLockedError(data_dir, owner);
      rmSync(path, { force: true });
    }
  }
  throw new Error(`cannot lock ${data_dir}`);
}
