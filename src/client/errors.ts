// The one error the client throws: the gateway's failure envelope, or a
// failure to get one (no answer in time, no connection, not the gateway).

import { ApiError } from "../core/errors.ts";

export class BourseApiError extends Error {
  /** HTTP status; 0 when no response arrived. */
  readonly status: number;
  /** Stable error code from the registry (e.g. INSUFFICIENT_BALANCE, TIMEOUT). */
  readonly code: string;
  readonly msg: string;
  /** The envelope's numeric error id; 0 when there was no envelope. */
  readonly error_id: number;
  /** Extra data of the failure (a rejected order's state), when the gateway sent any. */
  readonly data: unknown;

  constructor(
    status: number,
    code: string,
    msg: string,
    extra: { error_id?: number; data?: unknown; cause?: unknown } = {},
  ) {
    super(`${code}: ${msg}`, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = "BourseApiError";
    this.status = status;
    this.code = code;
    this.msg = msg;
    this.error_id = extra.error_id ?? 0;
    this.data = extra.data;
  }
}

/** No answer within the client's timeout: like the gateway's TIMEOUT, the request may still apply. */
export function timeoutError(timeout_ms: number, cause: unknown): BourseApiError {
  return new BourseApiError(0, ApiError.TIMEOUT.code, `no answer within ${timeout_ms} ms`, {
    cause,
  });
}

export function unavailableError(msg: string, status = 0, cause?: unknown): BourseApiError {
  return new BourseApiError(status, ApiError.UNAVAILABLE.code, msg, { cause });
}
