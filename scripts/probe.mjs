#!/usr/bin/env node
// Whether a Kafka broker or a Cassandra node really answers, not just accepts
// TCP: Kafka must answer a metadata request listing at least one broker, and
// Cassandra must run a CQL query on its native port. Both speak their wire
// protocols directly (no client library), so scripts/services.sh can wait on a
// server before `npm ci` has run, and scripts/test.mjs can gate suites on it.
//
//   node scripts/probe.mjs kafka 127.0.0.1:9092      exit 0 and one line when it answers
//   node scripts/probe.mjs cassandra 127.0.0.1:9042

import { connect } from "node:net";

const CLIENT_ID = "bourse-probe";

/** One request/response exchange on a fresh socket; resolves with the response frame's body. */
function exchange(host, port, timeout_ms, frames, frameLength) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buf = Buffer.alloc(0);
    let step = 0;
    const answers = [];
    const fail = (err) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeout_ms, () => fail(new Error(`no answer within ${timeout_ms} ms`)));
    socket.once("error", fail);
    socket.once("close", () => {
      if (answers.length < frames.length) reject(new Error("connection closed before the answer"));
    });
    socket.once("connect", () => socket.write(frames[0](answers)));
    socket.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const n = frameLength(buf);
        if (n === null || buf.length < n) return;
        answers.push(buf.subarray(0, n));
        buf = buf.subarray(n);
        step++;
        if (step === frames.length) {
          socket.destroy();
          resolve(answers);
          return;
        }
        try {
          socket.write(frames[step](answers));
        } catch (err) {
          fail(err);
          return;
        }
      }
    });
  });
}

// ---- Kafka: ApiVersions v0, then Metadata at a non-flexible version (4..8) ----

function kafkaRequest(api_key, api_version, correlation_id, body) {
  const client = Buffer.from(CLIENT_ID);
  const head = Buffer.alloc(4 + 2 + 2 + 4 + 2);
  head.writeInt32BE(head.length - 4 + client.length + body.length, 0);
  head.writeInt16BE(api_key, 4);
  head.writeInt16BE(api_version, 6);
  head.writeInt32BE(correlation_id, 8);
  head.writeInt16BE(client.length, 12);
  return Buffer.concat([head, client, body]);
}

const kafkaFrameLength = (b) => (b.length < 4 ? null : 4 + b.readInt32BE(0));

function metadataVersion(apiVersions) {
  // size, correlation id, error code, then [api_key, min, max]
  const error = apiVersions.readInt16BE(8);
  if (error !== 0) throw new Error(`ApiVersions answered error ${error}`);
  const n = apiVersions.readInt32BE(10);
  for (let i = 0, at = 14; i < n; i++, at += 6) {
    if (apiVersions.readInt16BE(at) !== 3) continue;
    const v = Math.max(4, apiVersions.readInt16BE(at + 2));
    if (v > Math.min(8, apiVersions.readInt16BE(at + 4))) {
      throw new Error("the broker offers no Metadata version between 4 and 8");
    }
    return v;
  }
  throw new Error("the broker does not list the Metadata API");
}

function readString(b, at) {
  const len = b.readInt16BE(at);
  if (len < 0) return { value: null, at: at + 2 };
  return { value: b.toString("utf8", at + 2, at + 2 + len), at: at + 2 + len };
}

/** Resolves with { cluster_id, brokers, controller_id } once the broker answers a metadata request. */
export async function probeKafka(host, port, timeout_ms = 2000) {
  const [, meta] = await exchange(
    host,
    port,
    timeout_ms,
    [
      () => kafkaRequest(18, 0, 1, Buffer.alloc(0)),
      ([versions]) => {
        // topics: empty array (none), allow_auto_topic_creation: false
        const body = Buffer.from([0, 0, 0, 0, 0]);
        return kafkaRequest(3, metadataVersion(versions), 2, body);
      },
    ],
    kafkaFrameLength,
  );
  // size, correlation id, throttle_time_ms, brokers[node_id, host, port, rack], cluster_id, controller_id
  let at = 12;
  const brokers = meta.readInt32BE(at);
  at += 4;
  for (let i = 0; i < brokers; i++) {
    at += 4;
    at = readString(meta, at).at + 4;
    at = readString(meta, at).at;
  }
  const cluster = readString(meta, at);
  const controller_id = meta.readInt32BE(cluster.at);
  if (brokers < 1) throw new Error("the metadata lists no broker yet");
  return { cluster_id: cluster.value, brokers, controller_id };
}

// ---- Cassandra: CQL native protocol v4, STARTUP then one QUERY ----

const OP = { ERROR: 0x00, STARTUP: 0x01, READY: 0x02, QUERY: 0x07, RESULT: 0x08 };

function cqlFrame(stream, opcode, body) {
  const head = Buffer.alloc(9);
  head.writeUInt8(0x04, 0);
  head.writeUInt8(0, 1);
  head.writeInt16BE(stream, 2);
  head.writeUInt8(opcode, 4);
  head.writeInt32BE(body.length, 5);
  return Buffer.concat([head, body]);
}

const cqlFrameLength = (b) => (b.length < 9 ? null : 9 + b.readInt32BE(5));

function shortString(s) {
  const v = Buffer.from(s);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(v.length);
  return Buffer.concat([len, v]);
}

function cqlCheck(frame, expected) {
  const opcode = frame.readUInt8(4);
  if (opcode === OP.ERROR) {
    const code = frame.readInt32BE(9);
    throw new Error(`CQL error 0x${code.toString(16)}: ${readString(frame, 13).value}`);
  }
  if (opcode !== expected) throw new Error(`unexpected CQL opcode 0x${opcode.toString(16)}`);
}

/** Resolves with the node's release_version once it runs a CQL query. */
export async function probeCassandra(host, port, timeout_ms = 2000) {
  const query = "SELECT release_version FROM system.local";
  const [ready, result] = await exchange(
    host,
    port,
    timeout_ms,
    [
      () => {
        const n = Buffer.alloc(2);
        n.writeUInt16BE(1);
        return cqlFrame(
          0,
          OP.STARTUP,
          Buffer.concat([n, shortString("CQL_VERSION"), shortString("3.0.0")]),
        );
      },
      ([r]) => {
        cqlCheck(r, OP.READY);
        const q = Buffer.from(query);
        const len = Buffer.alloc(4);
        len.writeInt32BE(q.length);
        // consistency ONE, no flags
        return cqlFrame(1, OP.QUERY, Buffer.concat([len, q, Buffer.from([0, 1, 0])]));
      },
    ],
    cqlFrameLength,
  );
  cqlCheck(ready, OP.READY);
  cqlCheck(result, OP.RESULT);
  // kind (2 = rows), metadata flags, column count, [global keyspace, table], columns, row count, cells
  let at = 9;
  if (result.readInt32BE(at) !== 2) throw new Error("the query returned no rows result");
  const flags = result.readInt32BE(at + 4);
  const columns = result.readInt32BE(at + 8);
  at += 12;
  if (flags & 0x0002) at += 4 + Math.max(0, result.readInt32BE(at));
  if (flags & 0x0001) at = readString(result, readString(result, at).at).at;
  for (let i = 0; i < columns; i++) {
    if (!(flags & 0x0001)) at = readString(result, readString(result, at).at).at;
    at = readString(result, at).at + 2;
  }
  if (result.readInt32BE(at) < 1) throw new Error("system.local has no row");
  const len = result.readInt32BE(at + 4);
  return { release_version: result.toString("utf8", at + 8, at + 8 + len) };
}

const PROBES = { kafka: probeKafka, cassandra: probeCassandra };

if (import.meta.url === `file://${process.argv[1]}`) {
  const [kind, address, timeout] = process.argv.slice(2);
  const probe = PROBES[kind];
  const [host, port] = (address ?? "").split(":");
  if (probe === undefined || host === undefined || port === undefined) {
    console.error("usage: node scripts/probe.mjs kafka|cassandra host:port [timeout_ms]");
    process.exit(2);
  }
  try {
    const info = await probe(host, Number(port), Number(timeout ?? 2000));
    console.log(`${kind} ${address}: ${JSON.stringify(info)}`);
  } catch (err) {
    console.error(`${kind} ${address}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
