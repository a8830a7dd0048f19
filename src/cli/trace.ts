// `bourse trace <id>`: one business event's timeline across the services'
// logs (and the settlement database when given), and whether every
// lifecycle marker is there. Exit code 0 when complete, 2 when a marker is
// missing, 1 when nothing mentions the id.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { Command, Option } from "commander";
import { OBS_ENV } from "../obs/mod.ts";
import {
  openPostgresSource,
  openSqliteSource,
  QueryError,
  renderTrace,
  TraceDatabase,
  type TraceResult,
  trace,
} from "../trace/mod.ts";
import { ENV } from "./common.ts";

export interface TraceOutput {
  out(text: string): void;
}

const STDOUT: TraceOutput = { out: (text) => process.stdout.write(text) };

export const TRACE_EXIT = { complete: 0, not_found: 1, incomplete: 2 } as const;

interface TraceFlags {
  logDir?: string[];
  dataDir?: string;
  databaseUrl?: string;
  databaseSchema: string;
  workers?: number;
  json?: boolean;
}

function workerCount(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new Error("--workers is 0 to 64");
  return n;
}

async function openDatabase(cmd: Command, o: TraceFlags): Promise<TraceDatabase | undefined> {
  // A flag beats the environment: an exported BOURSE_DATABASE_URL must not
  // override an explicit --data-dir, nor BOURSE_DATA_DIR an explicit URL; a
  // data folder from the environment counts only if it holds a database.
  const urlGiven = o.databaseUrl !== undefined && cmd.getOptionValueSource("databaseUrl") === "cli";
  const dirGiven = o.dataDir !== undefined && cmd.getOptionValueSource("dataDir") === "cli";
  if (dirGiven && urlGiven) {
    cmd.error("error: give --data-dir or --database-url, not both");
  }
  const dir =
    dirGiven ||
    (!urlGiven && o.dataDir !== undefined && existsSync(join(o.dataDir, "settlement.db")))
      ? o.dataDir
      : undefined;
  try {
    if (dir !== undefined) {
      return new TraceDatabase(openSqliteSource(join(dir, "settlement.db")));
    }
    if (o.databaseUrl !== undefined) {
      return new TraceDatabase(await openPostgresSource(o.databaseUrl, o.databaseSchema));
    }
  } catch (err) {
    cmd.error(`error: cannot open the settlement database: ${(err as Error).message}`);
  }
  return undefined;
}

export function traceCommand(io: TraceOutput = STDOUT): Command {
  return new Command("trace")
    .description(
      "show one event's timeline across the services' logs (and database) and the lifecycle markers it misses",
    )
    .argument(
      "<id>",
      "a deposit or withdrawal event id, an order id, a trade id or a request id; prefix order:, trade:, request: or transfer: to say which",
    )
    .addOption(
      new Option(
        "--log-dir <dir>",
        "folder of the services' log files; repeat it for one folder per host (default: logs)",
      )
        .env(OBS_ENV.log_dir)
        .argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]),
    )
    .addOption(
      new Option(
        "--data-dir <dir>",
        "add the rows of the embedded exchange's <dir>/settlement.db",
      ).env(ENV.data_dir),
    )
    .addOption(
      new Option(
        "--database-url <url>",
        "add the rows of the settlement database (PostgreSQL)",
      ).env(ENV.database_url),
    )
    .addOption(
      new Option("--database-schema <name>", "schema holding the settlement tables")
        .default("public")
        .env(ENV.database_schema),
    )
    .addOption(
      new Option(
        "--workers <n>",
        "scan threads besides this one (0: none); default: one thread per CPU in all, at most 8",
      )
        .argParser(workerCount)
        .env(ENV.trace_workers),
    )
    .option("--json", "print the trace as one JSON object, for scripts")
    .addHelpText(
      "after",
      "\nExit status: 0 complete, 2 incomplete (a marker is missing), 1 not found or error.",
    )
    .action(async function (this: Command, id: string, o: TraceFlags) {
      let result: TraceResult;
      const database = await openDatabase(this, o);
      try {
        result = await trace(id, {
          log_dirs: o.logDir ?? ["logs"],
          database,
          workers: o.workers,
        });
      } catch (err) {
        if (err instanceof QueryError) this.error(`error: ${err.message}`);
        throw err;
      } finally {
        await database?.close();
      }
      io.out(o.json === true ? `${JSON.stringify(result)}\n` : renderTrace(result));
      process.exitCode = TRACE_EXIT[result.status];
    });
}
