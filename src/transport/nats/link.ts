// One NATS connection, shared by a process's event log and RPC. It reconnects
// forever (a service outlives a server restart); users learn about reconnects
// through an epoch that grows with each one, because whatever they had in
// flight on the old connection is lost: NATS drops the client's unsent buffer
// when it dials again, and the server forgets the old connection's requests.

import { connect, type NatsConnection } from "@nats-io/transport-node";
import { TransportError } from "../types.ts";
import { coalesceWrites } from "./coalesce.ts";

export interface NatsConnectOptions {
  /** One URL or several (a cluster), e.g. "nats://127.0.0.1:4222". */
  servers: string | readonly string[];
  /** Client name shown in the server's connection list. */
  name?: string;
  /** Default 5000. */
  connect_timeout_ms?: number;
  /** Pause between reconnect attempts to one server; default 250. */
  reconnect_wait_ms?: number;
  /** Client pings; a server that misses 3 in a row counts as gone. Default 10000. */
  ping_interval_ms?: number;
}

export class NatsLink {
  private connected = true;
  private closed = false;
  private epoch_ = 0;
  private refs = 0;
  private readonly listeners = new Set<() => void>();
  private closing: Promise<void> | null = null;

  /** Whether writes are flushed once per event-loop turn (see coalesce.ts). */
  readonly coalesced: boolean;

  private constructor(readonly nc: NatsConnection) {
    this.coalesced = coalesceWrites(nc);
    void this.watch();
  }

  static async open(opts: NatsConnectOptions): Promise<NatsLink> {
    const servers = typeof opts.servers === "string" ? [opts.servers] : [...opts.servers];
    try {
      const nc = await connect({
        servers,
        ...(opts.name === undefined ? {} : { name: opts.name }),
        timeout: opts.connect_timeout_ms ?? 5000,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: opts.reconnect_wait_ms ?? 250,
        pingInterval: opts.ping_interval_ms ?? 10_000,
        maxPingOut: 3,
        // An Error with a stack per request costs more than the publish itself.
        noAsyncTraces: true,
      });
      return new NatsLink(nc);
    } catch (err) {
      throw new TransportError(
        "UNAVAILABLE",
        `cannot connect to NATS at ${servers.join(", ")}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
  }

  private async watch(): Promise<void> {
    void this.nc.closed().then(() => {
      this.closed = true;
      this.connected = false;
      this.changed();
    });
    for await (const s of this.nc.status()) {
      if (s.type === "disconnect") {
        this.connected = false;
        this.changed();
      } else if (s.type === "reconnect") {
        this.connected = true;
        this.epoch_++;
        this.changed();
      }
    }
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Connected and not closed: what readiness probes report. */
  get ready(): boolean {
    return this.connected && !this.closed;
  }

  /** Grows by one on every reconnect. */
  get epoch(): number {
    return this.epoch_;
  }

  isClosed(): boolean {
    return this.closed;
  }

  /** Calls listener at every disconnect, reconnect and close, until the returned function is called. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves at the next disconnect, reconnect or close, or after wait_ms. */
  nextChange(wait_ms = Number.POSITIVE_INFINITY): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const off = this.onChange(() => {
        clearTimeout(timer);
        off();
        resolve();
      });
      if (wait_ms !== Number.POSITIVE_INFINITY) {
        timer = setTimeout(() => {
          off();
          resolve();
        }, wait_ms);
      }
    });
  }

  /** Resolves once connected; rejects when closed or at the deadline (epoch ms). */
  async whenReady(deadline_ms: number): Promise<void> {
    while (!this.ready) {
      if (this.closed) throw new TransportError("CLOSED", "NATS connection is closed");
      const left = deadline_ms - Date.now();
      if (left <= 0) throw new TransportError("UNAVAILABLE", "NATS server unreachable");
      await this.nextChange(left);
    }
  }

  /** Counts a user; the connection is drained when the last one releases it. */
  retain(): void {
    this.refs++;
  }

  release(): Promise<void> {
    this.refs--;
    return this.refs <= 0 ? this.close() : Promise.resolve();
  }

  /** Drains (delivers what was received, flushes what was sent) and closes. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.closing = this.closed ? Promise.resolve() : this.nc.drain().catch(() => this.nc.close());
      this.closing = this.closing.then(() => this.nc.closed()).then(() => undefined);
    }
    return this.closing;
  }
}
