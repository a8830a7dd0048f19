// The byte scan under `bourse trace`: finds the lines of a byte range of a log
// file, or of one gzip member of a compressed day, that contain one of a few
// strings, with Buffer.indexOf over raw chunks, so that only those lines are
// decoded and parsed. Plain CommonJS: it runs in worker threads, which have no
// TypeScript loader, and in the calling thread.
"use strict";

const fs = require("node:fs");
const zlib = require("node:zlib");
const { parentPort, workerData } = require("node:worker_threads");

const NL = 10;
const QUOTE = 34;
const COLON = 58;
const COMMA = 44;
const BRACE = 125;
// Small enough that every needle's pass over a chunk reads it from cache.
const CHUNK_BYTES = 1 << 20;

let buffer = Buffer.allocUnsafe(CHUNK_BYTES);

/**
 * Lines whose first byte lies in [start, end) and that contain one of the
 * needles ({ text, bounded }), as { offset, text }. A bounded needle counts
 * only as a whole JSON value (a string, or a number after a colon): 12 inside
 * 123 or inside a timestamp is skipped here, before any line is decoded. A range
 * starting inside a line leaves that line to the range before it. Only lines
 * ended by a newline count: a last line without one is still being written
 * (or was cut short by a crash).
 */
function scanRange(path, start, end, needles) {
  const patterns = compile(needles);
  const out = [];
  const fd = fs.openSync(path, "r");
  try {
    // Reading from the byte before `start` tells whether `start` begins a line.
    let pos = start > 0 ? start - 1 : 0;
    let skipping = start > 0;
    while (pos < end) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, pos);
      if (n <= 0) break;
      let from = 0;
      if (skipping) {
        const nl = buffer.indexOf(NL);
        if (nl === -1 || nl >= n) {
          pos += n;
          continue;
        }
        from = nl + 1;
        skipping = false;
      }
      const last = buffer.lastIndexOf(NL, n - 1);
      if (last < from) {
        // A line longer than the buffer: read it again into a bigger one.
        if (n < buffer.length) break;
        pos += from;
        buffer = Buffer.allocUnsafe(buffer.length * 2);
        continue;
      }
      collect(buffer, patterns, from, last, pos, end, out);
      pos += last + 1;
    }
  } finally {
    fs.closeSync(fd);
  }
  return out.sort((a, b) => a.offset - b.offset);
}

/**
 * Lines of one gzip member [gz_start, gz_end) of a compressed day that
 * contain a needle; offsets are those of the plain text (the member starts
 * at raw_start), so a line has the same identity however it is read. A
 * member holds whole lines.
 */
function scanGzip(path, gz_start, gz_end, raw_start, needles) {
  const packed = Buffer.allocUnsafe(gz_end - gz_start);
  const fd = fs.openSync(path, "r");
  try {
    let got = 0;
    while (got < packed.length) {
      const n = fs.readSync(fd, packed, got, packed.length - got, gz_start + got);
      if (n <= 0) break;
      got += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return scanBuffer(zlib.gunzipSync(packed), raw_start, needles);
}

/** Lines of a buffer of whole lines (a text starting at byte `base`) that contain a needle. */
function scanBuffer(buf, base, needles) {
  const out = [];
  const last = buf.lastIndexOf(NL);
  if (last < 0) return out;
  collect(buf, compile(needles), 0, last, base, Number.POSITIVE_INFINITY, out);
  return out.sort((a, b) => a.offset - b.offset);
}

function compile(needles) {
  return needles.map((n) => ({ bytes: Buffer.from(n.text, "utf8"), bounded: n.bounded }));
}

/** Matching lines among the complete lines in buf[from, last]. */
function collect(buf, patterns, from, last, pos, end, out) {
  const seen = new Set();
  for (const { bytes: p, bounded } of patterns) {
    let i = buf.indexOf(p, from);
    while (i !== -1 && i < last) {
      if (bounded && !isWholeValue(buf, i, p.length)) {
        i = buf.indexOf(p, i + 1);
        continue;
      }
      const ls = i === 0 ? 0 : buf.lastIndexOf(NL, i - 1) + 1;
      const le = buf.indexOf(NL, i);
      if (pos + ls >= end) break;
      if (!seen.has(ls)) {
        seen.add(ls);
        out.push({ offset: pos + ls, text: buf.toString("utf8", ls, le) });
      }
      i = buf.indexOf(p, le + 1);
    }
  }
}

function isWholeValue(buf, i, length) {
  const before = i === 0 ? NL : buf[i - 1];
  const after = buf[i + length];
  if (before === QUOTE) return after === QUOTE;
  return before === COLON && (after === COMMA || after === BRACE);
}

/** One job: a range of a plain file, or one member of a compressed one. */
function runJob(job) {
  return job.gzip
    ? scanGzip(job.path, job.start, job.end, job.raw_start, job.needles)
    : scanRange(job.path, job.start, job.end, job.needles);
}

if (workerData !== null && typeof workerData === "object" && workerData.traceScan === true) {
  parentPort.on("message", (job) => {
    try {
      parentPort.postMessage({ id: job.id, lines: runJob(job) });
    } catch (err) {
      parentPort.postMessage({ id: job.id, error: String(err?.message ?? err) });
    }
  });
}

module.exports = { runJob, scanBuffer, scanGzip, scanRange };
