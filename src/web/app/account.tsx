// The signed-in user's side of the trading page: order entry (checked
// against the symbol's tick, lot and minimum notional before it is sent),
// open orders with cancel, order history, trades and balances, refreshed
// when the user data stream reports a change.

import { signal } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import {
  type Balance,
  type BourseClient,
  type Order,
  UserStream,
  type UserTrade,
} from "../../client/mod.ts";
import { plainDecimal } from "./decimal.ts";
import { plainError } from "./errors.ts";
import { info, type SymbolInfo } from "./market.tsx";
import {
  amendProblem,
  amendRequest,
  hasPrice,
  hasStop,
  type Kind,
  orderProblem,
  orderRequest,
  type Tif,
} from "./order-form.ts";
import { BASE_URL } from "./session.ts";
import { Head } from "./table.tsx";

const balances = signal<Balance[]>([]);
const openOrders = signal<Order[]>([]);
const history = signal<Order[]>([]);
const myTrades = signal<UserTrade[]>([]);
const streamState = signal("offline");
const accountError = signal<string | null>(null);

const KEEP_ALIVE_MS = 30 * 60_000;
const RECONNECT_MS = 1000;
/** A read behind an event's output is read again this much later, a few times at most. */
const CATCH_UP_MS = 100;
const CATCH_UP_TRIES = 20;

async function refresh(client: BourseClient): Promise<void> {
  try {
    const [b, o, h, t] = await Promise.all([
      client.balance(),
      client.activeOrders({ limit: 100 }),
      client.orderHistory({ limit: 50 }),
      client.trades({ limit: 50 }),
    ]);
    balances.value = b;
    openOrders.value = o;
    history.value = h;
    myTrades.value = t;
    accountError.value = null;
  } catch (err) {
    accountError.value = plainError(err);
  }
}

/**
 * Reads again until they reflect the newest event's output (history comes
 * from the settlement database, which may be a moment behind the stream).
 * One catch-up runs at a time; events during it raise its target. Each read
 * states a lower bound of the output it reflects (X-Bourse-Output-Seq), and
 * the client keeps the highest: once that reaches the target, settlement had
 * passed it, so a read started after that moment shows it, whichever of the
 * four answers carried the header.
 */
class CatchUp {
  private target = 0;
  private running = false;

  constructor(private readonly client: BourseClient) {}

  reach(output_seq: number): void {
    this.target = Math.max(this.target, output_seq);
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (let i = 0; i < CATCH_UP_TRIES; i++) {
        const goal = this.target;
        const passed = this.client.last_output_seq >= goal;
        await refresh(this.client);
        // Done when settlement had passed the goal before this read began, and no event came since.
        if (passed && goal === this.target) return;
        if (this.client.last_output_seq < this.target) {
          await new Promise((r) => setTimeout(r, CATCH_UP_MS));
        }
      }
    } finally {
      this.running = false;
    }
  }
}

/** Follows the user data stream while signed in; each event refreshes the reads. */
function useUserStream(client: BourseClient): void {
  useEffect(() => {
    let stopped = false;
    let stream: UserStream | null = null;
    let keepAlive: ReturnType<typeof setInterval> | null = null;
    let current_key: string | null = null;
    const catchUp = new CatchUp(client);
    const connect = async () => {
      if (stopped) return;
      streamState.value = "connecting";
      try {
        const { listen_key } = await client.createListenKey();
        current_key = listen_key;
        const s = await UserStream.open({ baseUrl: BASE_URL, listenKey: listen_key });
        if (stopped) {
          s.close();
          return;
        }
        stream = s;
        streamState.value = "live";
        s.onevent = (e) => {
          catchUp.reach(e.output_seq);
        };
        s.ongap = () => void refresh(client);
        s.onclose = () => {
          stream = null;
          streamState.value = "reconnecting";
          setTimeout(() => void connect(), RECONNECT_MS);
        };
        // One timer for the tab, on whichever key the latest connection uses.
        keepAlive ??= setInterval(() => {
          if (current_key !== null) client.keepAliveListenKey(current_key).catch(() => undefined);
        }, KEEP_ALIVE_MS);
        // Whatever happened before the stream was open is in the reads.
        await refresh(client);
      } catch (err) {
        accountError.value = plainError(err);
        streamState.value = "reconnecting";
        setTimeout(() => void connect(), RECONNECT_MS * 5);
      }
    };
    void connect();
    return () => {
      stopped = true;
      if (keepAlive !== null) clearInterval(keepAlive);
      if (stream !== null) {
        stream.onclose = null;
        stream.close();
      }
    };
  }, [client]);
}

function OrderEntry({ client, s }: { client: BourseClient; s: SymbolInfo }) {
  const [side, setSide] = useState<"Buy" | "Sell">("Buy");
  const [kind, setKind] = useState<Kind>("Limit");
  const [price, setPrice] = useState("");
  const [stopPrice, setStopPrice] = useState("");
  const [quantity, setQuantity] = useState("");
  const [tif, setTif] = useState<Tif>("GTC");
  const [postOnly, setPostOnly] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const fields = {
      side,
      kind,
      price: price.trim(),
      stop_price: stopPrice.trim(),
      quantity: quantity.trim(),
      tif,
      post_only: postOnly,
    };
    const problem = orderProblem(s, fields);
    if (problem !== null) {
      setMessage({ ok: false, text: problem });
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      const r = await client.createOrder(orderRequest(s, fields));
      setMessage({
        ok: true,
        text: `Order ${r.order_id}: ${r.status}, filled ${r.filled_quantity} of ${r.quantity ?? fields.quantity}.`,
      });
      await refresh(client);
    } catch (err) {
      setMessage({ ok: false, text: plainError(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="order-entry" aria-label="Place an order" onSubmit={submit}>
      <h2>Place an order</h2>
      <label>
        Side
        <select
          name="side"
          value={side}
          onChange={(e) => setSide(e.currentTarget.value as "Buy" | "Sell")}
        >
          <option value="Buy">Buy</option>
          <option value="Sell">Sell</option>
        </select>
      </label>
      <label>
        Type
        <select name="type" value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)}>
          <option value="Limit">Limit</option>
          <option value="Market">Market</option>
          <option value="StopLoss">Stop loss (market)</option>
          <option value="StopLossLimit">Stop loss limit</option>
          <option value="TakeProfit">Take profit (market)</option>
          <option value="TakeProfitLimit">Take profit limit</option>
        </select>
      </label>
      <label>
        Stop price ({s.quote_asset}): triggers on the last trade price
        <input
          name="stop_price"
          inputMode="decimal"
          autoComplete="off"
          disabled={!hasStop(kind)}
          value={hasStop(kind) ? stopPrice : ""}
          onInput={(e) => setStopPrice(e.currentTarget.value)}
        />
      </label>
      <label>
        Price ({s.quote_asset}, step {plainDecimal(s.tick_size)})
        <input
          name="price"
          inputMode="decimal"
          autoComplete="off"
          disabled={!hasPrice(kind)}
          value={hasPrice(kind) ? price : ""}
          onInput={(e) => setPrice(e.currentTarget.value)}
        />
      </label>
      <label>
        Quantity ({s.base_asset}, step {plainDecimal(s.lot_size)})
        <input
          name="quantity"
          inputMode="decimal"
          autoComplete="off"
          value={quantity}
          onInput={(e) => setQuantity(e.currentTarget.value)}
        />
      </label>
      <label>
        Time in force
        <select
          name="time_in_force"
          value={tif}
          disabled={!hasPrice(kind)}
          onChange={(e) => setTif(e.currentTarget.value as Tif)}
        >
          <option value="GTC">GTC: rest on the book</option>
          <option value="IOC">IOC: fill what can be, cancel the rest</option>
          <option value="FOK">FOK: fill all at once or nothing</option>
        </select>
      </label>
      <label class="check">
        <input
          type="checkbox"
          name="post_only"
          checked={postOnly}
          disabled={kind !== "Limit"}
          onChange={(e) => setPostOnly(e.currentTarget.checked)}
        />
        Post-only (refused if it would trade at once)
      </label>
      <button type="submit" class={side === "Buy" ? "buy" : "sell"} disabled={busy}>
        {side} {s.base_asset}
      </button>
      {message !== null && (
        <p role={message.ok ? "status" : "alert"} class={message.ok ? "ok" : "problem"}>
          {message.text}
        </p>
      )}
    </form>
  );
}

function OpenOrders({ client }: { client: BourseClient }) {
  const [problem, setProblem] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const cancel = async (o: Order) => {
    try {
      await client.cancelOrder({ order_id: o.order_id });
      setProblem(null);
      await refresh(client);
    } catch (err) {
      setProblem(plainError(err));
    }
  };
  return (
    <section aria-labelledby="open-h">
      <h2 id="open-h">Open orders</h2>
      {problem !== null && <p role="alert">{problem}</p>}
      <table data-testid="open-orders">
        <Head
          cols={[
            "Order",
            "Market",
            "Side",
            "Type",
            "Price",
            "Stop",
            "Quantity",
            "Filled",
            "Status",
            { sr: "Cancel" },
          ]}
        />
        <tbody>
          {openOrders.value.map((o) => (
            <tr key={o.order_id} data-order-id={o.order_id}>
              <td>{o.order_id}</td>
              <td>{o.symbol}</td>
              <td class={o.side === "Buy" ? "up" : "down"}>{o.side}</td>
              <td>{o.order_type}</td>
              <td class="num">{o.price ?? "market"}</td>
              <td class="num">{o.stop_price ?? ""}</td>
              <td class="num">{o.quantity ?? o.quote_quantity}</td>
              <td class="num">{o.filled_quantity}</td>
              <td>{o.status}</td>
              <td>
                <button
                  type="button"
                  aria-label={`Amend order ${o.order_id}`}
                  aria-expanded={editing === o.order_id}
                  onClick={() => setEditing(editing === o.order_id ? null : o.order_id)}
                >
                  Amend
                </button>
                <button
                  type="button"
                  aria-label={`Cancel order ${o.order_id}`}
                  onClick={() => void cancel(o)}
                >
                  Cancel
                </button>
                {editing === o.order_id && (
                  <AmendForm client={client} o={o} done={() => setEditing(null)} />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/**
 * A new price, a new total quantity or both for one open order. Lowering the
 * quantity keeps its place in the queue; a new price or more quantity sends
 * it to the back.
 */
function AmendForm({ client, o, done }: { client: BourseClient; o: Order; done: () => void }) {
  const [price, setPrice] = useState("");
  const [quantity, setQuantity] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const rules = info.value?.symbols.find((x) => x.symbol === o.symbol);
    const p = price.trim();
    const q = quantity.trim();
    const refused = rules === undefined ? null : amendProblem(rules, p, q);
    if (refused !== null) {
      setProblem(refused);
      return;
    }
    try {
      await client.amendOrder(amendRequest(o.symbol, o.order_id, p, q));
      done();
      await refresh(client);
    } catch (err) {
      setProblem(plainError(err));
    }
  };
  return (
    <form class="amend" aria-label={`Amend order ${o.order_id}`} onSubmit={submit}>
      <label>
        New price
        <input
          inputMode="decimal"
          autoComplete="off"
          value={price}
          onInput={(e) => setPrice(e.currentTarget.value)}
        />
      </label>
      <label>
        New quantity
        <input
          inputMode="decimal"
          autoComplete="off"
          value={quantity}
          onInput={(e) => setQuantity(e.currentTarget.value)}
        />
      </label>
      <button type="submit">Save</button>
      {problem !== null && <p role="alert">{problem}</p>}
    </form>
  );
}

function OrderHistory() {
  return (
    <section aria-labelledby="history-h">
      <h2 id="history-h">Order history</h2>
      <table data-testid="order-history">
        <Head cols={["Order", "Market", "Side", "Type", "Price", "Filled", "Status"]} />
        <tbody>
          {history.value.map((o) => (
            <tr key={o.order_id} data-order-id={o.order_id}>
              <td>{o.order_id}</td>
              <td>{o.symbol}</td>
              <td>{o.side}</td>
              <td>{o.order_type}</td>
              <td class="num">{o.price ?? "market"}</td>
              <td class="num">
                {o.filled_quantity} / {o.quantity ?? o.quote_quantity}
              </td>
              <td>
                {o.status}
                {o.reason === null ? "" : ` (${o.reason})`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function MyTrades() {
  return (
    <section aria-labelledby="mytrades-h">
      <h2 id="mytrades-h">My trades</h2>
      <table data-testid="my-trades">
        <Head cols={["Trade", "Market", "Side", "Role", "Price", "Quantity", "Fee"]} />
        <tbody>
          {myTrades.value.map((t) => (
            <tr key={`${t.trade_id}-${t.order_id}`} data-trade-id={t.trade_id}>
              <td>{t.trade_id}</td>
              <td>{t.symbol}</td>
              <td class={t.side === "Buy" ? "up" : "down"}>{t.side}</td>
              <td>{t.role}</td>
              <td class="num">{t.price}</td>
              <td class="num">{t.quantity}</td>
              <td class="num">
                {t.fee} {t.fee_asset}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Balances() {
  return (
    <section aria-labelledby="balances-h">
      <h2 id="balances-h">Balances</h2>
      <table data-testid="balances">
        <Head cols={["Asset", "Available", "In orders"]} />
        <tbody>
          {balances.value.map((b) => (
            <tr key={b.asset} data-asset={b.asset}>
              <td>{b.asset}</td>
              <td class="num avail">{b.avail}</td>
              <td class="num frozen">{b.frozen}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function Account({
  client,
  s,
  onSignOut,
}: {
  client: BourseClient;
  s: SymbolInfo;
  onSignOut: () => void;
}) {
  useUserStream(client);
  return (
    <div class="account">
      <p class="who wide">
        Updates: <span data-testid="user-stream">{streamState.value}</span>{" "}
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </p>
      {accountError.value !== null && (
        <p role="alert" class="wide">
          {accountError.value}
        </p>
      )}
      <div class="column">
        <OrderEntry client={client} s={s} />
        <Balances />
      </div>
      <div class="column">
        <OpenOrders client={client} />
        <MyTrades />
        <OrderHistory />
      </div>
    </div>
  );
}
