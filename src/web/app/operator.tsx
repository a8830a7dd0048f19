// The operator console (operator keys): deposits and withdrawals for a user,
// the timeline of an event, order, trade or request id (what `bourse trace`
// prints, from GET /api/v1/admin/trace), and the gateway's health, lag and
// main counters from /livez, /readyz and /metrics.

import { signal } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import type { BourseClient, TransferResult } from "../../client/mod.ts";
import { unitsOf } from "./decimal.ts";
import { plainError } from "./errors.ts";
import { info } from "./market.tsx";
import { BASE_URL, publicClient } from "./session.ts";
import { Head } from "./table.tsx";

function newRequestId(): string {
  const rnd = crypto.getRandomValues(new Uint32Array(2));
  return `console-${Date.now().toString(36)}-${rnd[0]!.toString(36)}${rnd[1]!.toString(36)}`;
}

function amountProblem(asset: string, amount: string): string | null {
  const a = info.value?.assets.find((x) => x.asset === asset);
  if (a === undefined) return `Choose an asset.`;
  if (amount === "") return "Enter an amount.";
  const units = unitsOf(amount, a.decimals);
  if (units === null) {
    return `The amount must be a plain decimal with at most ${a.decimals} places for ${asset}.`;
  }
  if (units === 0n) return "The amount must be more than zero.";
  return null;
}

function Transfer({ client }: { client: BourseClient }) {
  const [direction, setDirection] = useState<"deposit" | "withdraw">("deposit");
  const [userId, setUserId] = useState("");
  const [asset, setAsset] = useState(info.value?.assets[0]?.asset ?? "");
  const [amount, setAmount] = useState("");
  const [requestId, setRequestId] = useState(newRequestId);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const uid = Number(userId);
    if (!/^[1-9][0-9]*$/.test(userId) || !Number.isSafeInteger(uid)) {
      setResult({ ok: false, text: "The user id is a positive whole number." });
      return;
    }
    const a = amount.trim();
    const problem = amountProblem(asset, a);
    if (problem !== null) {
      setResult({ ok: false, text: problem });
      return;
    }
    const t = { request_id: requestId, user_id: uid, asset, amount: a };
    try {
      const r: TransferResult =
        direction === "deposit" ? await client.transferIn(t) : await client.transferOut(t);
      setResult({
        ok: true,
        text: `${direction === "deposit" ? "Deposited" : "Withdrew"} ${r.amount} ${r.asset} for user ${r.user_id} (${r.status}); available now ${r.avail}, in orders ${r.frozen}. Event id ${r.event_id}.`,
      });
      setRequestId(newRequestId());
    } catch (err) {
      setResult({ ok: false, text: plainError(err) });
    }
  };
  return (
    <form class="transfer" aria-label="Deposit or withdraw" onSubmit={submit}>
      <h2>Deposit or withdraw</h2>
      <label>
        Direction
        <select
          name="direction"
          value={direction}
          onChange={(e) => setDirection(e.currentTarget.value as "deposit" | "withdraw")}
        >
          <option value="deposit">Deposit</option>
          <option value="withdraw">Withdraw</option>
        </select>
      </label>
      <label>
        User id
        <input
          name="user_id"
          inputMode="numeric"
          value={userId}
          onInput={(e) => setUserId(e.currentTarget.value.trim())}
        />
      </label>
      <label>
        Asset
        <select name="asset" value={asset} onChange={(e) => setAsset(e.currentTarget.value)}>
          {(info.value?.assets ?? []).map((a) => (
            <option key={a.asset} value={a.asset}>
              {a.asset}
            </option>
          ))}
        </select>
      </label>
      <label>
        Amount
        <input
          name="amount"
          inputMode="decimal"
          autoComplete="off"
          value={amount}
          onInput={(e) => setAmount(e.currentTarget.value)}
        />
      </label>
      <label>
        Request id (a retry with the same id applies once)
        <input
          name="request_id"
          value={requestId}
          onInput={(e) => setRequestId(e.currentTarget.value)}
        />
      </label>
      <button type="submit">{direction === "deposit" ? "Deposit" : "Withdraw"}</button>
      {result !== null && (
        <p role={result.ok ? "status" : "alert"} class={result.ok ? "ok" : "problem"}>
          {result.text}
        </p>
      )}
    </form>
  );
}

interface TimelineRow {
  service: string;
  event: string;
  time: number | null;
  gap_ms: number | null;
  flow: string | null;
  fields: Record<string, unknown>;
}
interface FlowRow {
  key: string;
  kind: string;
  outcome: string;
  complete: boolean;
  missing: { service: string; event: string }[];
}
interface TraceView {
  query: string;
  status: string;
  timeline: TimelineRow[];
  flows: FlowRow[];
  notes: string[];
}

const ID_FIELDS = ["order_id", "trade_id", "event_id", "req_id", "user_id", "code", "status"];

function fieldsText(f: Record<string, unknown>): string {
  return ID_FIELDS.filter((k) => f[k] !== undefined && f[k] !== null)
    .map((k) => `${k}=${String(f[k])}`)
    .join(" ");
}

function Trace({ client }: { client: BourseClient }) {
  const [id, setId] = useState("");
  const [view, setView] = useState<TraceView | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (id.trim() === "") {
      setProblem("Enter an event, order, trade or request id.");
      return;
    }
    setBusy(true);
    try {
      setView((await client.trace(id.trim())) as unknown as TraceView);
      setProblem(null);
    } catch (err) {
      setView(null);
      setProblem(plainError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="trace-h" class="trace">
      <h2 id="trace-h">Trace an id</h2>
      <form aria-label="Trace an id" onSubmit={submit}>
        <label>
          Event, order, trade or request id
          <input name="trace_id" value={id} onInput={(e) => setId(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Look up
        </button>
      </form>
      {problem !== null && <p role="alert">{problem}</p>}
      {view !== null && (
        <div data-testid="trace-result">
          <p>
            <strong>{view.query}</strong>: <span data-testid="trace-status">{view.status}</span>
          </p>
          <ul class="flows">
            {view.flows.map((f) => (
              <li key={f.key}>
                {f.kind} <code>{f.key}</code>: {f.outcome},{" "}
                {f.complete
                  ? "every marker seen"
                  : `missing ${f.missing.map((m) => `${m.service} ${m.event}`).join(", ")}`}
              </li>
            ))}
          </ul>
          <table data-testid="trace-timeline">
            <Head cols={["Time", "+ms", "Service", "Event", "Ids"]} />
            <tbody>
              {view.timeline.map((t, i) => (
                <tr key={`${i}-${t.event}`}>
                  <td>{t.time === null ? "" : new Date(t.time).toISOString().slice(11, 23)}</td>
                  <td class="num">{t.gap_ms ?? ""}</td>
                  <td>{t.service}</td>
                  <td>{t.event}</td>
                  <td>{fieldsText(t.fields)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {view.notes.map((n) => (
            <p key={n} class="note">
              {n}
            </p>
          ))}
        </div>
      )}
    </section>
  );
}

interface HealthView {
  live: string;
  ready: string;
  metrics: [string, string][] | null;
  checked: string;
}
const health = signal<HealthView | null>(null);
const HEALTH_EVERY_MS = 5000;

/** The exchange's own counters and gauges (bourse_*) and the event loop's p99 lag, summed by name. */
function mainFigures(text: string): [string, string][] {
  const sums = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)/.exec(line);
    if (m === null) continue;
    const name = m[1]!;
    if (!/^bourse_|^nodejs_eventloop_lag_p99_seconds$/.test(name)) continue;
    if (/_bucket$|_sum$|_count$/.test(name)) continue;
    sums.set(name, (sums.get(name) ?? 0) + Number(m[3]));
  }
  return [...sums.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, String(v)]);
}

async function checkHealth(): Promise<void> {
  const state = async (f: () => Promise<unknown>, good: string) => {
    try {
      await f();
      return good;
    } catch (err) {
      return plainError(err);
    }
  };
  const [live, ready] = await Promise.all([
    state(() => publicClient.livez(), "live"),
    state(() => publicClient.readyz(), "ready"),
  ]);
  let metrics: [string, string][] | null = null;
  try {
    const r = await fetch(`${BASE_URL}/metrics`);
    if (r.ok) metrics = mainFigures(await r.text());
  } catch {
    metrics = null;
  }
  health.value = { live, ready, metrics, checked: new Date().toLocaleTimeString() };
}

function Health() {
  useEffect(() => {
    void checkHealth();
    const t = setInterval(() => void checkHealth(), HEALTH_EVERY_MS);
    return () => clearInterval(t);
  }, []);
  const h = health.value;
  return (
    <section aria-labelledby="health-h" class="health">
      <h2 id="health-h">Health</h2>
      {h === null ? (
        <p>Checking…</p>
      ) : (
        <>
          <dl>
            <dt>Process</dt>
            <dd data-testid="livez">{h.live}</dd>
            <dt>Exchange</dt>
            <dd data-testid="readyz">{h.ready}</dd>
            <dt>Checked</dt>
            <dd>
              {h.checked}{" "}
              <button type="button" onClick={() => void checkHealth()}>
                Refresh
              </button>
            </dd>
          </dl>
          {h.metrics === null ? (
            <p class="note">
              This gateway does not serve /metrics (start it with --api-metrics on, or read the
              admin port).
            </p>
          ) : (
            <table data-testid="metrics">
              <Head cols={["Metric", "Value"]} />
              <tbody>
                {h.metrics.map(([k, v]) => (
                  <tr key={k} data-metric={k}>
                    <td>{k}</td>
                    <td class="num">{v}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}

export function Operator({ client, onSignOut }: { client: BourseClient; onSignOut: () => void }) {
  return (
    <div class="operator">
      <p class="who">
        Operator console{" "}
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </p>
      <div class="columns">
        <Transfer client={client} />
        <Health />
      </div>
      <Trace client={client} />
    </div>
  );
}
