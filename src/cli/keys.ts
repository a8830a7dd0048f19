// `bourse keys`: create, list and revoke the gateway's API keys in
// <data-dir>/keys.json. A running gateway picks changes up within a second.

import { Command, InvalidArgumentError, Option } from "commander";
import { loadSpec } from "../core/mod.ts";
import { type ApiKey, KeyStore } from "../gateway/mod.ts";
import { configOption, ENV } from "./common.ts";

export interface KeysOutput {
  out(text: string): void;
}

const STDOUT: KeysOutput = { out: (text) => process.stdout.write(text) };

function userId(text: string): number {
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError("a user id is a positive integer");
  }
  return n;
}

const dataDirOption = () =>
  new Option("--data-dir <dir>", "the exchange's data folder").default("./data").env(ENV.data_dir);

function publicView(k: ApiKey) {
  return { api_key: k.api_key, user_id: k.user_id, role: k.role, created_ms: k.created_ms };
}

export function keysCommand(io: KeysOutput = STDOUT): Command {
  const keys = new Command("keys").description(
    "manage API keys (stored with their secrets in <data-dir>/keys.json, mode 0600)",
  );

  keys
    .command("create")
    .description("create a user key (--user <id>) or an operator key (--operator)")
    .addOption(
      new Option("--user <id>", "the user the key acts for")
        .argParser(userId)
        .conflicts("operator"),
    )
    .addOption(new Option("--operator", "a key for deposits and withdrawals").conflicts("user"))
    .addOption(dataDirOption())
    .addOption(configOption())
    .option("--json", "print one JSON object, for scripts")
    .action(function (
      this: Command,
      o: { user?: number; operator?: boolean; dataDir: string; json?: boolean; config?: string },
    ) {
      if (o.user === undefined && o.operator !== true) {
        this.error("error: give --user <id> or --operator");
      }
      if (o.user !== undefined) {
        // A key for a user the exchange refuses (UNKNOWN_USER) would fail on every request.
        const max = loadSpec(o.config).limits.max_user_id;
        if (o.user > max) {
          this.error(
            `error: user id ${o.user} is above the configured maximum ${max} (limits.max_user_id)`,
          );
        }
      }
      const store = KeyStore.open(o.dataDir);
      const key =
        o.user !== undefined
          ? store.create({ role: "user", user_id: o.user })
          : store.create({ role: "operator" });
      if (o.json === true) {
        const { api_key, secret, user_id, role } = key;
        io.out(`${JSON.stringify({ api_key, secret, user_id, role })}\n`);
        return;
      }
      const who = key.role === "user" ? `user key for user ${key.user_id}` : "operator key";
      io.out(
        [
          `created ${who} in ${store.path}`,
          `api_key: ${key.api_key}`,
          `secret:  ${key.secret}`,
          "Keep the secret private: it signs requests. `bourse keys list` does not show it.",
          "",
        ].join("\n"),
      );
    });

  keys
    .command("list")
    .description("list keys (without their secrets)")
    .addOption(dataDirOption())
    .option("--json", "print one JSON object per line")
    .action((o: { dataDir: string; json?: boolean }) => {
      const list = KeyStore.open(o.dataDir).list();
      if (o.json === true) {
        for (const k of list) io.out(`${JSON.stringify(publicView(k))}\n`);
        return;
      }
      for (const k of list) {
        const who = k.role === "user" ? `user ${k.user_id}` : "operator";
        io.out(`${k.api_key}  ${who}  created ${new Date(k.created_ms).toISOString()}\n`);
      }
    });

  keys
    .command("revoke")
    .description("delete a key; requests signed with it fail from then on")
    .argument("<api_key>", "the key to revoke")
    .addOption(dataDirOption())
    .action(function (this: Command, api_key: string, o: { dataDir: string }) {
      if (!KeyStore.open(o.dataDir).revoke(api_key)) this.error(`error: no key ${api_key}`);
      io.out(`revoked ${api_key}\n`);
    });

  return keys;
}
