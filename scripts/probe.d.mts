// Types of scripts/probe.mjs for the TypeScript tests that import it.

export function probeKafka(
  host: string,
  port: number,
  timeout_ms?: number,
): Promise<{ cluster_id: string | null; brokers: number; controller_id: number }>;

export function probeCassandra(
  host: string,
  port: number,
  timeout_ms?: number,
): Promise<{ release_version: string }>;
