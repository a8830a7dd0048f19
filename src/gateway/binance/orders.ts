// Order parameters as Binance names them, turned into Bourse's order input.
// The checks Binance answers with its own codes (missing or extra parameters,
// precision, tick and lot filters) happen here so the answer names the
// parameter; placeCommand then builds the command exactly as /api/v1 does,
// and the core checks everything again.

import { randomBytes } from "node:crypto";
import {
  BourseError,
  type OrderInput,
  orderTypeName,
  parseUnits,
  Reject,
  type Spec,
  type SymbolSpec,
  stpName,
} from "../../core/mod.ts";
import {
  BINANCE_CODES,
  badRequest,
  filterFailure,
  illegal,
  invalidData,
  mandatory,
  notRequired,
} from "./errors.ts";
import {
  ORDER_TYPES,
  type OrderTypeName,
  type RespType,
  STOP_TYPES,
  STP_MODES,
  STP_OF,
  TIFS,
} from "./format.ts";
import type { Params } from "./params.ts";
import type { BinanceSymbols } from "./symbols.ts";

export interface ParsedOrder {
  s: SymbolSpec;
  type: OrderTypeName;
  input: Omit<OrderInput, "user_id">;
  resp: RespType;
}

/** Order parameters Binance has and Bourse does not. */
const NOT_OFFERED_PARAMS: Readonly<Record<string, string>> = {
  icebergQty: "Iceberg orders are not supported for this symbol.",
  trailingDelta: "Trailing stop orders are not supported for this symbol.",
  pegPriceType: "Pegged orders are not supported for this symbol.",
  pegOffsetValue: "Pegged orders are not supported for this symbol.",
  pegOffsetType: "Pegged orders are not supported for this symbol.",
};

const CID_RE = /^[A-Za-z0-9_.:-]+$/;

/** A client order id Binance style when the client sends none: 22 url-safe characters. */
export function newClientOrderId(): string {
  return randomBytes(16).toString("base64url");
}

/** newClientOrderId as sent (checked) or a fresh one. */
export function clientOrderIdParam(spec: Spec, p: Params, name = "newClientOrderId"): string {
  const v = p.str(name);
  if (v === undefined) return newClientOrderId();
  if (!CID_RE.test(v) || v.length > spec.limits.max_id_length) {
    throw illegal(name, `^[a-zA-Z0-9_.:-]{1,${spec.limits.max_id_length}}$`);
  }
  return v;
}

export function parseOrder(spec: Spec, symbols: BinanceSymbols, p: Params): ParsedOrder {
  const s = symbols.get(p.required("symbol"));
  const side = p.oneOf("side", ["BUY", "SELL"] as const, () =>
    badRequest(BINANCE_CODES.INVALID_SIDE, "Invalid side."),
  );
  if (side === undefined) throw mandatory("side");
  const typeSent = p.required("type");
  if (!(ORDER_TYPES as readonly string[]).includes(typeSent)) {
    throw badRequest(BINANCE_CODES.INVALID_ORDER_TYPE, "Invalid orderType.");
  }
  const type = typeSent as OrderTypeName;
  for (const [name, msg] of Object.entries(NOT_OFFERED_PARAMS)) {
    if (p.str(name) !== undefined) {
      throw badRequest(BINANCE_CODES.NEW_ORDER_REJECTED, msg, Reject.INVALID_ORDER);
    }
  }
  for (const name of ["strategyId", "strategyType"]) {
    if (p.str(name) !== undefined) {
      throw badRequest(
        BINANCE_CODES.UNSUPPORTED_OPERATION,
        `This operation is not supported. Bourse does not keep ${name}.`,
      );
    }
  }
  const stop_type = STOP_TYPES[type];
  const stop_price = p.decimal("stopPrice");
  if (stop_type === undefined && stop_price !== undefined) throw notRequired("stopPrice");
  if (stop_type !== undefined) {
    if (stop_price === undefined) throw mandatory("stopPrice");
    checkStep(s, "stopPrice", stop_price, "PRICE_FILTER");
  }
  const tif = p.oneOf("timeInForce", TIFS, () =>
    badRequest(BINANCE_CODES.INVALID_TIF, "Invalid timeInForce."),
  );
  const stp = p.oneOf("selfTradePreventionMode", STP_MODES, () =>
    invalidData("selfTradePreventionMode"),
  );
  const resp = p.oneOf("newOrderRespType", ["ACK", "RESULT", "FULL"] as const, () =>
    invalidData("newOrderRespType"),
  );
  const input: Omit<OrderInput, "user_id"> = {
    symbol: s.name,
    side: side === "BUY" ? "Buy" : "Sell",
    order_type:
      stop_type !== undefined
        ? (orderTypeName[stop_type] as string)
        : type === "MARKET"
          ? "Market"
          : "Limit",
    ...(stop_price === undefined ? {} : { stop_price }),
    cid: clientOrderIdParam(spec, p),
    post_only: type === "LIMIT_MAKER",
    ...(stp === undefined ? {} : { stp: stpName[STP_OF[stp]] }),
    ...amounts(s, p, type, side, tif),
  };
  // As Binance: MARKET and LIMIT answer FULL unless asked otherwise, the other types ACK.
  const full = type === "MARKET" || type === "LIMIT";
  return { s, type, input, resp: resp ?? (full ? "FULL" : "ACK") };
}

type Amounts = Pick<OrderInput, "time_in_force" | "price" | "quantity" | "quote_quantity">;

function amounts(
  s: SymbolSpec,
  p: Params,
  type: OrderTypeName,
  side: "BUY" | "SELL",
  tif: (typeof TIFS)[number] | undefined,
): Amounts {
  const price = p.decimal("price");
  const quantity = p.decimal("quantity");
  const quote = p.decimal("quoteOrderQty");
  const marketLike = type === "MARKET" || type === "STOP_LOSS" || type === "TAKE_PROFIT";
  if (!marketLike) {
    const needsTif = type === "LIMIT" || type === "STOP_LOSS_LIMIT" || type === "TAKE_PROFIT_LIMIT";
    if (needsTif && tif === undefined) throw mandatory("timeInForce");
    if (type === "LIMIT_MAKER" && tif !== undefined) throw tifNotRequired();
    if (price === undefined) throw mandatory("price");
    if (quantity === undefined) throw mandatory("quantity");
    if (quote !== undefined) throw notRequired("quoteOrderQty");
    checkStep(s, "price", price, "PRICE_FILTER");
    checkStep(s, "quantity", quantity, "LOT_SIZE");
    return { time_in_force: tif ?? "GTC", price, quantity };
  }
  if (tif !== undefined) throw tifNotRequired();
  if (price !== undefined) throw notRequired("price");
  if (quantity !== undefined && quote !== undefined) throw notRequired("quoteOrderQty");
  if (type !== "MARKET") {
    // A stop that trades as a market order once triggered: a base quantity only.
    if (quote !== undefined) throw notRequired("quoteOrderQty");
    if (quantity === undefined) throw mandatory("quantity");
    checkStep(s, "quantity", quantity, "MARKET_LOT_SIZE");
    return { time_in_force: "IOC", quantity };
  }
  if (quantity !== undefined) {
    checkStep(s, "quantity", quantity, "MARKET_LOT_SIZE");
    return { time_in_force: "IOC", quantity };
  }
  if (quote === undefined) {
    throw badRequest(
      BINANCE_CODES.MANDATORY_PARAM_EMPTY_OR_MALFORMED,
      "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty!",
    );
  }
  if (side === "SELL") {
    throw badRequest(
      BINANCE_CODES.UNKNOWN_ORDER_COMPOSITION,
      "Unsupported order combination. quoteOrderQty is supported on MARKET BUY orders only.",
      Reject.INVALID_ORDER,
    );
  }
  units("quoteOrderQty", quote, s.quote.decimals, "NOTIONAL");
  return { time_in_force: "IOC", quote_quantity: quote };
}

const tifNotRequired = () =>
  badRequest(BINANCE_CODES.TIF_NOT_REQUIRED, "TimeInForce parameter sent when not required.");

/** A price or quantity: within the asset's precision, a whole number of steps, within the limits. */
export function checkStep(
  s: SymbolSpec,
  name: "price" | "stopPrice" | "quantity",
  text: string,
  filter: "PRICE_FILTER" | "LOT_SIZE" | "MARKET_LOT_SIZE",
): void {
  const isPrice = name !== "quantity";
  const u = units(name, text, isPrice ? s.quote.decimals : s.base.decimals, filter);
  const step = isPrice ? s.tick_units : s.lot_units;
  const max = isPrice ? s.max_price_ticks : s.max_qty_lots;
  const spec = isPrice ? Reject.PRICE_OUT_OF_RANGE : Reject.QUANTITY_OUT_OF_RANGE;
  if (u % step !== 0 || u === 0 || u / step > max) throw filterFailure(filter, spec);
}

function units(name: string, text: string, decimals: number, filter: string): number {
  try {
    return parseUnits(text, decimals, name);
  } catch (err) {
    if (!(err instanceof BourseError)) throw err;
    if (err.spec === Reject.BAD_PRECISION) {
      throw badRequest(
        BINANCE_CODES.BAD_PRECISION,
        `Parameter '${name}' has too much precision.`,
        Reject.BAD_PRECISION,
      );
    }
    if (err.spec === Reject.AMOUNT_OVERFLOW) throw filterFailure(filter, Reject.AMOUNT_OVERFLOW);
    throw illegal(name, "^([0-9]{1,20})(\\.[0-9]{1,20})?$");
  }
}
