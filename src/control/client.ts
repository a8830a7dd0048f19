// Asking a running exchange through its control socket. Nothing listening is
// a clear "no exchange is running on <dir>", never a guess at a process.

import { connect } from "node:net";
import {
  CONTROL_SOCKET,
  type ControlAnswer,
  type ControlOp,
  type SnapshotAnswer,
  type StatusAnswer,
  socketPathOf,
} from "./protocol.ts";

export class ControlError extends Error {
  constructor(
    message: string,
    /** NOT_RUNNING: nothing answers on the socket; else the answer's error code. */
    readonly code: string,
  ) {
    super(message);
    this.name = "ControlError";
  }
}

export interface AskOptions {
  /** How long to wait for the answer. Default 120000 (a snapshot of a large state takes a while). */
  timeout_ms?: number;
}

/** Send one request to the exchange running on data_dir and return its answer's data. */
export function ask(data_dir: string, op: "snapshot", o?: AskOptions): Promise<SnapshotAnswer>;
export function ask(data_dir: string, op: "status", o?: AskOptions): Promise<StatusAnswer>;
export function ask(data_dir: string, op: ControlOp, o: AskOptions = {}): Promise<unknown> {
  const path = socketPathOf(data_dir);
  const timeout_ms = o.timeout_ms ?? 120_000;
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let buf = "";
    let settled = false;
    const finish = (err: ControlError | null, data?: unknown) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (err === null) resolve(data);
      else reject(err);
    };
    socket.setEncoding("utf8");
    socket.setTimeout(timeout_ms, () =>
      finish(new ControlError(`no answer from ${path} within ${timeout_ms} ms`, "TIMEOUT")),
    );
    socket.on("connect", () => socket.write(`${JSON.stringify({ op })}\n`));
    socket.on("error", (err: NodeJS.ErrnoException) => {
      const none = err.code === "ENOENT" || err.code === "ECONNREFUSED";
      finish(
        new ControlError(
          none
            ? `no exchange is running on ${data_dir} (nothing answers on its ${CONTROL_SOCKET})`
            : `cannot reach the exchange on ${data_dir}: ${err.message}`,
          none ? "NOT_RUNNING" : "UNREACHABLE",
        ),
      );
    });
    socket.on("data", (chunk: string) => {
      buf += chunk;
    });
    socket.on("end", () => {
      let a: ControlAnswer<unknown>;
      try {
        a = JSON.parse(buf) as ControlAnswer<unknown>;
      } catch {
        finish(new ControlError(`${path} answered something that is not JSON`, "UNREACHABLE"));
        return;
      }
      if (a.status === 0 && "data" in a) finish(null, a.data);
      else finish(new ControlError(a.msg, "code" in a ? a.code : "INTERNAL"));
    });
  });
}
