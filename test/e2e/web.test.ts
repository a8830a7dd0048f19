// The trading page and operator console in a real browser (Debian's
// chromium, driven by playwright-core; nothing downloaded): against an
// embedded exchange, the operator funds two users from the desk, one user
// rests a bid and sees it in the book and in open orders, the other crosses
// it from a second browser context, both see the trade and their balances
// change by exactly the trade's amounts, the first cancels a resting order,
// the console finds the trade by id with its timeline and withdraws from the
// first user, who sees it live. The browser's console must stay free of
// errors but the two refusals provoked on purpose. Screenshots go to
// docs/screenshots/. With PostgreSQL and NATS the page also runs on a
// distributed gateway.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
} from "playwright-core";
import { formatUnits } from "../../src/core/mod.ts";
import { Distributed } from "../support/distributed.ts";
import {
  clientFor,
  createKey,
  eventually,
  type Key,
  type Running,
  startExchange,
} from "../support/exchange-process.ts";
import { gateOptions, servicesGate } from "../support/gates.ts";

const CHROMIUM = "/usr/bin/chromium";
const SHOTS = new URL("../../docs/screenshots/", import.meta.url).pathname;
const DECIMALS: Record<string, number> = { BTC: 8, USDT: 6 };
const TIMEOUT_MS = 10_000;

/** Waits (Playwright's locator wait, bounded by the page's timeout) until `loc` shows `want`. */
async function shows(loc: Locator, want: string | RegExp): Promise<void> {
  await loc.filter({ hasText: want }).first().waitFor();
}

/** Exactly `want` as the element's whole text. */
function exactly(want: string): RegExp {
  return new RegExp(`^\\s*${want.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*$`);
}

async function gone(loc: Locator): Promise<void> {
  await loc.first().waitFor({ state: "detached" });
}

function gate(): { skip?: string } {
  if (existsSync(CHROMIUM)) return {};
  const why = `${CHROMIUM} is missing (apt-get install -y chromium)`;
  if (process.env.CI === "true") return {};
  return { skip: why };
}

/** Exact decimal arithmetic on an asset's strings, in its smallest units. */
function units(text: string, asset: string): bigint {
  const d = DECIMALS[asset]!;
  const [int = "0", frac = ""] = text.split(".");
  return BigInt(int + frac.padEnd(d, "0"));
}
function text(u: bigint, asset: string): string {
  return formatUnits(Number(u), DECIMALS[asset]!);
}

describe("web pages", gate(), () => {
  const dir = mkdtempSync(join(tmpdir(), "bourse-web-"));
  let ex: Running;
  let browser: Browser;
  let operator: Key;
  let alice: Key;
  let bob: Key;
  const errors: { text: string; url: string }[] = [];
  const contexts: BrowserContext[] = [];

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `CI=true needs ${CHROMIUM} (apt-get install -y chromium)`);
    operator = createKey(dir, "operator");
    alice = createKey(dir, { user: 1001 });
    bob = createKey(dir, { user: 1002 });
    [ex, browser] = await Promise.all([
      startExchange(dir, ["--api-metrics", "on"]),
      chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] }),
    ]);
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await ex?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(hash: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT_MS);
    page.on("console", (m) => {
      if (m.type() === "error") errors.push({ text: m.text(), url: m.location().url });
    });
    page.on("pageerror", (e) => errors.push({ text: e.message, url: page.url() }));
    await page.goto(`${ex.url}/${hash}`);
    return page;
  }

  async function signIn(page: Page, key: Key): Promise<void> {
    // By keyboard: Tab leads from the key to the secret, Enter submits.
    await page.getByLabel("API key").fill(key.api_key);
    await page.getByLabel("API key").press("Tab");
    await page.keyboard.press("Control+A");
    await page.keyboard.type(key.secret);
    await page.keyboard.press("Enter");
  }

  async function deposit(page: Page, user: number, asset: string, amount: string) {
    await page.getByLabel("User id").fill(String(user));
    await page.getByLabel("Asset").selectOption(asset);
    await page.getByLabel("Amount").fill(amount);
    await page.getByRole("button", { name: "Deposit", exact: true }).click();
    await shows(
      page.getByRole("status"),
      `Deposited ${text(units(amount, asset), asset)} ${asset} for user ${user}`,
    );
  }

  async function order(
    page: Page,
    side: string,
    price: string,
    qty: string,
    stop?: { type: string; stop_price: string },
  ): Promise<string> {
    const form = page.getByRole("form", { name: "Place an order" });
    await form.getByLabel("Side").selectOption(side);
    await form.getByLabel("Type").selectOption(stop?.type ?? "Limit");
    if (stop !== undefined) await form.getByLabel(/^Stop price/).fill(stop.stop_price);
    await form.getByLabel(/^Price/).fill(price);
    await form.getByLabel(/^Quantity/).fill(qty);
    const status = form.getByRole("status");
    // The answer to this order, not the one before it still on show.
    const before = (await status.count()) === 0 ? "" : await status.textContent();
    const prev = /^Order (\d+):/.exec(before ?? "")?.[1] ?? "0";
    await form.getByRole("button", { name: `${side} BTC` }).click();
    await shows(status, new RegExp(`^Order (?!${prev}:)\\d+: `));
    return /^Order (\d+):/.exec((await status.textContent()) ?? "")![1]!;
  }

  async function balance(page: Page, asset: string): Promise<void> {
    // Waits for the row to be there; the caller asserts its exact text.
    await page.getByTestId("balances").locator(`tr[data-asset="${asset}"]`).waitFor();
  }

  const availOf = (page: Page, asset: string) =>
    page.getByTestId("balances").locator(`tr[data-asset="${asset}"] .avail`);

  test("fund, trade, cancel and trace through the pages", { timeout: 60_000 }, async () => {
    const desk = await open("#/operator");
    await signIn(desk, operator);
    await shows(desk.getByTestId("readyz"), exactly("ready"));
    await deposit(desk, 1001, "USDT", "10000");
    await deposit(desk, 1002, "BTC", "1");

    // A bid rests: the book (from the depth stream) and open orders show it.
    const a = await open("#/");
    // A wrong secret is refused at sign-in, in plain words, and nothing is kept.
    await signIn(a, { api_key: alice.api_key, secret: "not-the-secret" });
    await shows(
      a.getByRole("form", { name: "Sign in to trade" }).getByRole("alert"),
      /^Signature does not match .*\[AUTH_BAD_SIGNATURE\]$/,
    );
    await signIn(a, alice);
    await shows(a.getByTestId("user-stream"), exactly("live"));
    await balance(a, "USDT");
    await shows(availOf(a, "USDT"), exactly("10000.000000"));
    const bid = await order(a, "Buy", "50000.00", "0.0100");
    await shows(a.getByTestId("book-bids").getByRole("row").first(), "50000.00");
    await shows(a.getByTestId("book-bids").getByRole("row").first(), "0.0100");
    await shows(a.getByTestId("open-orders").locator(`tr[data-order-id="${bid}"]`), "New");

    // Another user, in another browser context, crosses it.
    const b = await open("#/");
    await signIn(b, bob);
    await shows(b.getByTestId("user-stream"), exactly("live"));
    await shows(availOf(b, "BTC"), exactly("1.00000000"));
    await order(b, "Sell", "50000.00", "0.0100");

    // Both see the trade (live, from their user streams) and exact balances.
    const tradesOf = (k: Key) =>
      eventually(
        () => clientFor(ex.url, k).trades(),
        (t) => t.length === 1,
        "the trade",
      );
    const [ta] = await tradesOf(alice);
    const [tb] = await tradesOf(bob);
    assert.ok(ta !== undefined && tb !== undefined && ta.trade_id === tb.trade_id);
    for (const [page, t] of [
      [a, ta],
      [b, tb],
    ] as const) {
      const row = page.getByTestId("my-trades").locator(`tr[data-trade-id="${t.trade_id}"]`);
      await shows(row, "50000.00");
      await shows(row, "0.0100");
      await shows(page.getByTestId("recent-trades"), "50000.00");
    }
    const after = (start: string, asset: string, plus: string[], minus: string[]) => {
      let u = units(start, asset);
      for (const p of plus) u += units(p, asset);
      for (const m of minus) u -= units(m, asset);
      return text(u, asset);
    };
    const fee = (t: typeof ta, asset: string) => (t.fee_asset === asset ? [t.fee] : []);
    // The buyer pays the quote and receives the base; each pays its fee in what it receives.
    await shows(
      availOf(a, "USDT"),
      exactly(after("10000", "USDT", [], [ta.quote_quantity, ...fee(ta, "USDT")])),
    );
    await shows(availOf(a, "BTC"), exactly(after("0", "BTC", [ta.quantity], fee(ta, "BTC"))));
    await shows(
      availOf(b, "BTC"),
      exactly(after("1", "BTC", [], [tb.quantity, ...fee(tb, "BTC")])),
    );
    await shows(
      availOf(b, "USDT"),
      exactly(after("0", "USDT", [tb.quote_quantity], fee(tb, "USDT"))),
    );
    await gone(a.getByTestId("open-orders").locator(`tr[data-order-id="${bid}"]`));

    // Refusals in plain words: the form's own check (nothing sent), then the exchange's code.
    const form = b.getByRole("form", { name: "Place an order" });
    await form.getByLabel("Side").selectOption("Buy");
    await form.getByLabel(/^Price/).fill("50000.001");
    await form.getByLabel(/^Quantity/).press("Enter");
    await shows(
      form.getByRole("alert"),
      exactly("The price has more decimal places than its step 0.01 allows."),
    );
    await form.getByLabel(/^Price/).fill("60000.00");
    await form.getByLabel(/^Quantity/).press("Enter");
    await shows(
      form.getByRole("alert"),
      /^Insufficient available balance .*\[INSUFFICIENT_BALANCE\]$/,
    );

    // A resting order cancelled from its row: gone from the book and open orders, Cancelled in history.
    const rest = await order(a, "Buy", "49000.00", "0.0100");
    await shows(a.getByTestId("book-bids"), "49000.00");
    await shows(a.getByTestId("open-orders").locator(`tr[data-order-id="${rest}"]`), "New");
    // Amended down in place from its row: the order and the book show the new quantity.
    await a.getByRole("button", { name: `Amend order ${rest}` }).click();
    const amend = a.getByRole("form", { name: `Amend order ${rest}` });
    await amend.getByLabel("New quantity").fill("0.0050");
    await amend.getByLabel("New quantity").press("Enter");
    await gone(amend);
    await shows(a.getByTestId("open-orders").locator(`tr[data-order-id="${rest}"]`), "0.0050");
    await shows(
      a.getByTestId("book-bids").getByRole("row").filter({ hasText: "49000.00" }),
      "0.0050",
    );
    // A stop-loss limit sell waits off the book for its trigger, then is cancelled.
    const stop = await order(b, "Sell", "44900.00", "0.0100", {
      type: "StopLossLimit",
      stop_price: "45000.00",
    });
    const stopRow = b.getByTestId("open-orders").locator(`tr[data-order-id="${stop}"]`);
    await shows(stopRow, "StopLossLimit");
    await shows(stopRow, "45000.00");
    await shows(stopRow, "Untriggered");
    await b.getByRole("button", { name: `Cancel order ${stop}` }).click();
    await gone(stopRow);
    mkdirSync(SHOTS, { recursive: true });
    await a.screenshot({ path: join(SHOTS, "trading.png"), fullPage: true });
    await a.getByRole("button", { name: `Cancel order ${rest}` }).click();
    await gone(a.getByTestId("open-orders").locator(`tr[data-order-id="${rest}"]`));
    await shows(a.getByTestId("order-history").locator(`tr[data-order-id="${rest}"]`), "Cancelled");
    await gone(a.getByTestId("book-bids").getByRole("row").filter({ hasText: "49000.00" }));

    // The console traces the trade: its timeline names the trade and both orders.
    await desk.getByLabel("Event, order, trade or request id").fill(ta.trade_id);
    await desk.getByLabel("Event, order, trade or request id").press("Enter");
    const timeline = desk.getByTestId("trace-timeline");
    await shows(desk.getByTestId("trace-status"), /complete|incomplete/);
    await shows(timeline, `trade_id=${ta.trade_id}`);
    await shows(timeline, "TRADE");
    // Health and counters, read again on demand: one trade; five orders (one refused for its
    // balance, one stop).
    await desk.getByRole("button", { name: "Refresh" }).click();
    const metric = (name: string) => desk.locator(`tr[data-metric="${name}"] td.num`);
    await shows(metric("bourse_trades_total"), exactly("1"));
    await shows(metric("bourse_orders_total"), exactly("5"));
    await desk.screenshot({ path: join(SHOTS, "operator.png"), fullPage: true });

    // A withdrawal from the console reaches the user's page live, to the unit.
    const usdt = after("10000", "USDT", [], [ta.quote_quantity, ...fee(ta, "USDT")]);
    const left = after(usdt, "USDT", [], ["100.5"]);
    await desk.getByLabel("Direction").selectOption("withdraw");
    await desk.getByLabel("User id").fill("1001");
    await desk.getByLabel("Asset").selectOption("USDT");
    await desk.getByLabel("Amount").fill("100.5");
    await desk.getByRole("button", { name: "Withdraw", exact: true }).click();
    await shows(
      desk.getByRole("status"),
      `Withdrew 100.500000 USDT for user 1001 (applied); available now ${left}`,
    );
    await shows(availOf(a, "USDT"), exactly(left));

    // The failed requests the browser reports are the two refusals provoked above.
    const provoked = (e: { text: string; url: string }) =>
      (/status of 401/.test(e.text) && e.url.endsWith("/api/v1/user/balance")) ||
      (/status of 422/.test(e.text) && e.url.endsWith("/api/v1/order/create"));
    assert.equal(errors.filter(provoked).length, 2);
    assert.deepEqual(
      errors.filter((e) => !provoked(e)),
      [],
    );
  });
});

// The distributed gateway (`bourse gateway`) serves the same pages, its
// market data from the sequencer's market.data, and traces over its host's
// logs (one folder here) and PostgreSQL.
const services = servicesGate();
describe("web pages on a distributed gateway", { ...gate(), ...gateOptions(services) }, () => {
  const dir = mkdtempSync(join(tmpdir(), "bourse-web-dist-"));
  const d = new Distributed(dir);
  let browser: Browser;

  before(async () => {
    if (!services.run && "fail" in services) throw new Error(services.fail);
    [, browser] = await Promise.all([
      d.start(),
      chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] }),
    ]);
  });

  after(async () => {
    await browser?.close();
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the page shows the live book and the trace route finds a trade", async () => {
    const url = d.gatewayUrl();
    const op = clientFor(url, d.createKey("operator"));
    const alice = clientFor(url, d.createKey({ user: 1001 }));
    const bob = clientFor(url, d.createKey({ user: 1002 }));
    await op.transferIn({ request_id: "w1", user_id: 1001, asset: "USDT", amount: "1000" });
    await op.transferIn({ request_id: "w2", user_id: 1002, asset: "BTC", amount: "1" });
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(TIMEOUT_MS);
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${url}/`);
    await shows(page.getByRole("heading", { level: 2 }).filter({ hasText: "Order book" }), "live");
    await alice.createOrder({
      symbol: "BTC_USDT",
      side: "Buy",
      order_type: "Limit",
      price: "30000.00",
      quantity: "0.0100",
    });
    await shows(page.getByTestId("book-bids"), "30000.00");
    const sold = await bob.createOrder({
      symbol: "BTC_USDT",
      side: "Sell",
      order_type: "Limit",
      price: "30000.00",
      quantity: "0.0100",
    });
    const trade_id = sold.trades[0]!.trade_id;
    await shows(page.getByTestId("recent-trades"), "30000.00");
    await gone(page.getByTestId("book-bids").getByRole("row").filter({ hasText: "30000.00" }));
    const traced = await eventually(
      () => op.trace(trade_id),
      (t) => t.status === "complete",
      "every marker of the trade",
    );
    assert.equal((traced.subject as { kind: string }).kind, "trade");
    assert.deepEqual(errors, []);
  });
});
