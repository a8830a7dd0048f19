// How a `bourse` process starts and ends, the same for every command that runs
// services: a start that fails undoes what it had started and says why in one
// line (no stack trace), a signal stops it gracefully with a log line, and an
// uncaught error is logged before the process exits non-zero.

import closeWithGrace from "close-with-grace";
import { Marker } from "../core/mod.ts";
import { logLifecycle, type ServiceLogger } from "../obs/mod.ts";

/** Set BOURSE_DEBUG=1 to get stack traces with start errors. */
export const DEBUG_ENV = "BOURSE_DEBUG";

/** One line for a person: the error's message and its causes, no stack. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const x = e as NodeJS.ErrnoException & { address?: string; port?: number };
    if (x.code === "EADDRINUSE" && x.port !== undefined) {
      parts.push(`port ${x.port} on ${x.address ?? "this host"} is already in use`);
    } else if (x.code === "EACCES" && x.syscall === "listen" && x.port !== undefined) {
      parts.push(`no permission to listen on port ${x.port}`);
    } else {
      const text = e instanceof Error ? e.message : String(e);
      if (!parts.some((p) => p.includes(text))) parts.push(text);
    }
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(": ").replaceAll("\n", " ");
}

/** Print a command's failure as one line on stderr (plus the stack with BOURSE_DEBUG=1). */
export function reportFailure(command: string, err: unknown): void {
  process.stderr.write(`bourse ${command}: ${describeError(err)}\n`);
  if (process.env[DEBUG_ENV] === "1" && err instanceof Error && err.stack !== undefined) {
    process.stderr.write(`${err.stack}\n`);
  }
}

/**
 * What a start has set up so far, undone in reverse order when a later step
 * fails, so a failed start leaves no lock, socket or open journal behind.
 */
export class Startup {
  private readonly undo: (() => Promise<unknown> | unknown)[] = [];

  /** Remember how to undo a step that succeeded. */
  did(undo: () => Promise<unknown> | unknown): void {
    this.undo.push(undo);
  }

  async unwind(): Promise<void> {
    for (const u of this.undo.reverse()) {
      try {
        await u();
      } catch {
        // The start already failed; the first error is the one to report.
      }
    }
    this.undo.length = 0;
  }
}

export interface GracefulOptions {
  /** Where the process's lifecycle lines go (every service log of the process). */
  loggers: readonly ServiceLogger[];
  /** Stops everything; the last log lines are written before it closes the logs. */
  stop: () => Promise<void>;
  /** Longest a graceful stop may take before the process exits 1 anyway. */
  delay_ms?: number;
}

function logAll(loggers: readonly ServiceLogger[], f: (l: ServiceLogger) => void): void {
  for (const l of loggers) {
    try {
      f(l);
    } catch {
      // A logger that fails must not keep the process from stopping.
    }
  }
}

/**
 * SIGINT, SIGTERM (and the other terminating signals) stop gracefully with a
 * log line; an uncaught exception or unhandled rejection is logged, then the
 * process stops and exits 1. SIGUSR2 no longer stops anything: it is ignored
 * with a log line (`bourse snapshot` uses the control socket).
 */
export function onStopSignals(o: GracefulOptions): void {
  process.on("SIGUSR2", () =>
    logAll(o.loggers, (l) =>
      logLifecycle(
        l,
        Marker.SIGNAL_IGNORED,
        { signal: "SIGUSR2" },
        "SIGUSR2 ignored; `bourse snapshot` asks through the control socket",
      ),
    ),
  );
  closeWithGrace(
    {
      delay: o.delay_ms ?? 10_000,
      skip: ["SIGUSR2"],
      logger: false,
      onTimeout: (delay_ms) => {
        process.stderr.write(`bourse: graceful stop took longer than ${delay_ms} ms; exiting\n`);
      },
    },
    async ({ err, signal }) => {
      if (err !== undefined) {
        process.exitCode = 1;
        logAll(o.loggers, (l) =>
          logLifecycle(l, Marker.UNCAUGHT_ERROR, { err }, "uncaught error; stopping"),
        );
        process.stderr.write(`bourse: uncaught error, stopping: ${describeError(err)}\n`);
      } else {
        const why = signal ?? "end of work";
        logAll(o.loggers, (l) =>
          logLifecycle(
            l,
            Marker.SERVICE_STOPPING,
            { signal: signal ?? null },
            `stopping on ${why}`,
          ),
        );
      }
      await o.stop();
    },
  );
}
