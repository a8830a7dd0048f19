// Publishing to one topic: publishes queue in call order and leave in batches,
// one batch in flight at a time, through an idempotent producer of the topic's
// own (acks from all in-sync replicas).
//
// Exactly once, in two layers:
// - A batch that failed (timeout, lost connection, broker restart) is sent
//   again unchanged by the same producer: same producer id, same sequence
//   numbers, so the broker stores it once and answers a repeat with the first
//   offsets. This is why one batch at a time: the client numbers a batch when
//   it is built and counts the numbers used only when it is acknowledged.
// - Kafka forgets nothing of a producer id across broker restarts, but a new
//   producer (a restarted process, or this one after giving up on its
//   producer) gets a new id, and the broker cannot know a message it sends is
//   a republication. So ids are also checked here: the topic's recently stored
//   ids are kept in memory (filled from the tail when the topic is ensured),
//   a publish of a known id answers with its first seq, and after a producer is
//   given up the tail is read again before anything else is sent. A producer is
//   given up when the broker refuses its sequence state, or when every message
//   of the batch is past its deadline.
//
// What the memory cannot see: two processes publishing the same new id at the
// same moment to a topic both write (each sees the tail before the other's
// write). JetStream dedupes that on the server; here it needs the consumer to
// skip an id it has already applied.

import type { Producer } from "@platformatic/kafka";
import { type Headers, TransportError } from "../types.ts";
import { backoff_ms, classify, describe } from "./errors.ts";
import { closeClient, type Fetcher } from "./fetcher.ts";
import type { IdMemory } from "./memory.ts";
import { fromRecord, type Outgoing, recordBytes, toRecord } from "./records.ts";

export interface PublishTuning {
  /** Give up on a message after this long, counted from the call. */
  deadline_ms: number;
  batch_messages_max: number;
  /** Below the broker's max.message.bytes (1 MiB by default): a batch is one "message" to it. */
  batch_bytes_max: number;
  /** Bytes read per fetch when reading the tail. */
  fetch_bytes: number;
}

interface Entry {
  id: string;
  record: Outgoing;
  bytes: number;
  deadline: number;
  promise: Promise<number>;
  resolve: (seq: number) => void;
  reject: (err: Error) => void;
}

export interface PublisherDeps {
  topic: string;
  kafka_topic: string;
  memory: IdMemory;
  /** The log's reader, for the tail. */
  reader: Fetcher;
  newProducer: () => Producer;
  /** Reports whether the broker answered the last attempt (for readiness). */
  health: (ok: boolean) => void;
}

export class TopicPublisher {
  private queue: Entry[] = [];
  /** Ids queued or in flight: a second publish of one waits for the first. */
  private readonly pending = new Map<string, Entry>();
  private producer: Producer | null = null;
  private running: Promise<void> | null = null;
  private needs_scan = false;
  private closed = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly deps: PublisherDeps,
    private readonly tuning: PublishTuning,
    /** Offset up to which the memory has read every id. */
    private scanned_to: bigint,
  ) {}

  publish(id: string, headers: Headers | undefined, payload: Uint8Array): Promise<number> {
    if (this.closed) return Promise.reject(closedError());
    const known = this.deps.memory.get(id);
    if (known !== undefined) return Promise.resolve(known);
    const same = this.pending.get(id);
    if (same !== undefined) return same.promise;
    const record = toRecord(this.deps.kafka_topic, id, headers, payload);
    const bytes = recordBytes(record);
    if (bytes > this.tuning.batch_bytes_max) {
      return Promise.reject(
        new RangeError(
          `publish ${id} to ${this.deps.topic}: ${bytes} bytes, more than the ${this.tuning.batch_bytes_max} a batch may hold`,
        ),
      );
    }
    let resolve: (seq: number) => void = () => {};
    let reject: (err: Error) => void = () => {};
    const promise = new Promise<number>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const e: Entry = {
      id,
      record,
      bytes,
      deadline: Date.now() + this.tuning.deadline_ms,
      promise,
      resolve,
      reject,
    };
    this.queue.push(e);
    this.pending.set(id, e);
    this.kick();
    return promise;
  }

  /** Runs the send loop unless it runs already; a publish that came as it ended starts it again. */
  private kick(): void {
    if (this.running !== null || this.closed) return;
    this.running = this.loop().finally(() => {
      this.running = null;
      if (this.queue.length > 0) this.kick();
    });
  }

  private settle(e: Entry, result: { seq: number } | { err: Error }): void {
    if (this.pending.get(e.id) === e) this.pending.delete(e.id);
    if ("seq" in result) e.resolve(result.seq);
    else e.reject(result.err);
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.closed && this.queue.length > 0) {
      if (this.needs_scan) {
        try {
          await this.scan();
          this.needs_scan = false;
          failures = 0;
        } catch (err) {
          if (this.closed) break;
          this.deps.health(false);
          this.expire(`reading the tail of ${this.deps.kafka_topic}: ${describe(err)}`);
          await this.pause(backoff_ms(failures++));
          continue;
        }
      }
      this.expire("");
      const batch = this.take();
      if (batch.length > 0) await this.send(batch);
    }
    if (this.closed) for (const e of this.queue.splice(0)) this.settle(e, { err: closedError() });
  }

  /** Rejects queued messages past their deadline (none of them is in flight). */
  private expire(last_error: string): void {
    const now = Date.now();
    if (!this.queue.some((e) => now >= e.deadline)) return;
    const why = last_error === "" ? "" : ` (last: ${last_error})`;
    this.queue = this.queue.filter((e) => {
      if (now < e.deadline) return true;
      this.settle(e, {
        err: new TransportError(
          "UNAVAILABLE",
          `publish ${e.id} to ${this.deps.topic}: not acknowledged within ${this.tuning.deadline_ms} ms${why}`,
        ),
      });
      return false;
    });
  }

  /** The next batch in call order; messages whose ids the memory now knows are answered instead. */
  private take(): Entry[] {
    const batch: Entry[] = [];
    let bytes = 0;
    let i = 0;
    for (; i < this.queue.length && batch.length < this.tuning.batch_messages_max; i++) {
      const e = this.queue[i] as Entry;
      const known = this.deps.memory.get(e.id);
      if (known !== undefined) {
        this.settle(e, { seq: known });
        continue;
      }
      if (bytes + e.bytes > this.tuning.batch_bytes_max && batch.length > 0) break;
      bytes += e.bytes;
      batch.push(e);
    }
    this.queue = this.queue.slice(i);
    return batch;
  }

  /** Sends one batch until it is stored, refused for good, or given up (then it goes back to the queue). */
  private async send(batch: Entry[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) {
        for (const e of batch) this.settle(e, { err: closedError() });
        return;
      }
      this.producer ??= this.deps.newProducer();
      try {
        const r = await this.producer.send({ messages: batch.map((e) => e.record) });
        const base = r.offsets?.find((o) => o.topic === this.deps.kafka_topic)?.offset;
        if (base === undefined) throw new Error("the broker's answer holds no offset");
        this.stored(batch, base);
        this.deps.health(true);
        return;
      } catch (err) {
        const kind = classify(err);
        if (this.closed) continue;
        this.deps.health(kind === "fatal");
        if (kind === "fatal") {
          const failure = new TransportError(
            "UNAVAILABLE",
            `publish to ${this.deps.topic}: ${describe(err)}`,
            { cause: err },
          );
          for (const e of batch) this.settle(e, { err: failure });
          return;
        }
        const now = Date.now();
        if (kind !== "transient" || batch.every((e) => now >= e.deadline)) {
          // Whether the batch was stored is unknown: a new producer, and the
          // tail read before anything else goes out.
          await this.giveUpProducer();
          this.queue = [...batch, ...this.queue];
          this.expire(describe(err));
          return;
        }
        await this.pause(backoff_ms(attempt));
      }
    }
  }

  private stored(batch: Entry[], base: bigint): void {
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i] as Entry;
      const seq = Number(base) + i + 1;
      this.deps.memory.remember(e.id, seq);
      this.settle(e, { seq });
    }
    // Only a batch right after what was read keeps the memory complete up to its end.
    if (base === this.scanned_to) this.scanned_to = base + BigInt(batch.length);
  }

  private async giveUpProducer(): Promise<void> {
    const p = this.producer;
    this.producer = null;
    this.needs_scan = true;
    if (p !== null) await closeClient(p);
  }

  /** Reads the ids stored since the memory was last complete (the last window of them at most). */
  private async scan(): Promise<void> {
    const { reader, memory, kafka_topic, topic } = this.deps;
    const { start, end } = await reader.ends(kafka_topic);
    let from = this.scanned_to;
    if (from > end || end - from > BigInt(memory.window)) from = end - BigInt(memory.window);
    if (from < start) from = start;
    while (from < end) {
      const f = await reader.fetch(kafka_topic, from, this.tuning.fetch_bytes, 0);
      for (const { offset, record } of f.records) {
        if (offset >= end) break;
        const m = fromRecord(topic, offset, record);
        memory.remember(m.id, m.seq);
        from = offset + 1n;
      }
      if (f.records.length === 0) {
        throw new Error(`no message between offsets ${from} and ${end}`);
      }
    }
    this.scanned_to = end;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
      if (this.closed) this.wake();
    });
  }

  /** Rejects what is queued or in flight with CLOSED and lets the producer go. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    if (this.producer !== null) await closeClient(this.producer);
    await this.running;
    for (const e of this.pending.values()) this.settle(e, { err: closedError() });
  }
}

function closedError(): TransportError {
  return new TransportError("CLOSED", "event log is closed");
}
