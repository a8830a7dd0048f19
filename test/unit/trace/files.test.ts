import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, describe, test } from "node:test";
import { listLogFiles } from "../../../src/trace/log-files.ts";
import { byteWindow } from "../../../src/trace/seek.ts";

const dir = mkdtempSync(join(tmpdir(), "bourse-trace-files-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("log files", () => {
  test("each service's rotated days in order, then its live file; a compressed day wins over its plain leftover; other files ignored", async () => {
    const a = join(dir, "a");
    const b = join(dir, "b");
    mkdirSync(a);
    mkdirSync(b);
    for (const name of [
      "ubscore.log",
      "ubscore.log.2030-01-02",
      "ubscore.log.2030-01-01.1",
      "ubscore.log.2030-01-01",
      "gateway.log.2030-01-01",
      "ubscore.log.2030-01-01.gz",
      "ubscore.log.2030-01-02.gz.tmp",
      "ubscore.log.idx",
      "nats.log",
      "ubscore.logx",
    ]) {
      writeFileSync(join(a, name), "{}\n");
    }
    writeFileSync(join(b, "settlement.log"), "{}\n");
    writeFileSync(join(b, "matching_engine.log"), "");
    const files = await listLogFiles([a, b, join(dir, "missing")]);
    assert.deepEqual(
      files.map((f) => basename(f.path)),
      [
        "gateway.log.2030-01-01",
        "ubscore.log.2030-01-01.gz",
        "ubscore.log.2030-01-01.1",
        "ubscore.log.2030-01-02",
        "ubscore.log",
        "settlement.log",
      ],
    );
    assert.deepEqual(
      files.map((f) => [f.service, f.day, f.n, f.gzip, f.index_path !== null]),
      [
        ["gateway", "2030-01-01", 0, false, false],
        ["ubscore", "2030-01-01", 0, true, false],
        ["ubscore", "2030-01-01", 1, false, false],
        ["ubscore", "2030-01-02", 0, false, false],
        ["ubscore", null, 0, false, true],
        ["settlement", null, 0, false, false],
      ],
    );
  });

  test("a time window is found by binary search and covers every line in it", async () => {
    const path = join(dir, "sorted.log");
    const lines: string[] = [];
    const offsets: number[] = [];
    let at = 0;
    for (let i = 0; i < 200_000; i++) {
      const l = `{"level":"info","time":${1_000_000 + i * 10},"service":"ubscore","event":"X","n":${i}}\n`;
      offsets.push(at);
      at += l.length;
      lines.push(l);
    }
    writeFileSync(path, lines.join(""));
    const size = statSync(path).size;
    const w = await byteWindow(path, size, 1_000_000 + 100_000 * 10, 1_000_000 + 100_050 * 10);
    // Lines 100000..100050 lie inside; the window is far smaller than the file.
    assert.ok(w.start <= (offsets[100_000] as number));
    assert.ok(w.end > (offsets[100_050] as number));
    assert.ok(w.end - w.start < size / 10, `window of ${w.end - w.start} bytes`);
    const before = await byteWindow(path, size, 0, 10);
    assert.equal(before.start, 0);
    const all = await byteWindow(path, size, 0, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(all, { start: 0, end: size });
  });
});
