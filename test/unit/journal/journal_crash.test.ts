import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Journal } from "../../../src/journal/mod.ts";
import { readAll, tempDir } from "./helpers.ts";

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), "crash_child.ts");

test("after kill -9, every acknowledged record is there and the sequence continues", async () => {
  const dir = tempDir("crash");
  for (let round = 1; round <= 2; round++) {
    const proc = spawn(process.execPath, ["--import", "tsx", child, dir], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let acked = 0;
    let buffered = "";
    const enough = new Promise<void>((resolve, reject) => {
      proc.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) acked = Math.max(acked, Number(line));
        if (acked >= round * 3000) resolve();
      });
      proc.once("exit", (code) => reject(new Error(`child exited early with ${code}`)));
    });
    await enough;
    proc.kill("SIGKILL");
    await once(proc, "exit");

    const j = await Journal.open({ dir, sync: "batch", segment_bytes_max: 64 * 1024 });
    assert.ok(j.durableSeq() >= acked, `acknowledged ${acked}, recovered ${j.durableSeq()}`);
    const all = await readAll(j, 1);
    assert.equal(all.length, j.durableSeq());
    all.forEach(([seq, t], k) => {
      assert.equal(seq, k + 1);
      assert.ok(t.startsWith(`record-${seq}.`), `seq ${seq} holds ${t}`);
    });
    await j.close();
  }
});
