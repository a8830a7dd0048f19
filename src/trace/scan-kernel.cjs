// The byte scan under `bourse trace`: finds the lines of a byte range of a log
// file that contain one of a few strings, with Buffer.indexOf over raw chunks,
// so that only those lines are decoded and parsed. Plain CommonJS: it runs in
// worker threads, which have no TypeScript loader, and in the calling thread.
"use strict";

const fs = require("node:fs");
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
  const patterns = needles.map((n) => ({ bytes: Buffer.from(n.text, "utf8"), bounded: n.bounded }));
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
      collect(patterns, from, last, pos, end, out);
      pos += last + 1;
    }
  } finally {
    fs.closeSync(fd);
  }
  return out.sort((a, b) => a.offset - b.offset);
}

/** Matching lines among the complete lines in buffer[from, last]. */
function collect(patterns, from, last, pos, end, out) {
  const seen = new Set();
  for (const { bytes: p, bounded } of patterns) {
    let i = buffer.indexOf(p, from);
    while (i !== -1 && i < last) {
      if (bounded && !isWholeValue(i, p.length)) {
        i = buffer.indexOf(p, i + 1);
        continue;
      }
      const ls = i === 0 ? 0 : buffer.lastIndexOf(NL, i - 1) + 1;
      const le = buffer.indexOf(NL, i);
      if (pos + ls >= end) break;
      if (!seen.has(ls)) {
        seen.add(ls);
        out.push({ offset: pos + ls, text: buffer.toString("utf8", ls, le) });
      }
      i = buffer.indexOf(p, le + 1);
    }
  }
}

function isWholeValue(i, length) {
  const before = i === 0 ? NL : buffer[i - 1];
  const after = buffer[i + length];
  if (before === QUOTE) return after === QUOTE;
  return before === COLON && (after === COMMA || after === BRACE);
}

if (workerData !== null && typeof workerData === "object" && workerData.traceScan === true) {
  parentPort.on("message", (job) => {
    try {
      const lines = scanRange(job.path, job.start, job.end, job.needles);
      parentPort.postMessage({ id: job.id, lines });
    } catch (err) {
      parentPort.postMessage({ id: job.id, error: String(err?.message ?? err) });
    }
  });
}

module.exports = { scanRange };
