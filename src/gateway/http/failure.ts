// Every way a request can fail, mapped to one registry entry and a message a
// person can act on. The gateway never answers a failure with a 200, a plain
// text body or an empty one.

import { ApiError, allErrors, BourseError, type ErrorSpec } from "../../core/mod.ts";
import { TransportError } from "../../transport/mod.ts";
import type { ErrorBody } from "./schemas.ts";

/** A registry error that also carries data for the failure envelope (an order that was rejected). */
export class FailureWithData extends BourseError {
  constructor(
    spec: ErrorSpec,
    detail: string,
    readonly data: unknown,
  ) {
    super(spec, detail);
  }
}

const byCode = new Map<string, ErrorSpec>(allErrors.map((e) => [e.code, e]));

/** The registry entry of a code UBSCore answered with; never one whose status is a success. */
export function specOfCode(code: string): ErrorSpec {
  const spec = byCode.get(code);
  return spec !== undefined && spec.http >= 400 ? spec : ApiError.INTERNAL;
}

interface ValidationIssue {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function fieldOf(where: string, path: string): string {
  const tail = path.replace(/^\//, "").replaceAll("/", ".");
  return tail === "" ? where : `${where}.${tail}`;
}

/** One sentence per offending field, each naming it: "body.side must be one of Buy, Sell". */
export function validationMessage(where: string, issues: readonly ValidationIssue[]): string {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (text: string) => {
    if (!seen.has(text)) {
      seen.add(text);
      out.push(text);
    }
  };
  for (const i of issues) {
    const field = fieldOf(where, i.instancePath ?? "");
    const p = i.params ?? {};
    switch (i.keyword) {
      case "required": {
        const missing = (p.requiredProperties as string[] | undefined) ?? [];
        for (const name of missing) add(`${fieldOf(where, `/${name}`)} is required`);
        break;
      }
      case "additionalProperties": {
        const extra = (p.additionalProperties as string[] | undefined) ?? [];
        for (const name of extra) add(`${fieldOf(where, `/${name}`)} is not a known field`);
        break;
      }
      case "boolean":
        // TypeBox reports an unknown field twice; "additionalProperties" names it.
        break;
      case "enum": {
        const allowed = (p.allowedValues as unknown[] | undefined) ?? [];
        add(`${field} must be one of ${allowed.join(", ")}`);
        break;
      }
      case "pattern":
        add(`${field} has an invalid format`);
        break;
      case "type":
        // Query integers are taken only in plain digits (validate.ts); say so.
        add(
          p.type === "integer"
            ? `${field} must be an integer in plain digits`
            : `${field} ${i.message ?? "is invalid"}`,
        );
        break;
      default:
        add(`${field} ${i.message ?? "is invalid"}`);
    }
  }
  return out.length === 0 ? `${where} is invalid` : out.join("; ");
}

interface Classified {
  spec: ErrorSpec;
  msg: string;
  data?: unknown;
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: ValidationIssue[];
  validationContext?: string;
}

/**
 * The registry entry and message of any error a route, a hook or fastify (or
 * one of its plugins) raised. Framework errors are mapped by their status to
 * an entry of ours with a message of ours: their own text never reaches the
 * client under an unrelated code.
 */
export function classify(err: unknown, body_limit_bytes: number, path = "/"): Classified {
  if (err instanceof FailureWithData) {
    return { spec: err.spec, msg: err.detail ?? err.spec.message, data: err.data };
  }
  if (err instanceof BourseError) return { spec: err.spec, msg: err.detail ?? err.spec.message };
  if (err instanceof TransportError) {
    return err.code === "TIMEOUT"
      ? { spec: ApiError.TIMEOUT, msg: ApiError.TIMEOUT.message }
      : { spec: ApiError.UNAVAILABLE, msg: `${ApiError.UNAVAILABLE.message}: ${err.message}` };
  }
  const e = (err ?? {}) as FastifyLikeError;
  switch (e.code) {
    case "FST_ERR_VALIDATION":
      return {
        spec: ApiError.VALIDATION,
        msg: validationMessage(e.validationContext ?? "request", e.validation ?? []),
      };
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { spec: ApiError.VALIDATION, msg: `body is larger than ${body_limit_bytes} bytes` };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return {
        spec: ApiError.UNSUPPORTED_MEDIA_TYPE,
        msg: ApiError.UNSUPPORTED_MEDIA_TYPE.message,
      };
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return { spec: ApiError.BAD_JSON, msg: ApiError.BAD_JSON.message };
  }
  switch (e.statusCode) {
    case 403:
    case 404:
    case 405:
      // A file the docs plugin will not serve (a path leaving its folder) is as absent as any other.
      return { spec: ApiError.NOT_FOUND, msg: `nothing to serve at ${path}` };
    case 408:
      return { spec: ApiError.REQUEST_TIMEOUT, msg: ApiError.REQUEST_TIMEOUT.message };
    case 413:
      return { spec: ApiError.VALIDATION, msg: `body is larger than ${body_limit_bytes} bytes` };
    case 415:
      return {
        spec: ApiError.UNSUPPORTED_MEDIA_TYPE,
        msg: ApiError.UNSUPPORTED_MEDIA_TYPE.message,
      };
    case 431:
      return { spec: ApiError.HEADERS_TOO_LARGE, msg: ApiError.HEADERS_TOO_LARGE.message };
    case 503:
      return { spec: ApiError.UNAVAILABLE, msg: ApiError.UNAVAILABLE.message };
  }
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    return { spec: ApiError.BAD_REQUEST, msg: `${ApiError.BAD_REQUEST.message}: ${e.message}` };
  }
  return { spec: ApiError.INTERNAL, msg: ApiError.INTERNAL.message };
}

export function errorBody(c: Classified): ErrorBody {
  const body: ErrorBody = { status: c.spec.id, msg: c.msg, code: c.spec.code };
  if (c.data !== undefined) body.data = c.data;
  return body;
}

/** The failure UBSCore's refusal code stands for. */
export function refusal(code: string, detail?: string): BourseError {
  const spec = specOfCode(code);
  return new BourseError(spec, detail ?? spec.message);
}
