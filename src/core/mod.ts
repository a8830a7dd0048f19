// Public surface of the shared domain and engine core.

export { BookSide, Level, RestingOrder, Where } from "./book.ts";
export { Reader, Writer } from "./codec.ts";
export { buyCollarTicks, sellCollarTicks, stopBuyCapTicks } from "./collar.ts";
export {
  COMMAND_BATCH_COUNT_MAX,
  COMMAND_BATCH_VERSION,
  encodeCommandBatch,
  readCommandBatch,
} from "./command-batch.ts";
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
export { FEE_USER_ID, ID_LENGTH_MAX, tradeIdOf } from "./constants.ts";
export { Core, warmSnapshotCode } from "./core.ts";
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
export {
  EVENT_ID_CHARS_MAX,
  isTransferEventId,
  orderEventId,
  parseTransferEventId,
  requestEventId,
  type TransferEventParts,
  type TransferType,
  tradeEventId,
  transferEventId,
  transferEventIdOf,
  transferTypeOf,
} from "./event-ids.ts";
export {
  GENESIS_HASH,
  type HashHalves,
  hash64,
  hash64Into,
  hashHex,
  joinHash,
  parseHashHex,
  splitHash,
} from "./hash.ts";
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
  ocoLegs,
  orderSpec,
  placeCommand,
  priceTicks,
  qtyLots,
  symbolOf,
  type TransferInput,
  tickCommand,
  transferCommand,
} from "./input.ts";
export {
  candleOpen,
  isKlineInterval,
  KLINE_INTERVAL_NAMES,
  KLINE_INTERVALS,
  type KlineInterval,
} from "./kline-intervals.ts";
export {
  allMarkers,
  DEPOSIT_MARKERS,
  FIELD_NAMES,
  Field,
  type FieldName,
  ID_FIELDS,
  type IdField,
  isIdField,
  Marker,
  type MarkerFlow,
  type MarkerLevel,
  type MarkerName,
  type MarkerSpec,
  markerById,
  markerByName,
  SERVICE_NAMES,
  type ServiceName,
  type TransferMarkers,
  transferMarkers,
  WITHDRAW_MARKERS,
} from "./markers.ts";
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
export { type RestingBook, restingBook } from "./resting-book.ts";
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
  readCoreOutputHead,
  readEngineOutput,
  readMatchInput,
  sealedHash,
  verifySealed,
  WIRE_VERSION,
  writeBalanceOutput,
  writeCommand,
  writeCoreOutput,
  writeEngineOutput,
  writeMatchInput,
} from "./wire.ts";
