// How a Bourse message is laid out in a Kafka record: the message id is the
// record key, the headers are record headers (UTF-8 keys and values, exactly
// as given, empty values included), the payload is the record value. A
// message's seq is its offset + 1: one partition per topic, and no
// transactions, so the offsets of a topic are gap-free from 0.

import type { KafkaRecord, MessageToProduce, RecordsBatch } from "@platformatic/kafka";
import { type Headers, type Message, TransportError } from "../types.ts";

/** Bit 5 of a record batch's attributes: a transaction marker, not data. */
const IS_CONTROL = 1 << 5;

export type Outgoing = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

export function toRecord(
  kafka_topic: string,
  id: string,
  headers: Headers | undefined,
  payload: Uint8Array,
): Outgoing {
  const h = new Map<Buffer, Buffer>();
  if (headers !== undefined) {
    for (const [k, v] of Object.entries(headers)) h.set(Buffer.from(k), Buffer.from(v));
  }
  return {
    topic: kafka_topic,
    partition: 0,
    key: Buffer.from(id),
    value: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
    headers: h,
  };
}

/** Bytes a message adds to a record batch, roughly (varint lengths counted generously). */
export function recordBytes(r: Outgoing): number {
  let n = 32 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const [k, v] of r.headers as Map<Buffer, Buffer>) n += 10 + k.length + v.length;
  return n;
}

export function fromRecord(topic: string, offset: bigint, r: KafkaRecord): Message {
  if (r.key === null) {
    throw new TransportError("CORRUPT", `${topic} offset ${offset}: record without a message id`);
  }
  const headers: Headers = {};
  for (const [k, v] of r.headers) {
    if (k !== null) headers[k.toString("utf8")] = v === null ? "" : v.toString("utf8");
  }
  return {
    topic,
    seq: Number(offset) + 1,
    id: r.key.toString("utf8"),
    headers,
    payload: r.value ?? new Uint8Array(0),
  };
}

/** The data records of fetched batches at or after an offset, in offset order. */
export function* recordsFrom(
  batches: readonly RecordsBatch[] | undefined,
  from: bigint,
): Generator<{ offset: bigint; record: KafkaRecord }> {
  for (const b of batches ?? []) {
    if ((b.attributes & IS_CONTROL) !== 0) continue;
    for (const record of b.records) {
      const offset = b.firstOffset + BigInt(record.offsetDelta);
      if (offset >= from) yield { offset, record };
    }
  }
}
