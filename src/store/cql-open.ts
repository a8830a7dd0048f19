// Opening the store on a CQL database from a URL,
// cassandra://host[:port][,host[:port]...]/<keyspace>[?dc=<datacenter>&rf=<n>],
// the form --database-url takes beside postgres://.

import cassandra from "cassandra-driver";
import { checkKeyspace } from "./cql-schema.ts";
import { type CqlStoreOptions, createCqlStore } from "./cql-store.ts";
import type { SettlementStore, StoreOptions } from "./types.ts";

export interface CqlTarget {
  contact_points: string[];
  keyspace: string;
  /** The driver's local datacenter (a single node's is "datacenter1"). */
  datacenter: string;
  replication_factor: number;
}

export function isCqlUrl(url: string): boolean {
  return /^(cassandra|scylla|cql):\/\//.test(url);
}

export function parseCqlUrl(url: string): CqlTarget {
  const m = /^(?:cassandra|scylla|cql):\/\/([^/?]+)\/([^/?]+)(?:\?(.*))?$/.exec(url);
  if (m === null) {
    throw new Error(
      `a CQL database URL reads cassandra://host[:port][,host...]/keyspace[?dc=..&rf=..], got ${url}`,
    );
  }
  const q = new URLSearchParams(m[3] ?? "");
  const rf = Number(q.get("rf") ?? 1);
  if (!Number.isSafeInteger(rf) || rf < 1)
    throw new Error(`rf must be a positive integer in ${url}`);
  return {
    contact_points: (m[1] as string).split(",").map((h) => (/:\d+$/.test(h) ? h : `${h}:9042`)),
    keyspace: checkKeyspace(m[2] as string),
    datacenter: q.get("dc") ?? "datacenter1",
    replication_factor: rf,
  };
}

/** Connects (and fails fast if no node answers); call migrate() before use. */
export async function openCqlStore(
  url: string,
  opts: StoreOptions & Partial<Pick<CqlStoreOptions, "concurrency" | "replication_factor">>,
): Promise<SettlementStore> {
  const t = parseCqlUrl(url);
  const client = new cassandra.Client({
    contactPoints: t.contact_points,
    localDataCenter: t.datacenter,
    encoding: { useBigIntAsLong: true },
    queryOptions: { consistency: cassandra.types.consistencies.localQuorum },
  });
  try {
    await client.connect();
  } catch (err) {
    await client.shutdown();
    throw err;
  }
  const store = createCqlStore(client, {
    symbols: opts.symbols,
    keyspace: t.keyspace,
    replication_factor: opts.replication_factor ?? t.replication_factor,
    ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
  });
  return {
    ...store,
    async close() {
      await store.close();
      await client.shutdown();
    },
  };
}
