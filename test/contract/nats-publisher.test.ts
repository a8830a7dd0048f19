// The JetStream publisher's recovery against a scripted stand-in for the
// server and its acknowledgement inbox (dedup by message id first, then the
// expected last seq, in call order), so that lost attempts and lost answers
// happen exactly where a test puts them. Needs no server.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { AckOutcome } from "../../src/transport/nats/acks.ts";
import type { NatsLink } from "../../src/transport/nats/link.ts";
import { type AckSender, TopicPublisher } from "../../src/transport/nats/publisher.ts";
import { TransportError } from "../../src/transport/types.ts";

type Fate = "store" | "drop" | "lose_answer" | "hang";

class FakeLink {
  ready = true;
  epoch = 0;
  private closed = false;
  private readonly listeners = new Set<() => void>();

  isClosed(): boolean {
    return this.closed;
  }
  onChange(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  async whenReady(): Promise<void> {
    while (!this.ready) await new Promise<void>((r) => this.onChange(r));
  }
  reconnect(): void {
    this.epoch++;
    for (const l of [...this.listeners]) l();
  }
  close(): void {
    this.closed = true;
    this.ready = false;
    for (const l of [...this.listeners]) l();
  }
}

/** A one-subject stream: decides each attempt's fate by message id and attempt number. */
class FakeStream {
  readonly stored: string[] = [];
  readonly attempts = new Map<string, number>();
  private readonly seqs = new Map<string, number>();

  constructor(private readonly fate: (id: string, attempt: number) => Fate = () => "store") {}

  seed(ids: string[]): void {
    for (const id of ids) this.seqs.set(id, this.stored.push(id));
  }

  /** Stands in for the acknowledgement inbox: decides, stores, answers. */
  readonly acks: AckSender = {
    publish: (_subject, _payload, headers, done) => {
      const id = headers.get("Nats-Msg-Id");
      const expect = headers.get("Nats-Expected-Last-Sequence");
      const n = (this.attempts.get(id) ?? 0) + 1;
      this.attempts.set(id, n);
      const fate = this.fate(id, n);
      if (fate === "hang") {
        this.hanging.push(done);
        return;
      }
      if (fate === "drop") {
        queueMicrotask(() => done({ kind: "timeout" }));
        return;
      }
      const outcome = this.process(id, expect === "" ? undefined : Number(expect));
      queueMicrotask(() => done(fate === "lose_answer" ? { kind: "timeout" } : outcome));
    },
  };

  /** Attempts sent on a connection that went away: the link reports them lost. */
  private readonly hanging: ((o: AckOutcome) => void)[] = [];

  connectionReplaced(kind: "lost" | "closed"): void {
    for (const done of this.hanging.splice(0)) done({ kind });
  }

  /** Dedup by id first, then the expected last seq: the server's order of checks. */
  private process(id: string, expect: number | undefined): AckOutcome {
    const dup = this.seqs.get(id);
    if (dup !== undefined) return { kind: "stored", seq: dup, duplicate: true };
    if (expect !== undefined && expect !== this.stored.length) {
      return {
        kind: "refused",
        status: 400,
        err_code: 10071,
        description: `wrong last sequence: ${this.stored.length}`,
      };
    }
    const seq = this.stored.push(id);
    this.seqs.set(id, seq);
    return { kind: "stored", seq, duplicate: false };
  }
}

function publisher(
  stream: FakeStream,
  link: FakeLink,
  opts: { ordered?: boolean; deadline_ms?: number } = {},
): TopicPublisher {
  return new TopicPublisher(
    stream.acks,
    link as unknown as NatsLink,
    "t",
    "bourse.log.t",
    { deadline_ms: opts.deadline_ms ?? 5000, ordered: opts.ordered ?? true },
    stream.stored.length,
  );
}

const none = new Uint8Array(0);

test("publisher: a lost first attempt is resent before the messages after it", async () => {
  const stream = new FakeStream((id, n) => (id === "a" && n === 1 ? "drop" : "store"));
  const p = publisher(stream, new FakeLink());
  const seqs = await Promise.all(["a", "b", "c"].map((id) => p.publish(none, id, undefined)));
  assert.deepEqual(stream.stored, ["a", "b", "c"]);
  assert.deepEqual(seqs, [1, 2, 3]);
});

test("publisher: without chaining (several producers) a retry can land after later messages", async () => {
  const stream = new FakeStream((id, n) => (id === "a" && n === 1 ? "drop" : "store"));
  const p = publisher(stream, new FakeLink(), { ordered: false });
  await Promise.all(["a", "b", "c"].map((id) => p.publish(none, id, undefined)));
  assert.deepEqual(stream.stored, ["b", "c", "a"]);
});

test("publisher: a lost answer is retried and answered as a duplicate with the first seq", async () => {
  const stream = new FakeStream((id, n) => (id === "b" && n === 1 ? "lose_answer" : "store"));
  const p = publisher(stream, new FakeLink());
  const seqs = await Promise.all(["a", "b", "c", "d"].map((id) => p.publish(none, id, undefined)));
  assert.deepEqual(seqs, [1, 2, 3, 4]);
  assert.deepEqual(stream.stored, ["a", "b", "c", "d"]);
});

test("publisher: republished ids among new ones cost refusals, never order", async () => {
  const stream = new FakeStream();
  stream.seed(["x1", "x2", "x3"]);
  const p = publisher(stream, new FakeLink());
  const ids = ["x2", "y1", "x3", "y2", "y3", "x1", "y4"];
  const seqs = await Promise.all(ids.map((id) => p.publish(none, id, undefined)));
  assert.deepEqual(seqs, [2, 4, 3, 5, 6, 1, 7]);
  assert.deepEqual(stream.stored, ["x1", "x2", "x3", "y1", "y2", "y3", "y4"]);
});

test("publisher: attempts cut off by a reconnect are resent at once, in order", async () => {
  const stream = new FakeStream((id, n) =>
    n === 1 && (id === "b" || id === "c") ? "hang" : "store",
  );
  const link = new FakeLink();
  const p = publisher(stream, link);
  const all = Promise.all(["a", "b", "c"].map((id) => p.publish(none, id, undefined)));
  // b and c vanished with the old connection; d comes on the new one, before
  // the publisher noticed, and is refused for expecting c.
  link.reconnect();
  stream.connectionReplaced("lost");
  const d = p.publish(none, "d", undefined);
  assert.deepEqual(await all, [1, 2, 3]);
  assert.equal(await d, 4);
  assert.deepEqual(stream.stored, ["a", "b", "c", "d"]);
});

test("publisher: a message never acknowledged fails at its deadline with UNAVAILABLE", async () => {
  const stream = new FakeStream(() => "drop");
  const p = publisher(stream, new FakeLink(), { deadline_ms: 200 });
  await assert.rejects(
    p.publish(none, "a", undefined),
    (err) =>
      err instanceof TransportError &&
      err.code === "UNAVAILABLE" &&
      /within 200 ms/.test(err.message),
  );
  assert.ok((stream.attempts.get("a") ?? 0) > 1, "it was retried");
});

test("publisher: closing the connection fails what is in flight with CLOSED", async () => {
  const stream = new FakeStream(() => "hang");
  const link = new FakeLink();
  const p = publisher(stream, link);
  const a = p.publish(none, "a", undefined);
  link.close();
  stream.connectionReplaced("closed");
  await assert.rejects(a, (err) => err instanceof TransportError && err.code === "CLOSED");
});
