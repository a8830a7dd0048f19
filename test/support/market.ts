// An embedded exchange serving streams, for market data tests: the durable
// sequencer with market data as a core stage, the gateway's app with its
// WebSocket routes listening on a free port, and a way to submit commands
// straight to the sequencer (many thousands, faster than over HTTP).

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command, CoreOutput, Spec } from "../../src/core/mod.ts";
import { loadSpec } from "../../src/core/mod.ts";
import { type ApiKey, buildGatewayApp, KeyStore, type TypedApp } from "../../src/gateway/mod.ts";
import { PipelineBackend } from "../../src/gateway/pipeline-backend.ts";
import { createStreams, type GatewayStreams, type StreamLimits } from "../../src/gateway/ws/mod.ts";
import { MarketDataStage, MarketHub } from "../../src/marketdata/mod.ts";
import {
  type CoreJournal,
  LocalIntake,
  openDurableSequencer,
  type Sequencer,
} from "../../src/pipeline/mod.ts";
import { openSqliteStore, type SettlementStore } from "../../src/store/mod.ts";

export interface MarketExchange {
  spec: Spec;
  app: TypedApp;
  url: string;
  ws_url: string;
  sequencer: Sequencer;
  journal: CoreJournal;
  hub: MarketHub;
  streams: GatewayStreams;
  keys: KeyStore;
  store: SettlementStore;
  /** Every output released, in order. */
  outputs: CoreOutput[];
  submit(cmd: Command): Promise<CoreOutput>;
  userKey(user_id: number): ApiKey;
  close(): Promise<void>;
}

export async function marketExchange(
  o: { limits?: Partial<StreamLimits>; keep_outputs?: boolean; spec?: Spec } = {},
): Promise<MarketExchange> {
  const dir = mkdtempSync(join(tmpdir(), "bourse-md-"));
  const spec = o.spec ?? loadSpec();
  const hub = new MarketHub(spec);
  const outputs: CoreOutput[] = [];
  const { journal, sequencer } = await openDurableSequencer({
    dir: join(dir, "sequencer"),
    spec,
    sync: "none",
    snapshot_every_outputs: 0,
    stages: [
      (core) => {
        const stage = new MarketDataStage(core, hub);
        return { on_applied: stage.onApplied, sink: stage };
      },
    ],
  });
  if (o.keep_outputs ?? true) {
    sequencer.addSink({
      name: "test.outputs",
      deliver: (_b, outs) => {
        for (const x of outs) outputs.push(x);
      },
      backlog: () => 0,
    });
  }
  const store = openSqliteStore(join(dir, "settlement.db"), { symbols: spec.symbols });
  await store.migrate();
  const backend = new PipelineBackend({
    spec,
    intake: new LocalIntake(spec, sequencer),
    store,
    // No settlement runs here: reads of history do not wait.
    settled: { committedSeq: () => Number.MAX_SAFE_INTEGER, waitFor: async () => true },
  });
  const streams = createStreams({ hub, ...(o.limits === undefined ? {} : { limits: o.limits }) });
  const keys = KeyStore.open(dir);
  const app = buildGatewayApp({
    backend,
    spec,
    keys,
    options: { rate_limit: null, public_rate_limit: null, docs: false },
    streams,
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  const created = new Map<number, ApiKey>();
  return {
    spec,
    app,
    url: `http://127.0.0.1:${port}`,
    ws_url: `ws://127.0.0.1:${port}`,
    sequencer,
    journal,
    hub,
    streams,
    keys,
    store,
    outputs,
    submit: (cmd) => sequencer.submit(cmd),
    userKey(user_id) {
      let k = created.get(user_id);
      if (k === undefined) {
        k = keys.create({ role: "user", user_id });
        created.set(user_id, k);
      }
      return k;
    },
    async close() {
      streams.stop();
      await app.close();
      await sequencer.stop();
      await journal.close();
      await store.close();
    },
  };
}
