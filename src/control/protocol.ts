// The control channel's wire format, shared by the running exchange that
// serves it and the `bourse` commands that ask it: one JSON request line, one
// JSON answer line, then the connection closes. Answers use the HTTP API's
// envelope and error registry, so an operator reads one vocabulary everywhere.

import { relative, resolve } from "node:path";
import { ApiError, type ErrorSpec } from "../core/mod.ts";

/** The socket in a data folder; mode 0600, inside a folder of mode 0700. */
export const CONTROL_SOCKET = "bourse.sock";

/** A request line longer than this is refused (no request needs more). */
export const MAX_REQUEST_BYTES = 4096;

export const CONTROL_OPS = ["snapshot", "status"] as const;
export type ControlOp = (typeof CONTROL_OPS)[number];

export interface ControlRequest {
  op: ControlOp;
}

export interface SnapshotAnswer {
  /** The last input the snapshot covers. */
  seq: number;
  /** The snapshot file, durable when the answer is sent. */
  path: string;
}

export type RunState = "starting" | "ready" | "stopping";

export interface StatusAnswer {
  /** What runs: "start" (the embedded exchange) or a distributed service's name. */
  service: string;
  pid: number;
  data_dir: string;
  state: RunState;
  started_ms: number;
  /** What the running service adds (its positions, readiness). */
  details: Record<string, unknown>;
}

export type ControlAnswer<T> =
  | { status: 0; msg: "ok"; data: T }
  | { status: number; msg: string; code: string };

export function okAnswer<T>(data: T): ControlAnswer<T> {
  return { status: 0, msg: "ok", data };
}

export function errorAnswer(spec: ErrorSpec, msg: string): ControlAnswer<never> {
  return { status: spec.id, msg, code: spec.code };
}

/** The request a line holds, or the reason it is not one. */
export function parseRequest(line: string): ControlRequest | ControlAnswer<never> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return errorAnswer(ApiError.BAD_JSON, "a control request is one JSON object on one line");
  }
  const op = (v as { op?: unknown } | null)?.op;
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    return errorAnswer(ApiError.VALIDATION, "a control request is a JSON object");
  }
  if (!CONTROL_OPS.includes(op as ControlOp)) {
    return errorAnswer(
      ApiError.VALIDATION,
      `op must be one of ${CONTROL_OPS.join(", ")} (got ${JSON.stringify(op ?? null)})`,
    );
  }
  return { op: op as ControlOp };
}

/** Unix socket paths are limited to 107 bytes on Linux (sun_path holds 108 with its NUL). */
export const SOCKET_PATH_BYTES_MAX = 107;

export class SocketPathTooLongError extends Error {
  constructor(readonly path: string) {
    super(
      `the control socket ${path} is ${Buffer.byteLength(path)} bytes, longer than the ${SOCKET_PATH_BYTES_MAX} a Unix socket path may have; use a data folder with a shorter path`,
    );
    this.name = "SocketPathTooLongError";
  }
}

/**
 * The path to listen on or connect to: the absolute one, or the one relative
 * to the working directory when only that fits the limit (both name the same
 * file from this process).
 */
export function socketPathOf(data_dir: string): string {
  const abs = resolve(data_dir, CONTROL_SOCKET);
  if (Buffer.byteLength(abs) <= SOCKET_PATH_BYTES_MAX) return abs;
  const rel = relative(process.cwd(), abs);
  if (Buffer.byteLength(rel) <= SOCKET_PATH_BYTES_MAX) return rel;
  throw new SocketPathTooLongError(abs);
}
