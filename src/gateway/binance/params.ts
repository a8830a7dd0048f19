// Binance request parameters: one set of name=value pairs taken from the query
// string and an application/x-www-form-urlencoded body (the query wins when a
// name is in both, as Binance documents). Every route reads what it knows and
// then calls done(): a parameter nobody read is an error (-1104), as Binance
// answers it, so a misspelt option never silently does nothing.

import { BINANCE_CODES, badRequest, illegal, mandatory } from "./errors.ts";

/** The most parameters one request may carry (the longest route reads about 15). */
export const MAX_PARAMS = 40;

const LONG_RE = /^[0-9]{1,16}$/;
const DECIMAL_RE = /^[0-9]{1,20}(\.[0-9]{1,20})?$/;

export class Params {
  private readonly values: Map<string, string>;
  private readonly read = new Set<string>();

  private constructor(values: Map<string, string>) {
    this.values = values;
  }

  /** The parameters of a raw query string and a raw form body (either may be empty). */
  static parse(query: string, body: string): Params {
    const fromQuery = pairs(query);
    const values = new Map(pairs(body));
    for (const [k, v] of fromQuery) values.set(k, v);
    if (values.size > MAX_PARAMS) {
      throw badRequest(
        BINANCE_CODES.TOO_MANY_PARAMETERS,
        `Too many parameters; expected '${MAX_PARAMS}' and received '${values.size}'.`,
      );
    }
    return new Params(values);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The value as sent, or undefined; an empty value is an error (-1105). */
  str(name: string): string | undefined {
    this.read.add(name);
    const v = this.values.get(name);
    if (v === "") {
      throw badRequest(BINANCE_CODES.PARAM_EMPTY, `Parameter '${name}' was empty.`);
    }
    return v;
  }

  required(name: string): string {
    const v = this.str(name);
    if (v === undefined) throw mandatory(name);
    return v;
  }

  /** A non-negative integer below 2^53 (ids, times). */
  long(name: string): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (!LONG_RE.test(v) || !Number.isSafeInteger(Number(v))) {
      throw illegal(name, "^[0-9]{1,16}$");
    }
    return Number(v);
  }

  /** An integer in [min, max]; outside is -1100 with the range, as Binance phrases it. */
  int(name: string, min: number, max: number): number | undefined {
    const v = this.long(name);
    if (v === undefined) return undefined;
    if (v < min || v > max) {
      throw badRequest(
        BINANCE_CODES.ILLEGAL_CHARS,
        `Illegal characters found in parameter '${name}'; legal range is '${min}..${max}'.`,
      );
    }
    return v;
  }

  /** A plain decimal string (digits, optional point and digits); units are checked by the caller. */
  decimal(name: string): string | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (!DECIMAL_RE.test(v)) throw illegal(name, "^([0-9]{1,20})(\\.[0-9]{1,20})?$");
    return v;
  }

  /** One of `allowed`, or the given error. */
  oneOf<T extends string>(
    name: string,
    allowed: readonly T[],
    invalid: () => Error,
  ): T | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) throw invalid();
    return v as T;
  }

  /** "true" or "false". */
  bool(name: string): boolean | undefined {
    const v = this.oneOf(name, ["true", "false"] as const, () => illegal(name, "true|false"));
    return v === undefined ? undefined : v === "true";
  }

  /** Fails with -1104 when a parameter was sent that no one read. */
  done(): void {
    const unread = [...this.values.keys()].filter((k) => !this.read.has(k));
    if (unread.length === 0) return;
    throw badRequest(
      BINANCE_CODES.UNREAD_PARAMETERS,
      `Not all sent parameters were read; read '${this.values.size - unread.length}' parameter(s) but was sent '${this.values.size}' (not read: ${unread.join(", ")}).`,
    );
  }
}

/** name=value pairs of one part; a name twice in the same part is -1101. */
function pairs(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  if (raw === "") return out;
  let decoded: URLSearchParams;
  try {
    decoded = new URLSearchParams(raw);
  } catch {
    throw badRequest(BINANCE_CODES.ILLEGAL_CHARS, "Illegal characters found in a parameter.");
  }
  for (const [k, v] of decoded) {
    if (out.has(k)) {
      throw badRequest(
        BINANCE_CODES.TOO_MANY_PARAMETERS,
        `Duplicate values for a parameter detected (${k}).`,
      );
    }
    out.set(k, v);
  }
  return out;
}
