// The two calls on the commit path, behind an interface so tests can make them
// fail or stall and observe exactly what the journal reports. Everything else
// (opening, scanning, truncating) uses node:fs directly.

import fs from "node:fs";
import fsp from "node:fs/promises";

export interface JournalIo {
  /** Positional write; may write fewer bytes than asked (the caller loops). */
  write(
    fd: number,
    buf: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<number>;
  /** fdatasync(2). */
  sync(fd: number): Promise<void>;
}

export const nodeJournalIo: JournalIo = {
  write(fd, buf, offset, length, position) {
    return new Promise((resolve, reject) => {
      fs.write(fd, buf, offset, length, position, (err, written) => {
        if (err) reject(err);
        else resolve(written);
      });
    });
  },
  sync(fd) {
    return new Promise((resolve, reject) => {
      fs.fdatasync(fd, (err) => {
        if (err) reject(err);
        else resolve();
      });
    });
  },
};

export async function writeFully(
  io: JournalIo,
  fd: number,
  buf: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < length) {
    const n = await io.write(fd, buf, offset + done, length - done, position + done);
    if (n <= 0) throw new Error(`write returned ${n} with ${length - done} bytes left`);
    done += n;
  }
}

/** Makes a file creation, rename or deletion in dir durable. */
export async function syncDir(dir: string): Promise<void> {
  const h = await fsp.open(dir, "r");
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

export function openFd(path: string, flags: string): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.open(path, flags, 0o644, (err, fd) => {
      if (err) reject(err);
      else resolve(fd);
    });
  });
}

export function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.close(fd, (err) => {
      if (err) reject(err);
      else resolve();
    });
  });
}

/** Positional read; returns bytes read (short only at end of file). */
export async function readFully(
  fd: number,
  buf: Buffer,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await new Promise<number>((resolve, reject) => {
      fs.read(fd, buf, offset + done, length - done, position + done, (err, got) => {
        if (err) reject(err);
        else resolve(got);
      });
    });
    if (n === 0) break;
    done += n;
  }
  return done;
}
