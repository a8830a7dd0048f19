import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../../src/core/config.ts";
import { OBS_DEFAULTS, resolveObsOptions } from "../../../src/obs/mod.ts";

test("defaults apply when neither flags nor environment say otherwise", () => {
  assert.deepEqual(resolveObsOptions({}, {}), OBS_DEFAULTS);
  assert.equal(OBS_DEFAULTS.log_dir, "logs");
  assert.equal(OBS_DEFAULTS.otel_exporter, "none");
});

test("flags win over the environment, which wins over defaults", () => {
  const env = {
    BOURSE_LOG_DIR: "/var/log/bourse",
    BOURSE_LOG_LEVEL: "debug",
    BOURSE_LOG_RETENTION_DAYS: "30",
    BOURSE_LOG_SAMPLE_PPM: "1000",
    BOURSE_OTEL_EXPORTER: "otlp",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces",
  };
  const fromEnv = resolveObsOptions({}, env);
  assert.equal(fromEnv.log_dir, "/var/log/bourse");
  assert.equal(fromEnv.log_level, "debug");
  assert.equal(fromEnv.log_retention_days, 30);
  assert.equal(fromEnv.log_sample_ppm, 1000);
  assert.equal(fromEnv.otel_exporter, "otlp");
  assert.equal(fromEnv.otel_url, "http://collector:4318/v1/traces");

  const fromFlags = resolveObsOptions(
    {
      log_dir: "./l",
      log_level: "warn",
      log_retention_days: "3",
      otel_url: "http://x:1/v1/traces",
    },
    { ...env, BOURSE_OTEL_URL: "http://y:2/v1/traces" },
  );
  assert.equal(fromFlags.log_dir, "./l");
  assert.equal(fromFlags.log_level, "warn");
  assert.equal(fromFlags.log_retention_days, 3);
  assert.equal(fromFlags.otel_url, "http://x:1/v1/traces");
  assert.equal(
    resolveObsOptions({}, { ...env, BOURSE_OTEL_URL: "http://y:2/v" }).otel_url,
    "http://y:2/v",
  );
});

test("bad values are refused with the flag and variable named", () => {
  const bad: [Parameters<typeof resolveObsOptions>[0], RegExp][] = [
    [{ log_level: "loud" }, /--log-level \(BOURSE_LOG_LEVEL\)/],
    [{ log_retention_days: "-1" }, /--log-retention-days/],
    [{ log_retention_days: "1.5" }, /--log-retention-days/],
    [{ log_sample_ppm: "1000001" }, /--log-sample-ppm/],
    [{ otel_exporter: "memory" }, /--otel-exporter/],
    [{ otel_url: "not a url" }, /--otel-url/],
    [{ log_dir: "" }, /--log-dir/],
    [{ log_buffer_bytes_max: "10" }, /--log-buffer-bytes-max/],
  ];
  for (const [flags, message] of bad) {
    assert.throws(
      () => resolveObsOptions(flags, {}),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, message);
        return true;
      },
    );
  }
});

test("the trace sample ratio is read as a number in 0..1", () => {
  assert.equal(resolveObsOptions({ otel_sample_ratio: "0.25" }, {}).otel_sample_ratio, 0.25);
  assert.equal(resolveObsOptions({}, { BOURSE_OTEL_SAMPLE_RATIO: "0" }).otel_sample_ratio, 0);
  for (const bad of ["1.5", "-0.1", "abc", "1e-3"]) {
    assert.throws(() => resolveObsOptions({ otel_sample_ratio: bad }, {}), /--otel-sample-ratio/);
  }
});
