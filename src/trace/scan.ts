// Runs the byte scan over ranges of log files and members of compressed
// ones, in worker threads when there is enough to read, and turns the
// candidate lines into entries: a line is kept only when its parsed fields
// pass the caller's exact test.

import { createReadStream } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { createGunzip } from "node:zlib";
import type { LogFile } from "./log-files.ts";
import type { Needle } from "./query.ts";
import type { Entry } from "./types.ts";

/**
 * A byte range of a plain file; with `gzip`, one gzip member [start, end)
 * of a compressed file whose text begins at `raw_start` of the day's text.
 * `whole_gzip`: a compressed file without an index, inflated as one stream.
 */
export interface ScanRange {
  readonly file: LogFile;
  readonly start: number;
  readonly end: number;
  readonly gzip?: boolean;
  readonly raw_start?: number;
  /** Bytes of text the range holds (the inflated size of a member), when known. */
  readonly raw_bytes?: number;
  readonly whole_gzip?: boolean;
}

export interface ScanOutcome {
  readonly entries: Entry[];
  /** Bytes of text scanned, and bytes read from the files (compressed ones smaller). */
  readonly bytes: number;
  readonly bytes_read: number;
}

export interface ScanOptions {
  /**
   * Worker threads besides the calling one, which scans too; 0 scans in the
   * calling thread only. Default: one thread per CPU in all, at most 8.
   */
  readonly workers?: number;
}

interface RawLine {
  readonly offset: number;
  readonly text: string;
}

interface Job {
  readonly id: number;
  readonly path: string;
  readonly start: number;
  readonly end: number;
  readonly gzip: boolean;
  readonly raw_start: number;
  readonly needles: readonly Needle[];
}

type KernelReply =
  | { readonly id: number; readonly lines: RawLine[] }
  | { readonly id: number; readonly error: string };

interface Kernel {
  runJob(job: Job): RawLine[];
  scanBuffer(buf: Buffer, base: number, needles: readonly Needle[]): RawLine[];
}

const KERNEL_PATH = fileURLToPath(new URL("./scan-kernel.cjs", import.meta.url));
// Jobs small enough to balance files of very different sizes across workers.
const JOB_BYTES = 16 * 1024 * 1024;
// Below this a worker's start-up costs more than the scan it would save.
const IN_THREAD_BYTES = 8 * 1024 * 1024;
const THREADS_MAX = 8;

let kernel: Kernel | null = null;
function localKernel(): Kernel {
  kernel ??= createRequire(import.meta.url)(KERNEL_PATH) as Kernel;
  return kernel;
}

export async function scanRanges(
  ranges: readonly ScanRange[],
  needles: readonly Needle[],
  accept: (fields: Readonly<Record<string, unknown>>) => boolean,
  opts: ScanOptions = {},
): Promise<ScanOutcome> {
  const jobs: Job[] = [];
  const fileOf = new Map<string, LogFile>();
  let bytes = 0;
  let bytes_read = 0;
  const streams: ScanRange[] = [];
  for (const r of ranges) {
    fileOf.set(r.file.path, r.file);
    const size = Math.max(0, r.end - r.start);
    bytes_read += size;
    if (r.whole_gzip === true) {
      streams.push(r);
      continue;
    }
    if (r.gzip === true) {
      bytes += r.raw_bytes ?? size;
      jobs.push({
        id: jobs.length,
        path: r.file.path,
        start: r.start,
        end: r.end,
        gzip: true,
        raw_start: r.raw_start ?? 0,
        needles,
      });
      continue;
    }
    bytes += size;
    for (let s = r.start; s < r.end; s += JOB_BYTES) {
      const end = Math.min(r.end, s + JOB_BYTES);
      jobs.push({
        id: jobs.length,
        path: r.file.path,
        start: s,
        end,
        gzip: false,
        raw_start: s,
        needles,
      });
    }
  }
  const threads = Math.min(
    opts.workers === undefined ? Math.min(availableParallelism(), THREADS_MAX) : opts.workers + 1,
    jobs.length,
  );
  const results =
    threads <= 1 || bytes < IN_THREAD_BYTES ? runHere(jobs) : await runInThreads(jobs, threads);
  const entries: Entry[] = [];
  const take = (file: LogFile, lines: readonly RawLine[]) => {
    for (const line of lines) {
      const entry = entryOf(file, line);
      if (entry !== null && accept(entry.fields)) entries.push(entry);
    }
  };
  results.forEach((lines, i) => {
    take(fileOf.get((jobs[i] as Job).path) as LogFile, lines);
  });
  for (const r of streams) {
    const scanned = await scanGzipStream(r.file, needles);
    bytes += scanned.bytes;
    take(r.file, scanned.lines);
  }
  return { entries, bytes, bytes_read };
}

function runHere(jobs: readonly Job[]): RawLine[][] {
  const k = localKernel();
  return jobs.map((j) => k.runJob(j));
}

/**
 * A compressed file without an index (made by another tool): inflated as a
 * stream and scanned chunk by chunk, whole lines only. It costs the whole
 * file; the log writer's own files are read through their index instead.
 */
async function scanGzipStream(
  file: LogFile,
  needles: readonly Needle[],
): Promise<{ lines: RawLine[]; bytes: number }> {
  const k = localKernel();
  const lines: RawLine[] = [];
  let carry: Buffer = Buffer.alloc(0);
  let base = 0;
  for await (const chunk of createReadStream(file.path).pipe(createGunzip())) {
    const buf = carry.length === 0 ? (chunk as Buffer) : Buffer.concat([carry, chunk as Buffer]);
    const last = buf.lastIndexOf(10);
    if (last < 0) {
      carry = buf;
      continue;
    }
    lines.push(...k.scanBuffer(buf.subarray(0, last + 1), base, needles));
    base += last + 1;
    carry = Buffer.from(buf.subarray(last + 1));
  }
  return { lines, bytes: base + carry.length };
}

/**
 * `threads` scanning at once: this thread, which would otherwise only wait,
 * and threads - 1 workers. It takes a job at a time and yields in between,
 * so that the workers' answers are handled and they get their next job.
 */
async function runInThreads(jobs: readonly Job[], threads: number): Promise<RawLine[][]> {
  const results: RawLine[][] = new Array(jobs.length);
  let next = 0;
  const pool = Array.from(
    { length: threads - 1 },
    // The kernel is plain JavaScript: no loader flags of this process are needed there.
    () => new Worker(KERNEL_PATH, { workerData: { traceScan: true }, execArgv: [] }),
  );
  const drive = (w: Worker): Promise<void> =>
    new Promise((resolve, reject) => {
      const send = () => {
        const job = jobs[next++];
        if (job === undefined) {
          resolve();
          return;
        }
        w.postMessage(job);
      };
      w.on("message", (reply: KernelReply) => {
        if ("error" in reply) {
          reject(new Error(`scanning ${jobs[reply.id]?.path}: ${reply.error}`));
          return;
        }
        results[reply.id] = reply.lines;
        send();
      });
      w.on("error", reject);
      send();
    });
  const here = async (): Promise<void> => {
    const k = localKernel();
    for (let job = jobs[next++]; job !== undefined; job = jobs[next++]) {
      results[job.id] = k.runJob(job);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  try {
    await Promise.all([here(), ...pool.map(drive)]);
    return results;
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

function entryOf(file: LogFile, line: RawLine): Entry | null {
  let fields: unknown;
  try {
    fields = JSON.parse(line.text);
  } catch {
    // A line the writer did not produce whole (a crash mid-write) is not evidence.
    return null;
  }
  if (fields === null || typeof fields !== "object" || Array.isArray(fields)) return null;
  const f = fields as Record<string, unknown>;
  return {
    source: "log",
    service: typeof f.service === "string" ? f.service : file.service,
    event: typeof f.event === "string" ? f.event : "",
    time: typeof f.time === "number" ? f.time : null,
    file: file.path,
    offset: line.offset,
    fields: f,
  };
}
