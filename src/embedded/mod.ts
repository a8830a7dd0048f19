// Public door of embedded mode: the whole exchange in one process (gateway
// backend, sequencer with its journal, settlement in a worker thread, market
// data), as `bourse start` and the benchmarks run it.

export {
  type Embedded,
  type EmbeddedOptions,
  settlementDbPath,
  startEmbedded,
} from "./exchange.ts";
