// Reads of one-partition topics without a consumer group: the log's readers
// (last(), the dedup memory, a publisher's check after a failure) and each
// subscription own one Fetcher, i.e. one client and its connections. The
// service keeps its own position, so nothing is committed to Kafka.
// A fetch may wait on the broker (long poll) and Kafka answers one request
// per connection at a time, so a subscription's fetches never share a
// connection with anybody else's requests.

import { Consumer, type KafkaRecord } from "@platformatic/kafka";
import { TransportError } from "../types.ts";
import { recordsFrom } from "./records.ts";

export interface ClientOptions {
  brokers: readonly string[];
  client_id: string;
  /** One request's time limit. */
  request_timeout_ms: number;
  connect_timeout_ms: number;
}

export interface Fetched {
  records: { offset: bigint; record: KafkaRecord }[];
  /** Offset after the last message the broker holds (the high watermark). */
  end: bigint;
  start: bigint;
}

export class Fetcher {
  readonly client: Consumer;

  constructor(opts: ClientOptions, what: string) {
    this.client = new Consumer({
      clientId: `${opts.client_id}-${what}`.replace(/[^A-Za-z0-9._-]/g, "_"),
      groupId: `${opts.client_id}-unused`,
      bootstrapBrokers: [...opts.brokers],
      timeout: opts.request_timeout_ms,
      connectTimeout: opts.connect_timeout_ms,
      requestTimeout: opts.request_timeout_ms,
      // Retries are the caller's (with its deadline): one attempt per call here.
      retries: 0,
      metadataMaxAge: 30_000,
    });
  }

  private async target(topic: string): Promise<{ id: string; node: number }> {
    const m = await this.client.metadata({ topics: [topic] });
    const t = m.topics.get(topic);
    const p = t?.partitions[0];
    if (t === undefined || p === undefined) {
      throw new TransportError("UNAVAILABLE", `Kafka topic ${topic} does not exist`);
    }
    return { id: t.id, node: p.leader };
  }

  /** First and next offsets of the topic's partition. */
  async ends(topic: string): Promise<{ start: bigint; end: bigint }> {
    const [earliest, latest] = await Promise.all([
      this.client.listOffsets({ topics: [topic], timestamp: -2n }),
      this.client.listOffsets({ topics: [topic], timestamp: -1n }),
    ]);
    return { start: earliest.get(topic)?.[0] ?? 0n, end: latest.get(topic)?.[0] ?? 0n };
  }

  /** Offset of the first message stored at or after a time (ms since the epoch); the end when none is. */
  async offsetAt(topic: string, time_ms: number): Promise<bigint> {
    const r = await this.client.listOffsets({ topics: [topic], timestamp: BigInt(time_ms) });
    const at = r.get(topic)?.[0] ?? -1n;
    return at >= 0n ? at : (await this.ends(topic)).end;
  }

  /** Messages from an offset on, at most max_bytes (at least one batch); waits up to wait_ms for any. */
  async fetch(topic: string, offset: bigint, max_bytes: number, wait_ms: number): Promise<Fetched> {
    const { id, node } = await this.target(topic);
    let res: Awaited<ReturnType<Consumer["fetch"]>>;
    try {
      res = await this.client.fetch({
        node,
        topics: [
          {
            topicId: id,
            partitions: [
              {
                partition: 0,
                currentLeaderEpoch: -1,
                fetchOffset: offset,
                lastFetchedEpoch: -1,
                partitionMaxBytes: max_bytes,
              },
            ],
          },
        ],
        maxBytes: max_bytes,
        minBytes: 1,
        maxWaitTime: wait_ms,
      });
    } catch (err) {
      // Stale leader or topic id: ask again next time.
      this.client.clearMetadata();
      throw err;
    }
    const p = res.responses[0]?.partitions[0];
    if (p === undefined) throw new TransportError("UNAVAILABLE", `no fetch answer for ${topic}`);
    return {
      records: [...recordsFrom(p.records, offset)],
      end: p.highWatermark,
      start: p.logStartOffset,
    };
  }

  close(): Promise<void> {
    return closeClient(this.client);
  }
}

/** Closes a producer or consumer at once (in-flight requests fail); never rejects. */
export function closeClient(c: {
  close(force: boolean, callback: (err?: Error | null) => void): void;
}): Promise<void> {
  return new Promise((resolve) => c.close(true, () => resolve()));
}
