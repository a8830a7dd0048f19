// How a bourse process ends: a signal stops it gracefully with a log line and
// exit 0, SIGUSR2 (which older `bourse snapshot` sent) is logged and ignored,
// and an uncaught error or unhandled rejection is logged (file and stderr)
// before the process exits 1. Start errors read as one line.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { describeError } from "../../../src/cli/lifecycle.ts";
import { eventually } from "../../support/exchange-process.ts";

const root = mkdtempSync(join(tmpdir(), "bourse-lifecycle-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

async function child(mode: string) {
  const dir = join(root, String(++n));
  const proc = spawn(
    process.execPath,
    ["--import", "tsx", "test/support/lifecycle-child.ts", dir, mode],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  proc.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const exited = once(proc, "exit") as Promise<[number | null, string | null]>;
  await new Promise<void>((resolve) => proc.stdout?.once("data", () => resolve()));
  const events = () =>
    readFileSync(join(dir, "gateway.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { event?: string; signal?: string; err?: { message?: string } });
  return { proc, exited, events, stderr: () => stderr };
}

describe("stopping", () => {
  test("SIGTERM: a log line, a graceful stop, exit 0", async () => {
    const c = await child("wait");
    c.proc.kill("SIGTERM");
    assert.deepEqual(await c.exited, [0, null]);
    const stop = c.events().find((e) => e.event === "SERVICE_STOPPING");
    assert.equal(stop?.signal, "SIGTERM");
  });

  test("SIGUSR2 is logged and ignored; the process runs on", async () => {
    const c = await child("wait");
    c.proc.kill("SIGUSR2");
    // Another process writes the line: wait for it, then prove the process still stops on request.
    await eventually(
      async () => {
        try {
          return c.events();
        } catch {
          return [];
        }
      },
      (events) => events.some((e) => e.event === "SIGNAL_IGNORED"),
      "the ignored signal to be logged",
    );
    assert.equal(c.proc.exitCode, null);
    c.proc.kill("SIGINT");
    assert.deepEqual(await c.exited, [0, null]);
  });

  for (const [mode, message] of [
    ["throw", "boom in a timer"],
    ["reject", "a promise nobody awaited"],
  ] as const) {
    test(`an uncaught error (${mode}) is logged before the process exits 1`, async () => {
      const c = await child(mode);
      assert.deepEqual(await c.exited, [1, null]);
      const line = c.events().find((e) => e.event === "UNCAUGHT_ERROR");
      assert.equal(line?.err?.message, message);
      assert.equal(c.stderr(), `bourse: uncaught error, stopping: ${message}\n`);
    });
  }
});

describe("describeError", () => {
  test("a busy port, a refused permission, a cause chain: one line each", () => {
    const busy = Object.assign(
      new Error("listen EADDRINUSE: address already in use 127.0.0.1:3001"),
      {
        code: "EADDRINUSE",
        address: "127.0.0.1",
        port: 3001,
      },
    );
    assert.equal(describeError(busy), "port 3001 on 127.0.0.1 is already in use");
    const denied = Object.assign(new Error("listen EACCES"), {
      code: "EACCES",
      syscall: "listen",
      port: 80,
    });
    assert.equal(describeError(denied), "no permission to listen on port 80");
    const chained = new Error("cannot open the journal", {
      cause: new Error("EIO: i/o error\nat line two"),
    });
    assert.equal(describeError(chained), "cannot open the journal: EIO: i/o error at line two");
    assert.equal(describeError("plain"), "plain");
  });
});
