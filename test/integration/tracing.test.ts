// One trace across the stages: the gateway starts it, the sequencer picks its
// context up when it applies the command (UBSCore's hold, the book's match,
// UBSCore's settle), and settlement's span runs from the hand-off of the
// output to its commit; all in the same trace (in-memory exporter).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CommandKind, loadSpec, placeCommand, transferCommand } from "../../src/core/mod.ts";
import { startEmbedded } from "../../src/embedded/exchange.ts";
import { TracedBackend } from "../../src/gateway/traced-backend.ts";
import { createServiceObs, resolveObsOptions } from "../../src/obs/mod.ts";

test("a traded order is one trace: gateway -> UBSCore -> matching -> UBSCore -> settlement", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bourse-trace-"));
  const options = resolveObsOptions({ log_level: "silent" }, {});
  const obs = {
    gateway: createServiceObs("gateway", options, { trace_exporter: "memory" }),
    ubscore: createServiceObs("ubscore", options, { trace_exporter: "memory" }),
    matching_engine: createServiceObs("matching_engine", options, { trace_exporter: "memory" }),
    settlement: createServiceObs("settlement", options, { trace_exporter: "memory" }),
  };
  const spec = loadSpec();
  const ex = await startEmbedded({ spec, data_dir: dir, obs });
  try {
    const backend = new TracedBackend(ex.backend, obs.gateway.tracing);
    const ts = Date.now();
    await backend.transfer(
      transferCommand(
        spec,
        CommandKind.Deposit,
        { request_id: "t1", user_id: 1, asset: "BTC", amount: "1" },
        ts,
      ),
    );
    await backend.transfer(
      transferCommand(
        spec,
        CommandKind.Deposit,
        { request_id: "t2", user_id: 2, asset: "USDT", amount: "100000" },
        ts,
      ),
    );
    await backend.place(
      placeCommand(
        spec,
        {
          user_id: 1,
          symbol: "BTC_USDT",
          side: "Sell",
          order_type: "Limit",
          price: "50000",
          quantity: "0.1",
        },
        ts,
      ),
    );
    const buy = await backend.place(
      placeCommand(
        spec,
        {
          user_id: 2,
          symbol: "BTC_USDT",
          side: "Buy",
          order_type: "Limit",
          price: "50000",
          quantity: "0.1",
        },
        ts,
      ),
    );
    assert.equal(buy.status, "Filled");
    assert.ok(await ex.settlement.waitFor(ex.sequencer.appliedSeq(), 10_000));

    const gatewaySpans = obs.gateway.tracing
      .finishedSpans()
      .filter((s) => s.name === "gateway.order");
    assert.equal(gatewaySpans.length, 2);
    const root = gatewaySpans[1];
    assert.ok(root !== undefined);
    const traceId = root.spanContext().traceId;
    const inTrace = (service: keyof typeof obs) =>
      obs[service].tracing.finishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const ubs = inTrace("ubscore")
      .map((s) => s.name)
      .sort();
    assert.deepEqual(ubs, ["ubscore.command", "ubscore.settle"]);
    const me = inTrace("matching_engine");
    assert.deepEqual(
      me.map((s) => s.name),
      ["matching.BTC_USDT"],
    );
    // One output per command: settlement's one span for the traded order.
    const settlement = inTrace("settlement").map((s) => s.name);
    assert.deepEqual(settlement, ["settlement.persist"]);
    // Parent links: gateway -> UBSCore's hold -> matching -> UBSCore's settle -> settlement.
    const command = inTrace("ubscore").find((s) => s.name === "ubscore.command");
    const settle = inTrace("ubscore").find((s) => s.name === "ubscore.settle");
    assert.equal(command?.parentSpanContext?.spanId, root.spanContext().spanId);
    assert.equal(me[0]?.parentSpanContext?.spanId, command?.spanContext().spanId);
    assert.equal(settle?.parentSpanContext?.spanId, me[0]?.spanContext().spanId);
    assert.equal(inTrace("settlement")[0]?.parentSpanContext?.spanId, settle?.spanContext().spanId);
  } finally {
    await ex.stop();
    for (const o of Object.values(obs)) await o.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
