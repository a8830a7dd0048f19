// The key file and the `bourse keys` command.

import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import { Command, CommanderError } from "commander";
import { keysCommand } from "../../../src/cli/keys.ts";
import { KEYS_FILE, KeyFileError, KeyStore } from "../../../src/gateway/keys.ts";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bourse-keys-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("KeyStore", () => {
  test("creates user and operator keys with random ids and secrets", () => {
    const store = KeyStore.open(dir);
    const user = store.create({ role: "user", user_id: 1001 });
    const op = store.create({ role: "operator" });
    assert.match(user.api_key, /^bk_[0-9a-f]{32}$/);
    assert.match(user.secret, /^[0-9a-f]{64}$/);
    assert.deepEqual(
      [user.role, user.user_id, op.role, op.user_id],
      ["user", 1001, "operator", null],
    );
    assert.notEqual(user.api_key, op.api_key);
    assert.notEqual(user.secret, op.secret);
    assert.deepEqual(store.lookup(user.api_key), user);
    assert.equal(store.lookup("bk_unknown"), undefined);
  });

  test("persists to <data-dir>/keys.json with mode 0600, leaving no temporary file", () => {
    const store = KeyStore.open(dir);
    const user = store.create({ role: "user", user_id: 7 });
    const path = join(dir, KEYS_FILE);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), [KEYS_FILE]);
    const doc = JSON.parse(readFileSync(path, "utf8"));
    assert.equal(doc.version, 1);
    assert.deepEqual(doc.keys, [user]);
    assert.deepEqual(KeyStore.open(dir).lookup(user.api_key), user);
  });

  test("creates the data folder when missing", () => {
    const nested = join(dir, "a", "b");
    KeyStore.open(nested).create({ role: "operator" });
    assert.equal(KeyStore.open(nested).list().length, 1);
  });

  test("a running store sees keys created and revoked by another process", () => {
    const gateway = KeyStore.open(dir, { recheck_ms: 0 });
    const cli = KeyStore.open(dir);
    const k = cli.create({ role: "user", user_id: 1 });
    assert.deepEqual(gateway.lookup(k.api_key), k);
    assert.equal(cli.revoke(k.api_key), true);
    assert.equal(gateway.lookup(k.api_key), undefined);
    assert.equal(cli.revoke(k.api_key), false);
  });

  test("a key created elsewhere works at once, however long the re-check interval", () => {
    const gateway = KeyStore.open(dir, { recheck_ms: 3_600_000 });
    const first = KeyStore.open(dir).create({ role: "operator" });
    assert.deepEqual(gateway.lookup(first.api_key), first);
    const k = KeyStore.open(dir).create({ role: "user", user_id: 7 });
    assert.deepEqual(gateway.lookup(k.api_key), k);
  });

  test("creating keeps keys another process added meanwhile", () => {
    const a = KeyStore.open(dir);
    const b = KeyStore.open(dir);
    const ka = a.create({ role: "operator" });
    const kb = b.create({ role: "user", user_id: 2 });
    assert.deepEqual(
      KeyStore.open(dir)
        .list()
        .map((k) => k.api_key)
        .sort(),
      [ka.api_key, kb.api_key].sort(),
    );
  });

  test("refuses a bad user id and a malformed file", () => {
    const store = KeyStore.open(dir);
    assert.throws(() => store.create({ role: "user", user_id: 0 }), RangeError);
    assert.throws(() => store.create({ role: "user", user_id: 1.5 }), RangeError);
    writeFileSync(join(dir, KEYS_FILE), "{");
    assert.throws(() => KeyStore.open(dir), KeyFileError);
    writeFileSync(join(dir, KEYS_FILE), JSON.stringify({ version: 1, keys: [{ api_key: "x" }] }));
    assert.throws(() => KeyStore.open(dir), /malformed key entry/);
    writeFileSync(join(dir, KEYS_FILE), JSON.stringify({ version: 2, keys: [] }));
    assert.throws(() => KeyStore.open(dir), /expected \{"version":1/);
  });

  test("a file broken while running keeps the keys last read", () => {
    const gateway = KeyStore.open(dir, { recheck_ms: 0 });
    const k = KeyStore.open(dir).create({ role: "operator" });
    assert.ok(gateway.lookup(k.api_key));
    writeFileSync(join(dir, KEYS_FILE), "garbage");
    assert.deepEqual(gateway.lookup(k.api_key), k);
  });
});

describe("bourse keys", () => {
  function run(args: string[]): { out: string; err: string; error: CommanderError | null } {
    let out = "";
    let err = "";
    const program = new Command().name("bourse").exitOverride();
    const keys = keysCommand({ out: (t) => (out += t) });
    program.addCommand(keys);
    const capture = (c: Command) => {
      c.exitOverride().configureOutput({
        writeOut: (t) => (out += t),
        writeErr: (t) => (err += t),
      });
      for (const sub of c.commands) capture(sub);
    };
    capture(program);
    try {
      program.parse(["node", "bourse", "keys", ...args]);
      return { out, err, error: null };
    } catch (e) {
      if (e instanceof CommanderError) return { out, err, error: e };
      throw e;
    }
  }

  test("create --user --json prints the key for scripts", () => {
    const r = run(["create", "--user", "1001", "--data-dir", dir, "--json"]);
    assert.equal(r.error, null);
    const k = JSON.parse(r.out);
    assert.deepEqual(Object.keys(k), ["api_key", "secret", "user_id", "role"]);
    assert.deepEqual([k.user_id, k.role], [1001, "user"]);
    assert.deepEqual(KeyStore.open(dir).lookup(k.api_key)?.secret, k.secret);
  });

  test("create --operator prints key and secret for people", () => {
    const r = run(["create", "--operator", "--data-dir", dir]);
    assert.equal(r.error, null);
    const [k] = KeyStore.open(dir).list();
    assert.ok(k !== undefined);
    assert.match(r.out, new RegExp(`api_key: ${k.api_key}\\n`));
    assert.match(r.out, new RegExp(`secret:  ${k.secret}\\n`));
    assert.match(r.out, /^created operator key in /);
    const json = JSON.parse(run(["create", "--operator", "--data-dir", dir, "--json"]).out);
    assert.deepEqual([json.user_id, json.role], [null, "operator"]);
  });

  test("refuses --user with --operator, neither, or a bad user id; writes nothing", () => {
    for (const [args, message] of [
      [["create", "--user", "1", "--operator"], /cannot be used with option '--operator'/],
      [["create"], /give --user <id> or --operator/],
      [["create", "--user", "abc"], /a user id is a positive integer/],
      [["create", "--user", "0"], /a user id is a positive integer/],
      // The exchange would refuse every request of this user (UNKNOWN_USER).
      [
        ["create", "--user", String(2 ** 48 + 1)],
        /user id 281474976710657 is above the configured maximum 281474976710656/,
      ],
    ] as const) {
      const r = run([...args, "--data-dir", dir]);
      assert.ok(r.error !== null, args.join(" "));
      assert.equal(r.error.exitCode, 1);
      assert.match(r.err, message);
    }
    assert.deepEqual(readdirSync(dir), []);
  });

  test("the maximum user id is the configured one (--config)", () => {
    const config = join(dir, "..", `limits-${process.pid}.json`);
    writeFileSync(config, JSON.stringify({ limits: { max_user_id: 5000 } }));
    try {
      assert.ok(
        run(["create", "--user", "5000", "--data-dir", dir, "--config", config]).error === null,
      );
      const r = run(["create", "--user", "5001", "--data-dir", dir, "--config", config]);
      assert.match(r.err, /user id 5001 is above the configured maximum 5000/);
      assert.equal(KeyStore.open(dir).list().length, 1);
    } finally {
      rmSync(config, { force: true });
    }
  });

  test("list shows keys without secrets; revoke removes one", () => {
    const a = JSON.parse(run(["create", "--user", "5", "--data-dir", dir, "--json"]).out);
    const b = JSON.parse(run(["create", "--operator", "--data-dir", dir, "--json"]).out);
    const listed = run(["list", "--data-dir", dir, "--json"])
      .out.trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      listed.map((k) => [k.api_key, k.user_id, k.role, "secret" in k]),
      [
        [a.api_key, 5, "user", false],
        [b.api_key, null, "operator", false],
      ],
    );
    assert.ok(!run(["list", "--data-dir", dir]).out.includes(a.secret));
    assert.equal(run(["revoke", a.api_key, "--data-dir", dir]).out, `revoked ${a.api_key}\n`);
    assert.equal(KeyStore.open(dir).lookup(a.api_key), undefined);
    const again = run(["revoke", a.api_key, "--data-dir", dir]);
    assert.match(again.err, /no key/);
  });

  test("--help describes the commands and options", () => {
    const top = run(["--help"]);
    assert.match(top.out, /create \[options\]/);
    assert.match(top.out, /list \[options\]/);
    assert.match(top.out, /revoke \[options\] <api_key>/);
    const create = run(["create", "--help"]);
    for (const opt of ["--user <id>", "--operator", "--data-dir <dir>", "--json"]) {
      assert.ok(create.out.includes(opt), opt);
    }
  });
});
