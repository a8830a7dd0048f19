// The one canonical set of enums. Every service, every wire format and every
// database table uses these numeric codes; the names are what JSON shows.
// Zero is never a valid value so that an unset field cannot pass as one.

/** @public */
export const Side = { Buy: 1, Sell: 2 } as const;
/** @public */
export type Side = (typeof Side)[keyof typeof Side];

/**
 * Limit and Market trade at once (or rest, for a GTC limit). The four stop
 * types wait, off the book, until the symbol's last trade price reaches their
 * stop price, then act as a market order (StopLoss, TakeProfit) or a limit
 * order (StopLossLimit, TakeProfitLimit). StopLoss* buys trigger on a rise to
 * the stop price and sells on a fall; TakeProfit* the other way round.
 * @public
 * @public
 */
export const OrderType = {
  Limit: 1,
  Market: 2,
  StopLoss: 3,
  StopLossLimit: 4,
  TakeProfit: 5,
  TakeProfitLimit: 6,
} as const;
/** @public */
export type OrderType = (typeof OrderType)[keyof typeof OrderType];

/** @public */
export const TimeInForce = { GTC: 1, IOC: 2, FOK: 3 } as const;
/** @public */
export type TimeInForce = (typeof TimeInForce)[keyof typeof TimeInForce];

/** @public */
export const OrderStatus = {
  New: 1,
  PartiallyFilled: 2,
  Filled: 3,
  Cancelled: 4,
  Rejected: 5,
  Expired: 6,
  /** A stop order (or an OCO's stop leg) accepted and waiting, off the book, for its trigger. */
  Untriggered: 7,
  /**
   * Reported once, when a stop's trigger is reached; the same output then
   * reports what the order did as a market or limit order.
   */
  Triggered: 8,
} as const;
/** @public */
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

/**
 * Self-trade prevention: what happens when a taker would match its own user's resting order.
 * @public
 * @public
 */
export const Stp = { ExpireTaker: 1, ExpireMaker: 2, ExpireBoth: 3 } as const;
/** @public */
export type Stp = (typeof Stp)[keyof typeof Stp];
export const STP_DEFAULT: Stp = Stp.ExpireMaker;

/** What moved money in a balance event; stored in the ledger. */
export const BalanceKind = {
  Deposit: 1,
  Withdraw: 2,
  Freeze: 3,
  Release: 4,
  TradeDebit: 5,
  TradeCredit: 6,
  FeeCredit: 7,
} as const;
export type BalanceKind = (typeof BalanceKind)[keyof typeof BalanceKind];

/** The one registry of command kinds: the first byte of a command on the wire and in journals. */
export const CommandKind = {
  Deposit: 1,
  Withdraw: 2,
  Place: 3,
  Cancel: 4,
  PlaceOco: 5,
  Amend: 6,
  CancelReplace: 7,
  CancelAll: 8,
  CancelAllAfter: 9,
  Tick: 10,
} as const;
export type CommandKind = (typeof CommandKind)[keyof typeof CommandKind];

/**
 * What a cancel-replace does when one half fails. StopOnFailure is all or
 * nothing: if the cancel or the new order would be refused, nothing changes.
 * AllowFailure does each half that can be done.
 * @public
 * @public
 */
export const CancelReplaceMode = { StopOnFailure: 1, AllowFailure: 2 } as const;
/** @public */
export type CancelReplaceMode = (typeof CancelReplaceMode)[keyof typeof CancelReplaceMode];

function namesOf<T extends Record<string, number>>(e: T): Record<number, keyof T & string> {
  const out: Record<number, keyof T & string> = {};
  for (const [name, code] of Object.entries(e)) out[code] = name as keyof T & string;
  return out;
}

export const sideName = namesOf(Side);
export const orderTypeName = namesOf(OrderType);
export const tifName = namesOf(TimeInForce);
export const statusName = namesOf(OrderStatus);
export const stpName = namesOf(Stp);
export const balanceKindName = namesOf(BalanceKind);
export const commandKindName = namesOf(CommandKind);
export const cancelReplaceModeName = namesOf(CancelReplaceMode);

/** Parse an enum by its canonical name; undefined when the name is not one. */
export function parseEnum<T extends Record<string, number>>(
  e: T,
  name: string,
): T[keyof T] | undefined {
  return Object.hasOwn(e, name) ? (e[name as keyof T] as T[keyof T]) : undefined;
}

/** Filled, Cancelled, Rejected and Expired end an order; New, PartiallyFilled, Untriggered and Triggered do not. */
export function isTerminal(status: OrderStatus): boolean {
  return status >= OrderStatus.Filled && status <= OrderStatus.Expired;
}

/** The four stop types. */
export function isStopType(t: OrderType): boolean {
  return t >= OrderType.StopLoss && t <= OrderType.TakeProfitLimit;
}

/** Types that trade as a market order (once triggered, for stops). */
export function isMarketLike(t: OrderType): boolean {
  return t === OrderType.Market || t === OrderType.StopLoss || t === OrderType.TakeProfit;
}

/**
 * True when a stop of this type and side triggers on a rising price (last
 * trade price >= stop price), false when on a falling one (<= stop price).
 */
export function triggersOnRise(t: OrderType, side: Side): boolean {
  const stopLoss = t === OrderType.StopLoss || t === OrderType.StopLossLimit;
  return stopLoss === (side === Side.Buy);
}
