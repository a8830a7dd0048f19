// Public market data of the trading page: the markets with their 24 h
// tickers, and for the selected symbol the live order book (LocalOrderBook:
// the depth stream with the resync procedure), recent trades and candles.

import { computed, signal } from "@preact/signals";
import {
  CandlestickSeries,
  createChart,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useRef } from "preact/hooks";
import { type ExchangeInfo, LocalOrderBook, type MarketTrade } from "../../client/mod.ts";
import { plainError } from "./errors.ts";
import { feed } from "./feed.ts";
import { BASE_URL, publicClient } from "./session.ts";
import { Head } from "./table.tsx";

export type SymbolInfo = ExchangeInfo["symbols"][number];

export const info = signal<ExchangeInfo | null>(null);
export const infoError = signal<string | null>(null);
export const selected = signal<string | null>(null);
export const symbolInfo = computed<SymbolInfo | null>(
  () => info.value?.symbols.find((s) => s.symbol === selected.value) ?? null,
);

interface TickerRow {
  last: string;
  change_percent: string;
  volume: string;
  quote_volume: string;
}
const tickers = signal<Record<string, TickerRow>>({});

function setTicker(symbol: string, row: TickerRow): void {
  tickers.value = { ...tickers.value, [symbol]: row };
}

/** Exchange info, then each symbol's ticker from REST and its @ticker stream. */
export async function loadMarkets(): Promise<void> {
  try {
    const ex = await publicClient.exchangeInfo();
    info.value = ex;
    selected.value ??= ex.symbols[0]?.symbol ?? null;
    for (const s of ex.symbols) {
      feed.on(`${s.stream_symbol}@ticker`, (d) => {
        const t = d as { c: string; P: string; v: string; q: string };
        setTicker(s.symbol, { last: t.c, change_percent: t.P, volume: t.v, quote_volume: t.q });
      });
    }
    feed.start();
    await Promise.all(
      ex.symbols.map(async (s) => {
        const t = await publicClient.ticker24h(s.symbol);
        if (t !== null && tickers.value[s.symbol] === undefined) {
          setTicker(s.symbol, {
            last: t.last,
            change_percent: t.price_change_percent,
            volume: t.volume,
            quote_volume: t.quote_volume,
          });
        }
      }),
    );
  } catch (err) {
    infoError.value = plainError(err);
  }
}

export function MarketsList() {
  const ex = info.value;
  if (ex === null) return <p>{infoError.value ?? "Loading markets…"}</p>;
  return (
    <table class="markets" aria-label="Markets">
      <Head cols={["Market", "Last", "24 h", "Volume"]} />
      <tbody>
        {ex.symbols.map((s) => {
          const t = tickers.value[s.symbol];
          const current = s.symbol === selected.value;
          return (
            <tr key={s.symbol} class={current ? "current" : ""}>
              <td>
                <button
                  type="button"
                  aria-pressed={current}
                  onClick={() => {
                    selected.value = s.symbol;
                  }}
                >
                  {s.base_asset}/{s.quote_asset}
                </button>
              </td>
              <td class="num">{t?.last ?? "–"}</td>
              <td class={`num ${t?.change_percent.startsWith("-") ? "down" : "up"}`}>
                {t === undefined ? "–" : `${t.change_percent}%`}
              </td>
              <td class="num">{t?.volume ?? "–"}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

const BOOK_LEVELS = 12;
const book = signal<{ bids: [string, string][]; asks: [string, string][] } | null>(null);
const bookState = signal("connecting");

export function OrderBook({ symbol }: { symbol: string }) {
  useEffect(() => {
    book.value = null;
    bookState.value = "connecting";
    const b = new LocalOrderBook({ baseUrl: BASE_URL, symbol, snapshot_levels: 100 });
    b.onupdate = () => {
      book.value = b.top(BOOK_LEVELS);
      bookState.value = b.resyncs > 0 ? `live (resynced ${b.resyncs}×)` : "live";
    };
    void b.start();
    return () => b.stop();
  }, [symbol]);
  const v = book.value;
  const side = (rows: [string, string][], name: string) => (
    <tbody data-testid={`book-${name}`} class={name}>
      {rows.map(([p, q]) => (
        <tr key={p}>
          <td class="num">{p}</td>
          <td class="num">{q}</td>
        </tr>
      ))}
    </tbody>
  );
  return (
    <section aria-labelledby="book-h">
      <h2 id="book-h">
        Order book <small>{bookState.value}</small>
      </h2>
      {v === null ? (
        <p>Loading the book…</p>
      ) : (
        <table class="book">
          <Head cols={["Price", "Quantity"]} />
          {side([...v.asks].reverse(), "asks")}
          {side(v.bids, "bids")}
        </table>
      )}
    </section>
  );
}

const TRADES_SHOWN = 30;
const recent = signal<MarketTrade[]>([]);

export function RecentTrades({ symbol, stream }: { symbol: string; stream: string }) {
  useEffect(() => {
    recent.value = [];
    let live = true;
    const off = feed.on(`${stream}@trade`, (d) => {
      const t = d as { t: number; p: string; q: string; T: number; m: boolean };
      const row: MarketTrade = {
        trade_id: String(t.t),
        symbol,
        price: t.p,
        quantity: t.q,
        quote_quantity: "",
        taker_side: t.m ? "Sell" : "Buy",
        ts_ms: t.T,
      };
      recent.value = [row, ...recent.value.filter((x) => x.trade_id !== row.trade_id)].slice(
        0,
        TRADES_SHOWN,
      );
    });
    publicClient
      .marketTrades(symbol, TRADES_SHOWN)
      .then((rows) => {
        if (!live) return;
        const seen = new Set(recent.value.map((r) => r.trade_id));
        recent.value = [...recent.value, ...rows.filter((r) => !seen.has(r.trade_id))].slice(
          0,
          TRADES_SHOWN,
        );
      })
      .catch(() => undefined);
    return () => {
      live = false;
      off();
    };
  }, [symbol, stream]);
  return (
    <section aria-labelledby="trades-h">
      <h2 id="trades-h">Recent trades</h2>
      <table class="trades" data-testid="recent-trades">
        <Head cols={["Price", "Quantity", "Time"]} />
        <tbody>
          {recent.value.map((t) => (
            <tr key={t.trade_id} class={t.taker_side === "Buy" ? "up" : "down"}>
              <td class="num">{t.price}</td>
              <td class="num">{t.quantity}</td>
              <td>{new Date(t.ts_ms).toTimeString().slice(0, 8)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

interface Bar {
  time: UTCTimestamp;
  open: number;
  high: number;
  low: number;
  close: number;
}

/** Candles of one minute: REST history, then the @kline_1m stream. Prices are numbers for drawing only. */
export function CandleChart({ symbol, stream }: { symbol: string; stream: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const chart: IChartApi = createChart(el, {
      autoSize: true,
      layout: { attributionLogo: true, background: { color: "#10151c" }, textColor: "#c9d1d9" },
      grid: { vertLines: { color: "#1e2631" }, horzLines: { color: "#1e2631" } },
      timeScale: { timeVisible: true, secondsVisible: false },
    });
    const series: ISeriesApi<"Candlestick"> = chart.addSeries(CandlestickSeries, {});
    let live = true;
    let last = 0;
    const put = (b: Bar) => {
      if (b.time < last) return;
      last = b.time;
      series.update(b);
    };
    const off = feed.on(`${stream}@kline_1m`, (d) => {
      const k = (d as { k: { t: number; o: string; h: string; l: string; c: string } }).k;
      put({
        time: (k.t / 1000) as UTCTimestamp,
        open: Number(k.o),
        high: Number(k.h),
        low: Number(k.l),
        close: Number(k.c),
      });
    });
    publicClient
      .klines(symbol, "1m", { limit: 500 })
      .then((rows) => {
        if (!live) return;
        const bars = rows.map((k) => ({
          time: (k.open_time_ms / 1000) as UTCTimestamp,
          open: Number(k.open),
          high: Number(k.high),
          low: Number(k.low),
          close: Number(k.close),
        }));
        if (last === 0) {
          series.setData(bars);
          last = bars.at(-1)?.time ?? 0;
        }
      })
      .catch(() => undefined);
    return () => {
      live = false;
      off();
      chart.remove();
    };
  }, [symbol, stream]);
  return (
    <section aria-labelledby="chart-h">
      <h2 id="chart-h">Candles (1 minute)</h2>
      <div class="chart" ref={box} />
    </section>
  );
}
