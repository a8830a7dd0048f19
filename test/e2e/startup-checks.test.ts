// What `bourse start` does with damaged or mismatched state: a torn journal
// tail is cut, logged and the exchange serves every acknowledged command; a
// journal that lost acknowledged commands (or a database of another
// exchange) is refused in one clear line, exit 1, before anything is served,
// rather than serving balances that disagree with history.

import assert from "node:assert/strict";
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { clientFor, createKey, runBourse, startExchange } from "../support/exchange-process.ts";

const root = mkdtempSync(join(tmpdir(), "bourse-startup-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** An exchange folder with three acknowledged deposits, settled, then stopped. */
async function folderWithDeposits(name: string): Promise<string> {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const op_key = createKey(dir, "operator");
  const user_key = createKey(dir, { user: 7 });
  const ex = await startExchange(dir);
  try {
    const op = clientFor(ex.url, op_key);
    for (let i = 1; i <= 3; i++) {
      await op.transferIn({ request_id: `d${i}`, user_id: 7, asset: "USDT", amount: "10" });
    }
    // A history read of user 7 waits until settlement holds their deposits
    // (read-your-writes), so the database has all three before the stop.
    await clientFor(ex.url, user_key).activeOrders();
  } finally {
    assert.equal(await ex.stop(), 0);
  }
  return dir;
}

/** The user key folderWithDeposits made (keys.json lists it). */
function keyOf(dir: string, user_id: number) {
  const keys = JSON.parse(readFileSync(join(dir, "keys.json"), "utf8")) as {
    keys: { api_key: string; secret: string; user_id: number | null }[];
  };
  const k = keys.keys.find((x) => x.user_id === user_id);
  assert.ok(k !== undefined);
  return { api_key: k.api_key, secret: k.secret };
}

function journalSegments(dir: string): string[] {
  const j = join(dir, "sequencer", "journal");
  return readdirSync(j)
    .filter((n) => n.endsWith(".seg"))
    .sort()
    .map((n) => join(j, n));
}

describe("start-up checks", () => {
  test("a torn journal tail is cut and logged; every acknowledged deposit is still there", async () => {
    const dir = await folderWithDeposits("torn");
    const last = journalSegments(dir).at(-1) as string;
    // Half a record: what a crash in the middle of a write leaves.
    appendFileSync(last, Buffer.from([0x17, 0, 0, 0, 1, 2, 3]));
    const ex = await startExchange(dir);
    try {
      const alice = clientFor(ex.url, keyOf(dir, 7));
      const usdt = (await alice.balance()).find((b) => b.asset === "USDT");
      assert.equal(usdt?.avail, "30.000000");
      const log = readFileSync(join(dir, "logs", "ubscore.log"), "utf8");
      assert.match(log, /"event":"JOURNAL_TAIL_TRUNCATED"/);
      assert.match(log, /"event":"JOURNAL_REPLAYED"/);
    } finally {
      assert.equal(await ex.stop(), 0);
    }
  });

  test("a journal that lost acknowledged commands is refused, naming both positions", async () => {
    const dir = await folderWithDeposits("lost");
    // The journal and snapshots gone (a disk replaced, a folder restored from
    // an old copy), the settlement database still holding their outputs.
    rmSync(join(dir, "sequencer"), { recursive: true, force: true });
    const r = runBourse(["start", "--data-dir", dir, "--port", "0", "--log-dir", join(dir, "l2")]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /settlement database holds outputs up to 3 but the journal ends at 0/);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  });

  test("a settlement database of another exchange is refused", async () => {
    const a = await folderWithDeposits("a");
    const b = await folderWithDeposits("b");
    // b's database beside a's journal: same positions, other outputs (other times).
    for (const f of readdirSync(a).filter((n) => n.startsWith("settlement.db"))) {
      rmSync(join(a, f), { force: true });
    }
    for (const f of readdirSync(b).filter((n) => n.startsWith("settlement.db"))) {
      copyFileSync(join(b, f), join(a, f));
    }
    const r = runBourse(["start", "--data-dir", a, "--port", "0", "--log-dir", join(a, "l2")]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /does not hash as the settlement database recorded it/);
  });
});
