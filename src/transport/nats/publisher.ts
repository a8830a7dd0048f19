// Publishing to one topic: a JetStream publish with the message id as its
// Nats-Msg-Id (the server drops a repeat inside the duplicate window and
// answers with the first seq), retried until a deadline shorter than that
// window, so a retry is never stored twice.
//
// Order: NATS sends publishes in call order, but a reconnect loses what was in
// flight while later publishes may go out on the new connection. So on a
// single-producer topic each publish sent while its predecessor is
// unacknowledged carries the stream seq the predecessor should get as the
// expected last seq, and the server refuses it unless exactly the messages
// before it were stored. (An expected last message id would not do: a
// republished id is answered as a duplicate before any expectation is
// checked, so a chain through it would let a message overtake a lost one.) A
// duplicate makes later predictions wrong, which only costs a refusal.
//
// After any failure the publisher stops sending new messages and recovers in
// rounds: once every attempt in flight has answered (or died with its
// connection), it resends all unacknowledged messages in call order, back to
// back, chained the same way; the first expects nothing, since everything
// before it is acknowledged. A round stored whole ends the recovery. Topics
// with several producers cannot use expectations (the stream's last seq is
// everyone's) and keep call order only while the connection holds.

import type { MsgHdrs } from "@nats-io/transport-node";
import { type Headers, TransportError } from "../types.ts";
import type { AckOutcome } from "./acks.ts";
import { backoff_ms, WRONG_LAST } from "./errors.ts";
import { toNats } from "./headers.ts";
import type { NatsLink } from "./link.ts";

export interface PublishTuning {
  /** Give up on a message after this long, counted from the call. */
  deadline_ms: number;
  /** Chain each publish to its predecessor (single-producer topics). */
  ordered: boolean;
}

/** Sends one attempt and reports its outcome once (AckInbox, or a stand-in in tests). */
export interface AckSender {
  publish(
    subject: string,
    payload: Uint8Array,
    headers: MsgHdrs,
    done: (o: AckOutcome) => void,
  ): void;
}

interface Entry {
  id: string;
  payload: Uint8Array;
  headers: Headers | undefined;
  deadline: number;
  resolve: (seq: number) => void;
  reject: (err: Error) => void;
  done: boolean;
  /** The seq this message should get if everything before it is stored once. */
  predicted: number;
  last_error: string;
}

const MSG_ID = "Nats-Msg-Id";
const EXPECTED_LAST_SEQ = "Nats-Expected-Last-Sequence";

export class TopicPublisher {
  /** Messages in call order; those before head are all settled. */
  private entries: Entry[] = [];
  private head = 0;
  private recovering = false;
  /** A round had a transient failure: pause before the next. */
  private stalled = false;
  /** Some attempt of the current round must be repeated. */
  private repeat = false;
  /** The highest seq the stream is known to hold. */
  private tip: number;
  private inflight = 0;
  private idle: (() => void) | null = null;

  constructor(
    private readonly acks: AckSender,
    private readonly link: NatsLink,
    private readonly topic: string,
    private readonly subject: string,
    private readonly tuning: PublishTuning,
    last_seq: number,
  ) {
    this.tip = last_seq;
  }

  publish(payload: Uint8Array, id: string, headers: Headers | undefined): Promise<number> {
    return new Promise((resolve, reject) => {
      const pred = this.lastPending();
      const e: Entry = {
        id,
        payload,
        headers,
        deadline: Date.now() + this.tuning.deadline_ms,
        resolve,
        reject,
        done: false,
        predicted: 0,
        last_error: "",
      };
      this.entries.push(e);
      if (this.recovering) return;
      if (!this.link.ready) {
        this.recover();
        return;
      }
      this.send(e, pred, true);
    });
  }

  private lastPending(): Entry | null {
    for (let i = this.entries.length - 1; i >= this.head; i--) {
      const e = this.entries[i] as Entry;
      if (!e.done) return e;
    }
    return null;
  }

  private pending(): Entry[] {
    return this.entries.slice(this.head).filter((e) => !e.done);
  }

  private settle(e: Entry, result: { seq: number } | { err: Error }): void {
    if (e.done) return;
    e.done = true;
    if ("seq" in result) e.resolve(result.seq);
    else e.reject(result.err);
    while (this.head < this.entries.length && (this.entries[this.head] as Entry).done) this.head++;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** Sends one attempt; outside recovery, a failed attempt starts it. */
  private send(e: Entry, pred: Entry | null, normal: boolean): void {
    const expect = this.tuning.ordered && pred !== null ? pred.predicted : undefined;
    e.predicted = (pred === null ? this.tip : pred.predicted) + 1;
    const h = toNats(e.headers);
    h.set(MSG_ID, e.id);
    if (expect !== undefined) h.set(EXPECTED_LAST_SEQ, String(expect));
    this.inflight++;
    this.acks.publish(this.subject, e.payload, h, (o) => {
      this.inflight--;
      this.answered(e, o, normal);
      if (this.inflight === 0) {
        const idle = this.idle;
        this.idle = null;
        idle?.();
      }
    });
  }

  private answered(e: Entry, o: AckOutcome, normal: boolean): void {
    let transient: boolean;
    switch (o.kind) {
      case "stored":
        this.tip = Math.max(this.tip, o.seq);
        this.settle(e, { seq: o.seq });
        return;
      case "closed":
        this.settle(e, { err: closedError() });
        return;
      case "refused":
        e.last_error = o.description;
        if (WRONG_LAST.has(o.err_code)) {
          transient = false;
        } else if (o.status === 503) {
          // JetStream is temporarily unavailable (no quorum, recovering).
          transient = true;
        } else {
          this.settle(e, {
            err: new TransportError(
              "UNAVAILABLE",
              `publish ${e.id} to ${this.topic}: ${o.description} (${o.err_code})`,
            ),
          });
          return;
        }
        break;
      case "no_responders":
        e.last_error = "no stream answered (JetStream starting, or the stream was deleted)";
        transient = true;
        break;
      case "timeout":
        e.last_error = "no acknowledgement in time";
        transient = true;
        break;
      case "lost":
        e.last_error = "connection lost";
        transient = false;
        break;
    }
    this.repeat = true;
    if (transient) this.stalled = true;
    if (normal) this.recover();
  }

  private recover(): void {
    if (this.recovering) return;
    this.recovering = true;
    void this.rounds();
  }

  private async rounds(): Promise<void> {
    try {
      await this.roundsUntilEmpty();
    } finally {
      // Synchronously after the last check: a publish arriving later sends itself.
      this.recovering = false;
    }
  }

  private allAnswered(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idle = resolve;
    });
  }

  private async roundsUntilEmpty(): Promise<void> {
    for (let round = 0; ; round++) {
      // Nothing is resent while an earlier attempt could still be stored.
      await this.allAnswered();
      const left = this.pending();
      if (left.length === 0) return;
      if (round > 0 && !this.repeat) {
        // The last round was stored whole: what came meanwhile goes out as usual.
        let pred: Entry | null = null;
        for (const e of left) {
          this.send(e, pred, true);
          pred = e;
        }
        return;
      }
      this.repeat = false;
      if (this.link.isClosed()) {
        for (const e of left) this.settle(e, { err: closedError() });
        return;
      }
      const now = Date.now();
      for (const e of left) if (now >= e.deadline) this.settle(e, { err: this.expired(e) });
      const first = this.pending()[0];
      if (first === undefined) return;
      if (this.stalled) {
        this.stalled = false;
        await pause(Math.min(backoff_ms(round), Math.max(0, first.deadline - Date.now())));
      }
      if (!this.link.ready) {
        try {
          await this.link.whenReady(first.deadline);
        } catch {
          continue;
        }
      }
      let pred: Entry | null = null;
      for (const e of this.pending()) {
        this.send(e, pred, false);
        pred = e;
      }
    }
  }

  private expired(e: Entry): TransportError {
    const why = e.last_error === "" ? "" : ` (last: ${e.last_error})`;
    return new TransportError(
      "UNAVAILABLE",
      `publish ${e.id} to ${this.topic}: not acknowledged within ${this.tuning.deadline_ms} ms${why}`,
    );
  }
}

function closedError(): TransportError {
  return new TransportError("CLOSED", "event log is closed");
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
