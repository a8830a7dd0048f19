// Child process for journal_crash.test.ts: appends from several concurrent
// producers until killed, printing every durable seq it reaches on stdout.
// A seq is printed only after the journal reported it durable, which is
// exactly the point where a service would acknowledge it.

import { Journal } from "../../../src/journal/mod.ts";
import { payload } from "./helpers.ts";

const dir = process.argv[2];
if (dir === undefined) throw new Error("usage: crash_child.ts <dir>");
const j = await Journal.open({ dir, sync: "batch", segment_bytes_max: 64 * 1024 });
j.onDurable((seq) => {
  process.stdout.write(`${seq}\n`);
});
const producers = Array.from({ length: 16 }, async () => {
  for (;;) {
    const seq = j.append(payload(j.nextSeq(), 24));
    await j.flushed(seq);
  }
});
await Promise.all(producers);
