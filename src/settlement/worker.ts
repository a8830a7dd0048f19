// Settlement's worker thread (embedded mode): it owns the SQLite file's
// writing connection and the settlement log. The main thread hands it output
// batches as bytes; here they are verified, decoded, planned and written,
// and each commit is reported back with its position. The thread keeps the
// database's writes (and their CPU) off the thread that runs the core and
// answers clients.

import { parentPort, workerData } from "node:worker_threads";
import { GENESIS_HASH, Marker } from "../core/mod.ts";
import { createLogger, logLifecycle, nullLogger, type ServiceLogger } from "../obs/mod.ts";
import { openSqliteStore } from "../store/mod.ts";
import { SettlementApplier } from "./applier.ts";
import { SettlementMarkers } from "./markers.ts";
import { type FromWorker, failureOf, type ToWorker, type WorkerData } from "./protocol.ts";

if (parentPort === null) throw new Error("settlement worker: not started as a worker thread");
const port = parentPort;
const data = workerData as WorkerData;
const post = (m: FromWorker) => port.postMessage(m);

function logger(): ServiceLogger {
  const o = data.log;
  if (o === null || o.level === "silent") return nullLogger("settlement");
  return createLogger({
    service: "settlement",
    dir: o.dir,
    level: o.level,
    retention_days: o.retention_days,
    ...(o.sample_ppm === undefined ? {} : { sample_ppm: o.sample_ppm }),
  });
}

async function main(): Promise<void> {
  const log = logger();
  await log.open();
  // This thread is settlement's process in embedded mode: its log says so.
  logLifecycle(log, Marker.SERVICE_STARTED, { pid: process.pid, thread: "worker" });
  const store = openSqliteStore(data.path, {
    symbols: data.catalog.symbols,
    synchronous: data.synchronous,
    cache_mib: data.cache_mib,
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await store.close();
    logLifecycle(log, Marker.SERVICE_STOPPED, { pid: process.pid });
    await log.close();
  };
  try {
    await store.migrate();
  } catch (err) {
    post({ t: "failed", failure: { ...failureOf(err), code: "START_FAILED" } });
    await close();
    return;
  }
  const start = await store.position();
  const applier = new SettlementApplier({
    store,
    start,
    markers: new SettlementMarkers(log, data.catalog),
    log,
    outputs_per_transaction: data.outputs_per_transaction,
    on_committed: (report) => post({ t: "committed", report }),
    on_database: (down) => post({ t: "database", down }),
    on_failure: (err) => {
      post({ t: "failed", failure: failureOf(err) });
      close().then(() => port.close());
    },
  });
  port.on("message", (m: ToWorker) => {
    if (m.t === "batch") {
      try {
        applier.push(m.bytes);
      } catch (err) {
        if (applier.failed() === null) {
          post({ t: "failed", failure: failureOf(err) });
          close().then(() => port.close());
        }
      }
      return;
    }
    applier.drain().then(async () => {
      await close();
      post({ t: "stopped" });
      port.close();
    });
  });
  logLifecycle(log, Marker.SERVICE_READY, { seq: start?.seq ?? 0 });
  post({ t: "ready", seq: start?.seq ?? 0, hash: start?.hash ?? GENESIS_HASH });
}

main().catch((err) => {
  post({ t: "failed", failure: { ...failureOf(err), code: "START_FAILED" } });
  port.close();
});
