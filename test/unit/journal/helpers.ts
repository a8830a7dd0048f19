// Shared fixtures for the journal tests: temp directories, recognisable
// payloads, and a JournalIo whose write and fdatasync tests can stall or fail.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Journal, JournalIo } from "../../../src/journal/mod.ts";

export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `bourse-journal-${tag}-`));
}

/** A payload whose content identifies i, padded to at least minBytes. */
export function payload(i: number, minBytes = 0): Uint8Array {
  const text = `record-${i}`;
  return Buffer.from(text.padEnd(Math.max(minBytes, text.length), "."));
}

export function text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString();
}

/** Every durable record from fromSeq as [seq, text]. */
export async function readAll(j: Journal, fromSeq: number): Promise<[number, string][]> {
  const out: [number, string][] = [];
  await j.read(fromSeq, (seq, p) => {
    out.push([seq, text(p)]);
  });
  return out;
}

export function segmentFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith(".seg"))
    .sort();
}

/** Real positional write and fdatasync via node:fs, with hooks in front of each. */
export interface HookedIo extends JournalIo {
  syncCalls: number;
  /** Runs before each fdatasync; a returned promise delays it, a throw fails it. */
  beforeSync: (() => void | Promise<void>) | null;
}

export function hookedIo(): HookedIo {
  const io: HookedIo = {
    syncCalls: 0,
    beforeSync: null,
    write(fd, buf, offset, length, position) {
      return new Promise((resolve, reject) => {
        fs.write(fd, buf, offset, length, position, (err, n) => (err ? reject(err) : resolve(n)));
      });
    },
    async sync(fd) {
      io.syncCalls++;
      if (io.beforeSync !== null) await io.beforeSync();
      await new Promise<void>((resolve, reject) => {
        fs.fdatasync(fd, (err) => (err ? reject(err) : resolve()));
      });
    },
  };
  return io;
}
