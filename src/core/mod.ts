// Public surface of the shared domain and engine core.

export { BookSide, Level, RestingOrder, Where } from "./book.ts";
export { Reader, Writer } from "./codec.ts";
export { buyCollarTicks, sellCollarTicks, stopBuyCapTicks } from "./collar.ts";
export {
  type AssetConfig,
  type AssetSpec,
  type BourseConfig,
  ConfigError,
  compile,
  DEFAULT_CONFIG,
  type LimitsConfig,
  loadSpec,
  type Spec,
  type SymbolConfig,
  type SymbolSpec,
} from "./config.ts";
export { FEE_USER_ID, tradeIdOf } from "./constants.ts";
export { Core } from "./core.ts";
export {
  BalanceKind,
  balanceKindName,
  CancelReplaceMode,
  CommandKind,
  cancelReplaceModeName,
  commandKindName,
  isMarketLike,
  isStopType,
  isTerminal,
  OrderStatus,
  OrderType,
  orderTypeName,
  parseEnum,
  Side,
  STP_DEFAULT,
  Stp,
  sideName,
  statusName,
  stpName,
  TimeInForce,
  tifName,
  triggersOnRise,
} from "./enums.ts";
export {
  ApiError,
  allErrors,
  assert,
  BourseError,
  type ErrorSpec,
  errorById,
  InvariantError,
  Reject,
  type RejectCode,
} from "./errors.ts";
export { GENESIS_HASH, hash64, hashHex, parseHashHex } from "./hash.ts";
export {
  type AmendInput,
  amendCommand,
  assetOf,
  cancelAllAfterCommand,
  cancelAllCommand,
  cancelCommand,
  cancelReplaceCommand,
  type OcoInput,
  type OrderInput,
  type OrderTarget,
  ocoCommand,
  orderSpec,
  placeCommand,
  priceTicks,
  qtyLots,
  symbolOf,
  type TransferInput,
  tickCommand,
  transferCommand,
} from "./input.ts";
export { MatchingEngine, type MatchingOptions, needUnits, SymbolBook } from "./matching.ts";
export {
  addChecked,
  decimalsOf,
  formatUnits,
  MAX_UNITS,
  mulChecked,
  mulPpmFloor,
  parseUnits,
  pow10,
} from "./money.ts";
export { OpenOrders } from "./open-orders.ts";
export {
  OUTPUT_BATCH_COUNT_MAX,
  OUTPUT_BATCH_VERSION,
  type OutputBatchView,
  OutputBatchWriter,
  readOutputBatch,
} from "./output-batch.ts";
export { readEngineState, readUbsState, writeEngineState, writeUbsState } from "./state.ts";
export { StopHeap } from "./stops.ts";
export { Timers } from "./timers.ts";
export type * from "./types.ts";
export { Cause, isTransferCmd } from "./types.ts";
export {
  type Account,
  type TransferRecord,
  type UbsAnswer,
  UbsCore,
  type UbsOptions,
  type UbsStep,
} from "./ubscore.ts";
export {
  commandCodec,
  decodeCommand,
  decodeMatchInput,
  encodeCommand,
  encodeMatchInput,
  readBalanceOutput,
  readCommand,
  readCoreOutput,
  readEngineOutput,
  readMatchInput,
  verifySealed,
  WIRE_VERSION,
  writeBalanceOutput,
  writeCommand,
  writeCoreOutput,
  writeEngineOutput,
  writeMatchInput,
} from "./wire.ts";
