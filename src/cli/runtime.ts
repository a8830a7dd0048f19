// What the service commands need once they run (loaded only then, so that
// `bourse --help` and light commands start fast).

import { loadSpec, type Spec } from "../core/mod.ts";
import {
  createServiceObs,
  type ObsFlags,
  type ObsOptions,
  resolveObsOptions,
  type ServiceObs,
} from "../obs/mod.ts";
import { ENV } from "./common.ts";

export function obsOptionsFrom(o: Record<string, unknown>): ObsOptions {
  const flags: ObsFlags = {
    log_dir: o.logDir as string | undefined,
    log_level: o.logLevel as string | undefined,
    log_retention_days: o.logRetentionDays as string | undefined,
    log_sample_ppm: o.logSamplePpm as string | undefined,
    otel_exporter: o.otelExporter as string | undefined,
    otel_url: o.otelUrl as string | undefined,
    otel_sample_ratio: o.otelSampleRatio as string | undefined,
  };
  // Commander already applied the environment variables to the flags.
  return resolveObsOptions(flags, {});
}

export async function openObs(
  service: string,
  options: ObsOptions,
  process_metrics = false,
): Promise<ServiceObs> {
  const obs = createServiceObs(service, options, { process_metrics });
  await obs.log.open();
  return obs;
}

export function specFrom(o: { config?: string }): Spec {
  const fromEnv = process.env[ENV.config];
  return loadSpec(o.config ?? (fromEnv === "" ? undefined : fromEnv));
}
