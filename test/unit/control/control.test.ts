// The control channel on its own: the socket's answers to good and bad
// requests, its permissions, and the data folder's lock, which recognises a
// live owner, a dead one and a pid reused by an unrelated process.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { processStart } from "../../../src/control/lock.ts";
import {
  ask,
  type ControlError,
  DataDirLockedError,
  LOCK_FILE,
  lockDataDir,
  lockOwner,
  openControl,
} from "../../../src/control/mod.ts";

const root = mkdtempSync(join(tmpdir(), "bourse-control-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, String(++n));

/** Send raw bytes, return the answer line. */
function raw(dir: string, bytes: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const s = connect(join(dir, "bourse.sock"));
    let got = "";
    s.setEncoding("utf8");
    s.on("data", (d: string) => {
      got += d;
    });
    s.on("end", () => resolve(JSON.parse(got) as Record<string, unknown>));
    s.on("error", reject);
    s.on("connect", () => s.write(bytes));
  });
}

describe("the control socket", () => {
  test("status while starting, then snapshot and status once served; mode 0600", async () => {
    const dir = fresh();
    const c = await openControl({ data_dir: dir, service: "start" });
    try {
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      assert.equal(statSync(join(dir, "bourse.sock")).mode & 0o777, 0o600);
      assert.equal((await ask(dir, "status")).state, "starting");
      await assert.rejects(ask(dir, "snapshot"), (e: ControlError) => {
        assert.equal(e.code, "UNAVAILABLE");
        assert.equal(e.message, "the exchange is starting; no snapshot taken");
        return true;
      });
      let taken = 0;
      c.serve({
        snapshot: async () => ({ seq: ++taken, path: `/snap/${taken}` }),
        status: () => ({ ready: true }),
      });
      assert.deepEqual(await ask(dir, "snapshot"), { seq: 1, path: "/snap/1" });
      const s = await ask(dir, "status");
      assert.deepEqual(
        [s.service, s.pid, s.state, s.details],
        ["start", process.pid, "ready", { ready: true }],
      );
      c.stopping();
      await assert.rejects(ask(dir, "snapshot"), /the exchange is stopping/);
    } finally {
      await c.close();
    }
    await assert.rejects(ask(dir, "status"), (e: ControlError) => e.code === "NOT_RUNNING");
  });

  test("malformed requests are answered in the envelope; a failing snapshot says why", async () => {
    const dir = fresh();
    const c = await openControl({ data_dir: dir, service: "ubscore", request_timeout_ms: 200 });
    c.serve({
      snapshot: async () => {
        throw new Error("disk full");
      },
      status: () => ({}),
    });
    try {
      assert.deepEqual(await raw(dir, "not json\n"), {
        status: 101,
        msg: "a control request is one JSON object on one line",
        code: "BAD_JSON",
      });
      assert.deepEqual(await raw(dir, '{"op":"stop"}\n'), {
        status: 100,
        msg: 'op must be one of snapshot, status (got "stop")',
        code: "VALIDATION",
      });
      assert.equal((await raw(dir, "[1]\n")).code, "VALIDATION");
      assert.equal((await raw(dir, "x".repeat(5000))).code, "VALIDATION");
      // A request that never ends its line is answered after the timeout.
      assert.equal((await raw(dir, '{"op":')).code, "TIMEOUT");
      assert.deepEqual(await raw(dir, '{"op":"snapshot"}\n'), {
        status: 150,
        msg: "snapshot failed: disk full",
        code: "INTERNAL",
      });
    } finally {
      await c.close();
    }
  });
});

describe("the data folder's lock", () => {
  test("a second owner is refused while the first holds it; released, it can be taken", () => {
    const dir = fresh();
    mkdirSync(dir);
    const release = lockDataDir(dir, "start");
    assert.equal(lockOwner(dir)?.pid, process.pid);
    assert.throws(() => lockDataDir(dir, "ubscore"), DataDirLockedError);
    release();
    assert.equal(lockOwner(dir), null);
    lockDataDir(dir, "ubscore")();
  });

  test("a lock left by a dead process, or by a pid since reused, is taken over", async () => {
    const dir = fresh();
    mkdirSync(dir);
    const gone = spawn(process.execPath, ["-e", ""]);
    await once(gone, "exit");
    writeFileSync(join(dir, LOCK_FILE), `${gone.pid}\n`);
    assert.equal(lockOwner(dir), null);
    // This very process, but recorded with another start time: the pid was reused.
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: process.pid, start: "1", service: "start", since_ms: 0 }),
    );
    assert.equal(lockOwner(dir), null);
    const release = lockDataDir(dir, "start");
    const now = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")) as { start: string };
    assert.equal(now.start, processStart(process.pid));
    release();
  });

  test("an old-format lock naming a live process that is no bourse is stale", async () => {
    const dir = fresh();
    mkdirSync(dir);
    const other = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
    try {
      writeFileSync(join(dir, LOCK_FILE), `${other.pid}\n`);
      assert.equal(lockOwner(dir), null);
      lockDataDir(dir, "start")();
      assert.equal(other.exitCode, null);
    } finally {
      other.kill("SIGKILL");
    }
  });
});
