// The one canonical set of enums. Every service, every wire format and every
// database table uses these numeric codes; the names are what JSON shows.
// Zero is never a valid value so that an unset field cannot pass as one.

export const Side = { Buy: 1, Sell: 2 } as const;
export type Side = (typeof Side)[keyof typeof Side];

export const OrderType = { Limit: 1, Market: 2 } as const;
export type OrderType = (typeof OrderType)[keyof typeof OrderType];

export const TimeInForce = { GTC: 1, IOC: 2, FOK: 3 } as const;
export type TimeInForce = (typeof TimeInForce)[keyof typeof TimeInForce];

export const OrderStatus = {
  New: 1,
  PartiallyFilled: 2,
  Filled: 3,
  Cancelled: 4,
  Rejected: 5,
  Expired: 6,
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

/** Self-trade prevention: what happens when a taker would match its own user's resting order. */
export const Stp = { ExpireTaker: 1, ExpireMaker: 2, ExpireBoth: 3 } as const;
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

export const CommandKind = { Deposit: 1, Withdraw: 2, Place: 3, Cancel: 4 } as const;
export type CommandKind = (typeof CommandKind)[keyof typeof CommandKind];

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

/** Parse an enum by its canonical name; undefined when the name is not one. */
export function parseEnum<T extends Record<string, number>>(
  e: T,
  name: string,
): T[keyof T] | undefined {
  return Object.hasOwn(e, name) ? (e[name as keyof T] as T[keyof T]) : undefined;
}

export function isTerminal(status: OrderStatus): boolean {
  return status >= OrderStatus.Filled;
}
