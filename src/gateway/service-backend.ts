// The gateway's side of the services: commands go out on the event log with a
// reply address, UBSCore's answer comes back on this process's inbox; balances
// and depth are RPC queries; history comes from the settlement database.

import { randomBytes } from "node:crypto";
import {
  type CancelCmd,
  encodeCommand,
  type PlaceCmd,
  type Spec,
  type TransferCmd,
} from "../core/mod.ts";
import type { SettlementStore } from "../store/mod.ts";
import {
  type EventLog,
  Header,
  type Headers,
  type Rpc,
  Subject,
  Topic,
  TransportError,
} from "../transport/mod.ts";
import type { BalanceRow, CommandReply, OrderReply, TransferReply } from "../ubscore/mod.ts";
import type { Depth, ExchangeBackend } from "./backend.ts";

export interface ServiceBackendOptions {
  spec: Spec;
  log: EventLog;
  rpc: Rpc;
  store: SettlementStore;
  /** How long to wait for UBSCore's answer before answering 503 TIMEOUT. */
  timeout_ms?: number;
  /** Whether the transport is up right now (distributed mode: connected to NATS). */
  transport_ready?: () => boolean;
}

interface Waiting {
  resolve: (r: CommandReply) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const ENC = new TextEncoder();
const DEC = new TextDecoder();

export class ServiceBackend implements ExchangeBackend {
  readonly store: SettlementStore;
  private readonly inbox: { subject: string; stop(): void };
  private readonly waiting = new Map<string, Waiting>();
  /** Unique per gateway process, so command ids never collide between gateways. */
  private readonly instance = randomBytes(6).toString("hex");
  private n = 0;
  private is_ready = true;

  constructor(private readonly opts: ServiceBackendOptions) {
    this.store = opts.store;
    this.inbox = opts.rpc.inbox((payload, headers) => {
      const corr = headers[Header.Correlation];
      if (corr === undefined) return;
      const w = this.waiting.get(corr);
      if (w === undefined) return;
      this.waiting.delete(corr);
      clearTimeout(w.timer);
      w.resolve(JSON.parse(DEC.decode(payload)) as CommandReply);
    });
  }

  /** Create (or check) the topics this gateway publishes to; call before taking traffic. */
  async start(): Promise<void> {
    await this.opts.log.ensureTopics([Topic.BalanceOperations, Topic.Orders]);
  }

  setReady(ready: boolean): void {
    this.is_ready = ready;
  }

  ready(): boolean {
    return this.is_ready && (this.opts.transport_ready?.() ?? true);
  }

  private send(
    topic: string,
    cmd: TransferCmd | PlaceCmd | CancelCmd,
    headers: Headers = {},
  ): Promise<CommandReply> {
    // The HTTP layer's request id, when given, names the command in every
    // service's log lines; it is unique per gateway process like our own ids.
    const corr = headers[Header.Correlation] ?? `${this.instance}:${++this.n}`;
    const timeout_ms = this.opts.timeout_ms ?? 5000;
    return new Promise<CommandReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(corr);
        reject(new TransportError("TIMEOUT", `no answer from UBSCore within ${timeout_ms} ms`));
      }, timeout_ms);
      this.waiting.set(corr, { resolve, reject, timer });
      this.opts.log
        .publish(topic, encodeCommand(cmd), {
          id: `cmd:${corr}`,
          headers: { ...headers, [Header.ReplyTo]: this.inbox.subject, [Header.Correlation]: corr },
        })
        .catch((err: unknown) => {
          this.waiting.delete(corr);
          clearTimeout(timer);
          reject(
            new TransportError("UNAVAILABLE", "the event log refused the command", { cause: err }),
          );
        });
    });
  }

  async transfer(cmd: TransferCmd, headers?: Headers): Promise<TransferReply> {
    return (await this.send(Topic.BalanceOperations, cmd, headers)) as TransferReply;
  }

  async place(cmd: PlaceCmd, headers?: Headers): Promise<OrderReply> {
    return (await this.send(Topic.Orders, cmd, headers)) as OrderReply;
  }

  async cancel(cmd: CancelCmd, headers?: Headers): Promise<OrderReply> {
    return (await this.send(Topic.Orders, cmd, headers)) as OrderReply;
  }

  async balances(user_id: number): Promise<BalanceRow[]> {
    const bytes = await this.opts.rpc.request(
      Subject.Balances,
      ENC.encode(JSON.stringify({ user_id })),
      {
        timeout_ms: this.opts.timeout_ms ?? 5000,
      },
    );
    return JSON.parse(DEC.decode(bytes)) as BalanceRow[];
  }

  async depth(symbol_id: number, limit: number): Promise<Depth> {
    const s = this.opts.spec.symbolById[symbol_id];
    if (s === undefined) return { symbol_id, bids: [], asks: [] };
    const bytes = await this.opts.rpc.request(
      Subject.depth(s.name),
      ENC.encode(JSON.stringify({ limit })),
      {
        timeout_ms: this.opts.timeout_ms ?? 5000,
      },
    );
    return JSON.parse(DEC.decode(bytes)) as Depth;
  }

  close(): void {
    this.inbox.stop();
    for (const [corr, w] of this.waiting) {
      clearTimeout(w.timer);
      w.reject(new TransportError("CLOSED", "gateway is shutting down"));
      this.waiting.delete(corr);
    }
  }
}
