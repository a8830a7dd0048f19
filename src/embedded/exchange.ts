// The embedded exchange: the four services in one process, connected by the
// local file event log and in-process RPC, settling into SQLite on disk.
// Everything lives under one data folder.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Spec } from "../core/mod.ts";
import { ServiceBackend } from "../gateway/service-backend.ts";
import { MatchingService } from "../matching/service.ts";
import type { ServiceObs } from "../obs/mod.ts";
import { SettlementService, type SettlementServiceOptions } from "../settlement/service.ts";
import { openSqliteStore, type SettlementStore } from "../store/mod.ts";
import { LocalLog, LocalRpc } from "../transport/mod.ts";
import { UbsService } from "../ubscore/service.ts";

export interface EmbeddedOptions {
  spec: Spec;
  data_dir: string;
  /** "none" is UNSAFE: acknowledged commands can be lost on a crash. */
  sync?: "batch" | "none";
  snapshot_every_inputs?: number;
  timeout_ms?: number;
  /** Observability of each service; none when omitted. */
  obs?: { ubscore?: ServiceObs; matching_engine?: ServiceObs; settlement?: ServiceObs };
  /** Settlement's per-batch callback (see SettlementServiceOptions.on_commit). */
  on_settled?: SettlementServiceOptions["on_commit"];
  /** Called once if any service stops on an error. */
  on_failure?: (service: string, err: unknown) => void;
}

export interface Embedded {
  spec: Spec;
  log: LocalLog;
  rpc: LocalRpc;
  store: SettlementStore;
  ubscore: UbsService;
  matching: MatchingService;
  settlement: SettlementService;
  backend: ServiceBackend;
  /** The first error any service stopped on, or null. */
  failure(): unknown;
  stop(): Promise<void>;
}

export async function startEmbedded(opts: EmbeddedOptions): Promise<Embedded> {
  const { spec, data_dir } = opts;
  const sync = opts.sync ?? "batch";
  mkdirSync(data_dir, { recursive: true });
  const failed = (service: string) => (err: unknown) => opts.on_failure?.(service, err);
  const obs = opts.obs ?? {};
  const log = new LocalLog({ dir: join(data_dir, "log"), sync });
  const rpc = new LocalRpc();
  const store = openSqliteStore(join(data_dir, "settlement.db"), { symbols: spec.symbols });
  await store.migrate();
  const snapshot_every_inputs = opts.snapshot_every_inputs ?? 100_000;
  const ubscore = await UbsService.start({
    spec,
    log,
    rpc,
    dir: join(data_dir, "ubscore"),
    sync,
    snapshot_every_inputs,
    ...(obs.ubscore === undefined ? {} : { obs: obs.ubscore }),
    on_failure: failed("ubscore"),
  });
  const matching = await MatchingService.start({
    spec,
    log,
    rpc,
    dir: join(data_dir, "matching"),
    symbols: spec.symbols.map((s) => s.name),
    snapshot_every_inputs,
    ...(obs.matching_engine === undefined ? {} : { obs: obs.matching_engine }),
    on_failure: failed("matching_engine"),
  });
  const settlement = await SettlementService.start({
    spec,
    log,
    store,
    ...(obs.settlement === undefined ? {} : { obs: obs.settlement }),
    ...(opts.on_settled === undefined ? {} : { on_commit: opts.on_settled }),
    on_failure: failed("settlement"),
  });
  const backend = new ServiceBackend({
    spec,
    log,
    rpc,
    store,
    ...(opts.timeout_ms === undefined ? {} : { timeout_ms: opts.timeout_ms }),
  });
  await backend.start();
  let stopped = false;
  return {
    spec,
    log,
    rpc,
    store,
    ubscore,
    matching,
    settlement,
    backend,
    failure: () => ubscore.failed() ?? matching.failed() ?? settlement.failed() ?? null,
    async stop() {
      if (stopped) return;
      stopped = true;
      backend.setReady(false);
      backend.close();
      // Upstream first, so nothing downstream waits on input that will not come.
      await ubscore.stop();
      await matching.stop();
      await settlement.stop();
      await rpc.close();
      await log.close();
      await store.close();
    },
  };
}
