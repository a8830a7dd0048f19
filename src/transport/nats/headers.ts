// Bourse headers travel as NATS headers, keys exactly as given. Keys starting
// with "Nats-" belong to NATS and JetStream (message id, expectations, direct
// get metadata): producers may not set them and consumers never see them.

import { type MsgHdrs, headers as natsHeaders } from "@nats-io/transport-node";
import type { Headers } from "../types.ts";

const RESERVED_RE = /^nats-/i;
/** Header keys are HTTP-like tokens. NATS trims values, so a value is one line without
 * surrounding white space: anything else could not come back exactly as sent. */
const KEY_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const VALUE_RE = /^(?:[^\s](?:[^\r\n]*[^\s])?)?$/;

export function checkHeaders(h: Headers | undefined): void {
  if (h === undefined) return;
  for (const [k, v] of Object.entries(h)) {
    if (RESERVED_RE.test(k))
      throw new RangeError(`header ${k}: keys starting with Nats- are reserved`);
    if (!KEY_RE.test(k)) throw new RangeError(`header ${JSON.stringify(k)}: not a valid key`);
    if (!VALUE_RE.test(v))
      throw new RangeError(
        `header ${k}: value must be one line without leading or trailing white space`,
      );
  }
}

/** A fresh NATS header set: the JetStream client adds its own keys to it. */
export function toNats(h: Headers | undefined): MsgHdrs {
  const out = natsHeaders();
  if (h !== undefined) for (const [k, v] of Object.entries(h)) out.set(k, v);
  return out;
}

export function fromNats(h: MsgHdrs | undefined): Headers {
  const out: Headers = {};
  if (h === undefined) return out;
  for (const [k, values] of h) {
    if (RESERVED_RE.test(k)) continue;
    out[k] = values[0] ?? "";
  }
  return out;
}
