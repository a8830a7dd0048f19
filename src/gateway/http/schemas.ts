// The HTTP API's wire types, once: the server validates, serializes and
// documents (OpenAPI) from these schemas, and the client takes its types from
// them (type-only imports, so the client does not load typebox). Decimals and
// the ids that can exceed 32 bits (order_id, trade_id) are strings.

// biome-ignore-all lint/correctness/noPrivateImports: the enums are a value and a type under one name each, which the visibility check cannot tell apart; they come from their leaf module because the browser client loads this file and must load none of the server.
import { type Static, type TSchema, Type } from "typebox";
import { ID_LENGTH_MAX } from "../../core/constants.ts";
import {
  CancelReplaceMode,
  OrderStatus,
  OrderType,
  Side,
  Stp,
  TimeInForce,
} from "../../core/enums.ts";

const names = <T extends Record<string, number>>(e: T) => Object.keys(e) as (keyof T & string)[];

/** A plain decimal string: digits, optionally a point and more digits; no sign, no exponent. */
export const DECIMAL_PATTERN = "^(0|[1-9][0-9]*)(\\.[0-9]+)?$";
/** A positive id that fits a JS number exactly (below 2^53), as a string of digits. */
export const ID_PATTERN = "^[1-9][0-9]{0,15}$";
/** What a client order id may contain; at most ID_LENGTH_MAX (64) characters, or the config's lower limit. */
export const CID_PATTERN = "^[A-Za-z0-9_.:-]+$";

export const Decimal = (description: string, example: string) =>
  Type.String({ pattern: DECIMAL_PATTERN, maxLength: 40, description, examples: [example] });

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const SideName = Type.Enum(names(Side), { description: "Buy or Sell" });
export const OrderTypeName = Type.Enum(names(OrderType));
export const TimeInForceName = Type.Enum(names(TimeInForce), {
  description: "GTC rests on the book; IOC and FOK never rest (FOK fills completely or not at all)",
});
export const StpName = Type.Enum(names(Stp), {
  description: "What happens when the order would trade with the same user's resting order",
});
export const StatusName = Type.Enum(names(OrderStatus), {
  description:
    "Untriggered: a stop order waiting for its trigger; Triggered: reported once, when it is reached",
});
export const StopTypeName = Type.Enum(
  ["StopLoss", "StopLossLimit", "TakeProfit", "TakeProfitLimit"],
  {
    description:
      "StopLoss*: a buy triggers when the last trade price rises to stop_price, a sell when it falls to it; TakeProfit*: the other way round. The *Limit types then act as a limit order at their limit price, the others as a market order",
  },
);
export const CancelReplaceModeName = Type.Enum(names(CancelReplaceMode), {
  description:
    "StopOnFailure: nothing changes unless both halves succeed; AllowFailure: each half that can be done is done",
});
const SymbolField = Type.String({ minLength: 1, maxLength: 32, examples: ["BTC_USDT"] });
const Asset = Type.String({ minLength: 1, maxLength: 16, examples: ["USDT"] });
const IdString = (description: string) =>
  Type.String({ pattern: ID_PATTERN, description, examples: ["42"] });
const Cid = Type.String({
  pattern: CID_PATTERN,
  minLength: 1,
  maxLength: ID_LENGTH_MAX,
  description: `Client order id: 1..${ID_LENGTH_MAX} letters, digits, _ . : -; unique among the user's open orders`,
});
const Reason = Nullable(
  Type.String({ description: "Error code behind a Rejected, Expired or Cancelled status" }),
);
const TsMs = Type.Integer({ description: "Milliseconds since the Unix epoch" });

// ---- envelopes ----

/** @public */
export const ErrorBody = Type.Object(
  {
    status: Type.Integer({ description: "The error's registry id; never 0" }),
    msg: Type.String(),
    code: Type.String({ description: "Stable error code" }),
    data: Type.Optional(Type.Unknown()),
  },
  { description: "Failure envelope" },
);
/** @public */
export type ErrorBody = Static<typeof ErrorBody>;

/** @public */
export const Ok = <T extends TSchema>(data: T) =>
  Type.Object({ status: Type.Literal(0), msg: Type.Literal("ok"), data });

// ---- requests ----

/** @public */
export const CreateOrderRequest = Type.Object(
  {
    symbol: SymbolField,
    side: SideName,
    order_type: OrderTypeName,
    price: Type.Optional(
      Decimal(
        "Limit price: for Limit, StopLossLimit and TakeProfitLimit orders; not for Market, StopLoss, TakeProfit",
        "50000.00",
      ),
    ),
    stop_price: Type.Optional(
      Decimal(
        "The trigger of StopLoss, StopLossLimit, TakeProfit and TakeProfitLimit orders: the last trade price that sets them off",
        "48000.00",
      ),
    ),
    quantity: Type.Optional(Decimal("Base quantity", "0.0100")),
    quote_quantity: Type.Optional(
      Decimal("Quote budget of a market buy, instead of quantity", "100"),
    ),
    cid: Type.Optional(Cid),
    time_in_force: Type.Optional(TimeInForceName),
    post_only: Type.Optional(Type.Boolean()),
    stp: Type.Optional(StpName),
  },
  { additionalProperties: false },
);
/** @public */
export type CreateOrderRequest = Static<typeof CreateOrderRequest>;

/** @public */
export const CancelOrderRequest = Type.Object(
  {
    order_id: Type.Optional(IdString("The order to cancel")),
    cid: Type.Optional(Cid),
  },
  { additionalProperties: false, description: "Exactly one of order_id and cid" },
);
/** @public */
export type CancelOrderRequest = Static<typeof CancelOrderRequest>;

/** The order an amend or cancel-replace names: exactly one of order_id and cid. */
const targetFields = {
  order_id: Type.Optional(IdString("The order, by id")),
  cid: Type.Optional(Cid),
};

/** @public */
export const OcoRequest = Type.Object(
  {
    symbol: SymbolField,
    side: SideName,
    quantity: Decimal("Base quantity of each leg", "0.0100"),
    price: Decimal("The limit leg's price", "52000.00"),
    post_only: Type.Optional(Type.Boolean({ description: "The limit leg may only make" })),
    cid: Type.Optional(Cid),
    stop_type: StopTypeName,
    stop_price: Decimal("The stop leg's trigger", "48000.00"),
    stop_limit_price: Type.Optional(
      Decimal("The stop leg's limit price: only for StopLossLimit and TakeProfitLimit", "47900.00"),
    ),
    stop_time_in_force: Type.Optional(
      Type.Enum(names(TimeInForce), {
        description:
          "The stop leg's: GTC (the *Limit types only), IOC or FOK; GTC or IOC by default",
      }),
    ),
    stop_cid: Type.Optional(Cid),
    stp: Type.Optional(StpName),
  },
  { additionalProperties: false },
);
/** @public */
export type OcoRequest = Static<typeof OcoRequest>;

/** @public */
export const AmendRequest = Type.Object(
  {
    symbol: SymbolField,
    ...targetFields,
    price: Type.Optional(Decimal("The new limit price", "50100.00")),
    quantity: Type.Optional(Decimal("The new total quantity, the filled part included", "0.0200")),
  },
  {
    additionalProperties: false,
    description: "Exactly one of order_id and cid; price, quantity or both",
  },
);
/** @public */
export type AmendRequest = Static<typeof AmendRequest>;

/** @public */
export const CancelReplaceRequest = Type.Object(
  {
    ...targetFields,
    mode: CancelReplaceModeName,
    order: CreateOrderRequest,
  },
  {
    additionalProperties: false,
    description:
      "Cancel the order named by order_id or cid (exactly one) and place `order`, in the same symbol, atomically",
  },
);
/** @public */
export type CancelReplaceRequest = Static<typeof CancelReplaceRequest>;

/** @public */
export const CancelAllRequest = Type.Object(
  { symbol: Type.Optional(SymbolField) },
  { additionalProperties: false, description: "Without symbol: every symbol" },
);
/** @public */
export type CancelAllRequest = Static<typeof CancelAllRequest>;

export const CancelAllAfterRequest = Type.Object(
  {
    timeout_ms: Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description:
        "Cancel all your orders once this many ms pass without another call; 0 turns the timer off",
      examples: [60000],
    }),
  },
  { additionalProperties: false },
);
export type CancelAllAfterRequest = Static<typeof CancelAllAfterRequest>;

export const Limit = Type.Integer({ minimum: 1, maximum: 1000, default: 100 });

/** The query of a route that takes none: any field is unknown, so refused. */
export const NoQuery = Type.Object({}, { additionalProperties: false });

/** @public */
export const ListQuery = Type.Object(
  { symbol: Type.Optional(SymbolField), limit: Type.Optional(Limit) },
  { additionalProperties: false },
);
/** @public */
export type ListQuery = Static<typeof ListQuery>;

export const MarketQuery = Type.Object(
  { symbol: SymbolField, limit: Type.Optional(Limit) },
  { additionalProperties: false },
);
export type MarketQuery = Static<typeof MarketQuery>;

/** @public */
export const TransferRequest = Type.Object(
  {
    request_id: Type.String({
      minLength: 1,
      maxLength: ID_LENGTH_MAX,
      description: `Idempotency key, 1..${ID_LENGTH_MAX} printable characters: a retry with the same parameters answers duplicate`,
    }),
    user_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    asset: Asset,
    amount: Decimal("Amount in whole units of the asset", "1000.5"),
  },
  { additionalProperties: false },
);
/** @public */
export type TransferRequest = Static<typeof TransferRequest>;

// ---- responses ----

export const OrderTrade = Type.Object({
  trade_id: Type.String(),
  price: Type.String(),
  quantity: Type.String(),
  quote_quantity: Type.String(),
  fee: Type.String({ description: "Fee this order paid for the trade" }),
  fee_asset: Type.String(),
  role: Type.Enum(["maker", "taker"]),
});
export type OrderTrade = Static<typeof OrderTrade>;

const orderFields = {
  order_id: Type.String(),
  symbol: Type.String(),
  side: SideName,
  order_type: OrderTypeName,
  time_in_force: TimeInForceName,
  post_only: Type.Boolean(),
  stp: StpName,
  cid: Nullable(Type.String()),
  status: StatusName,
  reason: Reason,
  price: Nullable(
    Type.String({ description: "Null for Market orders, StopLoss and TakeProfit orders" }),
  ),
  stop_price: Nullable(Type.String({ description: "The trigger of a stop order; null otherwise" })),
  oco_order_id: Nullable(Type.String({ description: "The other leg of its OCO; null otherwise" })),
  quantity: Nullable(Type.String({ description: "Null for a market buy by quote_quantity" })),
  quote_quantity: Nullable(Type.String()),
  filled_quantity: Type.String(),
  remaining_quantity: Type.String(),
  filled_quote: Type.String({ description: "Quote value of the fills, before fees" }),
  created_ts_ms: TsMs,
  updated_ts_ms: TsMs,
};

/** @public */
export const Order = Type.Object(orderFields);
/** @public */
export type Order = Static<typeof Order>;

/** @public */
export const OrderResult = Type.Object({
  ...orderFields,
  trades: Type.Array(OrderTrade, { description: "Trades this order took part in on arrival" }),
});
/** @public */
export type OrderResult = Static<typeof OrderResult>;

/** @public */
export const CancelResult = Type.Object({
  order_id: Type.String(),
  symbol: Type.String(),
  status: StatusName,
  reason: Reason,
  filled_quantity: Type.String(),
  remaining_quantity: Type.String(),
  filled_quote: Type.String(),
});
/** @public */
export type CancelResult = Static<typeof CancelResult>;

/** @public */
export const OcoResult = Type.Object({
  orders: Type.Array(OrderResult, { description: "The limit leg, then the stop leg" }),
});
/** @public */
export type OcoResult = Static<typeof OcoResult>;

/** @public */
export const CancelReplaceResult = Type.Object({
  cancel: Nullable(CancelResult),
  cancel_code: Nullable(
    Type.String({
      description: "Why the cancel half was not done (NOT_ATTEMPTED, UNKNOWN_ORDER…)",
    }),
  ),
  order: Nullable(OrderResult),
  order_code: Nullable(Type.String({ description: "Why the new order was not placed" })),
});
/** @public */
export type CancelReplaceResult = Static<typeof CancelReplaceResult>;

/** @public */
export const CancelAllResult = Type.Object({
  cancelled: Type.Array(CancelResult, { description: "In ascending order id" }),
});
/** @public */
export type CancelAllResult = Static<typeof CancelAllResult>;

/** @public */
export const CancelAllAfterResult = Type.Object({
  timeout_ms: Type.Integer(),
  armed: Type.Boolean({ description: "False when timeout_ms was 0: the timer is off" }),
});
/** @public */
export type CancelAllAfterResult = Static<typeof CancelAllAfterResult>;

/** @public */
export const UserTrade = Type.Object({
  trade_id: Type.String(),
  order_id: Type.String(),
  symbol: Type.String(),
  side: SideName,
  role: Type.Enum(["maker", "taker"]),
  price: Type.String(),
  quantity: Type.String(),
  quote_quantity: Type.String(),
  fee: Type.String(),
  fee_asset: Type.String(),
  ts_ms: TsMs,
});
/** @public */
export type UserTrade = Static<typeof UserTrade>;

/** @public */
export const Balance = Type.Object({
  asset: Type.String(),
  avail: Type.String(),
  frozen: Type.String(),
});
/** @public */
export type Balance = Static<typeof Balance>;

/** @public */
export const TransferResult = Type.Object({
  request_id: Type.String(),
  user_id: Type.Integer(),
  asset: Type.String(),
  amount: Type.String(),
  status: Type.Enum(["applied", "duplicate"], {
    description: "duplicate: this request_id was applied before; the balances are from then",
  }),
  avail: Type.String({ description: "Available balance right after the transfer" }),
  frozen: Type.String(),
  event_id: Type.String({ description: "The id that follows this transfer through every log" }),
});
/** @public */
export type TransferResult = Static<typeof TransferResult>;

export const DepthLevel = Type.Object({
  price: Type.String(),
  quantity: Type.String(),
  orders: Type.Integer(),
});
export type DepthLevel = Static<typeof DepthLevel>;

/** @public */
export const Depth = Type.Object({
  symbol: Type.String(),
  last_update_id: Type.Integer({
    description:
      "The update id this depth stands at: the diff stream (<symbol>@depth) continues from it (see docs/market-data.md)",
  }),
  bids: Type.Array(DepthLevel, { description: "Best (highest) first" }),
  asks: Type.Array(DepthLevel, { description: "Best (lowest) first" }),
});
/** @public */
export type Depth = Static<typeof Depth>;

export const KlineIntervalName = Type.Enum(["1m", "5m", "15m", "1h", "4h", "1d"]);

export const KlineQuery = Type.Object(
  {
    symbol: SymbolField,
    interval: KlineIntervalName,
    start_time: Type.Optional(Type.Integer({ minimum: 0, description: "Open time from (ms)" })),
    end_time: Type.Optional(Type.Integer({ minimum: 0, description: "Open time up to (ms)" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 500 })),
  },
  { additionalProperties: false },
);
export type KlineQuery = Static<typeof KlineQuery>;

export const Kline = Type.Object({
  open_time_ms: TsMs,
  close_time_ms: TsMs,
  open: Type.String(),
  high: Type.String(),
  low: Type.String(),
  close: Type.String(),
  volume: Type.String({ description: "Base quantity traded" }),
  quote_volume: Type.String(),
  trade_count: Type.Integer(),
  taker_buy_volume: Type.String(),
  taker_buy_quote_volume: Type.String(),
});
export type Kline = Static<typeof Kline>;

export const SymbolQuery = Type.Object({ symbol: SymbolField }, { additionalProperties: false });
export type SymbolQuery = Static<typeof SymbolQuery>;

export const Ticker24h = Type.Object({
  symbol: Type.String(),
  open_time_ms: TsMs,
  close_time_ms: TsMs,
  open: Type.String(),
  high: Type.String(),
  low: Type.String(),
  last: Type.String(),
  volume: Type.String(),
  quote_volume: Type.String(),
  price_change: Type.String(),
  price_change_percent: Type.String({ description: "Three places, truncated" }),
  weighted_avg_price: Type.String(),
  trade_count: Type.Integer(),
  first_trade_id: Type.String(),
  last_trade_id: Type.String(),
});
export type Ticker24h = Static<typeof Ticker24h>;

export const BookTicker = Type.Object({
  symbol: Type.String(),
  last_update_id: Type.Integer(),
  bid_price: Nullable(Type.String()),
  bid_quantity: Nullable(Type.String()),
  ask_price: Nullable(Type.String()),
  ask_quantity: Nullable(Type.String()),
});
export type BookTicker = Static<typeof BookTicker>;

export const ServerTime = Type.Object({ server_time_ms: TsMs });
export type ServerTime = Static<typeof ServerTime>;

export const ExchangeInfo = Type.Object({
  server_time_ms: TsMs,
  assets: Type.Array(Type.Object({ asset: Type.String(), decimals: Type.Integer() })),
  symbols: Type.Array(
    Type.Object({
      symbol: Type.String(),
      stream_symbol: Type.String({ description: "How stream names spell it (btcusdt)" }),
      status: Type.Enum(["TRADING"]),
      base_asset: Type.String(),
      quote_asset: Type.String(),
      tick_size: Type.String(),
      lot_size: Type.String(),
      min_notional: Type.String(),
      max_price: Type.String(),
      max_quantity: Type.String(),
      price_decimals: Type.Integer(),
      quantity_decimals: Type.Integer(),
      maker_fee_rate: Type.String(),
      taker_fee_rate: Type.String(),
      market_collar_bps: Type.Integer(),
    }),
  ),
  limits: Type.Object({
    max_open_orders_per_user: Type.Integer(),
    max_client_id_length: Type.Integer(),
    recv_window_ms: Type.Integer(),
    rate_limit_per_s: Nullable(Type.Number()),
    rate_limit_burst: Nullable(Type.Integer()),
    public_rate_limit_per_s: Nullable(Type.Number()),
    public_rate_limit_burst: Nullable(Type.Integer()),
    stream_connections_per_address: Nullable(Type.Integer()),
    streams_per_connection: Nullable(Type.Integer()),
    stream_messages_per_s: Nullable(Type.Integer()),
    stream_send_buffer_bytes: Nullable(Type.Integer()),
  }),
});
export type ExchangeInfo = Static<typeof ExchangeInfo>;

/** @public */
export const ListenKey = Type.Object({
  listen_key: Type.String(),
  expires_ts_ms: TsMs,
});
/** @public */
export type ListenKey = Static<typeof ListenKey>;

/** @public */
export const ListenKeyQuery = Type.Object(
  { listen_key: Type.String({ pattern: "^[A-Za-z0-9]{64}$" }) },
  { additionalProperties: false },
);
/** @public */
export type ListenKeyQuery = Static<typeof ListenKeyQuery>;

/** @public */
export const MarketTrade = Type.Object({
  trade_id: Type.String(),
  symbol: Type.String(),
  price: Type.String(),
  quantity: Type.String(),
  quote_quantity: Type.String(),
  taker_side: SideName,
  ts_ms: TsMs,
});
/** @public */
export type MarketTrade = Static<typeof MarketTrade>;

/** @public */
export const Health = Type.Object({ status: Type.Enum(["live", "ready"]) });
/** @public */
export type Health = Static<typeof Health>;
