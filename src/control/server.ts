// The control channel of a running exchange: a Unix socket in its data folder
// (mode 0600, in a folder of mode 0700, so only the exchange's account can use
// it) on which operator commands ask for a snapshot or a status. It replaces
// signals sent to a pid read from a file, which could reach an unrelated
// process and shared a signal with shutdown. The process that holds the data
// folder's lock serves it; what it can do comes from a ControlTarget the
// running service provides once it is up.

import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { ApiError } from "../core/mod.ts";
import { lockDataDir } from "./lock.ts";
import {
  type ControlAnswer,
  type ControlRequest,
  errorAnswer,
  MAX_REQUEST_BYTES,
  okAnswer,
  parseRequest,
  type RunState,
  type SnapshotAnswer,
  type StatusAnswer,
  socketPathOf,
} from "./protocol.ts";

/** What a running service offers its operators. */
export interface ControlTarget {
  /** Write a snapshot now; resolves once it is durable. */
  snapshot(): Promise<SnapshotAnswer>;
  /** Facts about the running service for `status` (positions, readiness). */
  status(): Record<string, unknown>;
}

export interface ControlOptions {
  data_dir: string;
  /** What runs: "start", "ubscore", ... */
  service: string;
  /** How long a connection may take to send its request. Default 5000. */
  request_timeout_ms?: number;
}

export interface Control {
  /** The socket path served. */
  readonly path: string;
  /** Hand over the running service: from now on requests reach it. */
  serve(target: ControlTarget): void;
  /** Say the process is stopping: snapshots are refused from now on. */
  stopping(): void;
  /** Stop serving, remove the socket and release the data folder. Idempotent. */
  close(): Promise<void>;
}

/**
 * Create the data folder (0700) if needed, take its lock, and serve the
 * control socket. Until serve() the process answers status "starting" and
 * refuses snapshots. The socket and the lock are removed on close() and, at
 * the latest, when the process exits by any path but SIGKILL (after which the
 * next start finds the lock stale).
 */
export async function openControl(opts: ControlOptions): Promise<Control> {
  mkdirSync(opts.data_dir, { recursive: true, mode: 0o700 });
  const path = socketPathOf(opts.data_dir);
  const unlock = lockDataDir(opts.data_dir, opts.service);
  const started_ms = Date.now();
  let target: ControlTarget | null = null;
  let state: RunState = "starting";
  let server: Server | null = null;
  const removeSocket = () => rmSync(path, { force: true });
  const atExit = () => {
    if (server !== null) removeSocket();
    unlock();
  };
  process.once("exit", atExit);
  try {
    // We hold the lock, so a socket file left here is a crashed owner's.
    removeSocket();
    server = await listen(path, (socket) =>
      answer(socket, opts.request_timeout_ms ?? 5000, (req) => handle(req)),
    );
    chmodSync(path, 0o600);
  } catch (err) {
    process.removeListener("exit", atExit);
    server?.close();
    if (server !== null) removeSocket();
    unlock();
    throw err;
  }
  const live = server;

  async function handle(req: ControlRequest): Promise<ControlAnswer<unknown>> {
    if (req.op === "status") {
      const status: StatusAnswer = {
        service: opts.service,
        pid: process.pid,
        data_dir: opts.data_dir,
        state,
        started_ms,
        details: target?.status() ?? {},
      };
      return okAnswer(status);
    }
    if (target === null || state !== "ready") {
      return errorAnswer(ApiError.UNAVAILABLE, `the exchange is ${state}; no snapshot taken`);
    }
    return okAnswer(await target.snapshot());
  }

  let closing: Promise<void> | null = null;
  return {
    path,
    serve(t) {
      target = t;
      if (state === "starting") state = "ready";
    },
    stopping() {
      state = "stopping";
    },
    close() {
      closing ??= (async () => {
        state = "stopping";
        await new Promise<void>((resolve) => live.close(() => resolve()));
        removeSocket();
        unlock();
        process.removeListener("exit", atExit);
      })();
      return closing;
    },
  };
}

function listen(path: string, onConnection: (s: Socket) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(onConnection);
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      // A connection must not keep the process from exiting once everything else stopped.
      server.unref();
      resolve(server);
    });
  });
}

/** Read one request line, write one answer line, close. */
function answer(
  socket: Socket,
  timeout_ms: number,
  handle: (req: ControlRequest) => Promise<ControlAnswer<unknown>>,
): void {
  let buf = "";
  let done = false;
  const reply = (a: ControlAnswer<unknown>) => {
    if (done) return;
    done = true;
    socket.setTimeout(0);
    socket.end(`${JSON.stringify(a)}\n`);
  };
  socket.setEncoding("utf8");
  socket.setTimeout(timeout_ms, () => {
    reply(errorAnswer(ApiError.TIMEOUT, `no complete request line within ${timeout_ms} ms`));
  });
  socket.on("error", () => socket.destroy());
  socket.on("data", (chunk: string) => {
    if (done) return;
    buf += chunk;
    const nl = buf.indexOf("\n");
    if (nl < 0) {
      if (buf.length > MAX_REQUEST_BYTES) {
        reply(
          errorAnswer(ApiError.VALIDATION, `a request line is at most ${MAX_REQUEST_BYTES} bytes`),
        );
      }
      return;
    }
    const parsed = parseRequest(buf.slice(0, nl));
    if ("status" in parsed) {
      reply(parsed);
      return;
    }
    // The request is complete; a long snapshot must not trip the request timeout.
    socket.setTimeout(0);
    handle(parsed).then(reply, (err: unknown) =>
      reply(
        errorAnswer(
          ApiError.INTERNAL,
          `${parsed.op} failed: ${err instanceof Error ? err.message : String(err)}`,
        ),
      ),
    );
  });
}
