// Public surface of market data: depth diffs recorded next to the books,
// the gateway's hub (L2 books, candles, the 24 h ticker, user events) and the
// stages that put them on the order path, embedded or distributed.

export {
  type Candle,
  foldCandles,
  settledTime,
  type Ticker24h,
  type TradeFact,
  tickerOf,
  tickerWindow,
} from "./candles.ts";
export {
  bigText,
  binanceSymbol,
  ppmText,
  priceText,
  qtyText,
  streamSymbol,
  unitsText,
} from "./decimals.ts";
export { DepthRecorder } from "./depth-recorder.ts";
export { decodeDepthBatch, encodeDepthBatch } from "./depth-wire.ts";
export { MarketFollower, type MarketFollowerOptions } from "./follower.ts";
export { candleFields, lotsText, tickerFigures } from "./format.ts";
export { MarketHub, type MarketHubOptions, NO_SINK, type StreamSink } from "./hub.ts";
export { L2Book, type L2Level } from "./l2-book.ts";
export { type KlineQuery, readKlines, readTicker24h, TRADES_FOLDED_MAX } from "./rest-reads.ts";
export { bookSnapshotOf, decodeBookAnswer, openOrderMetas } from "./snapshot.ts";
export { MarketDataPublisher, MarketDataStage, marketDataStage } from "./stages.ts";
export {
  PARTIAL_DEPTH_LEVELS,
  parseStream,
  type SymbolStreams,
  symbolLookup,
  symbolStreams,
} from "./streams.ts";
export type { BookSnapshot, DepthBatch, DepthDiff, OrderMeta } from "./types.ts";
export { OrderMetaBook, UserEvents } from "./user-events.ts";
