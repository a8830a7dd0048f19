// Whether the PostgreSQL suites run. The test runner probes the server and
// sets BOURSE_TEST_POSTGRES; without it they are skipped, except under
// CI=true, where a missing server must fail the run rather than pass quietly.

export type Gate = { run: true } | { run: false; skip: string } | { run: false; fail: string };

export const PG_URL =
  process.env.BOURSE_PG_URL ??
  `postgres://postgres@127.0.0.1:${process.env.BOURSE_PG_PORT ?? 5432}/test`;

export function postgresGate(): Gate {
  const flag = process.env.BOURSE_TEST_POSTGRES;
  if (flag === "1") return { run: true };
  const why = `PostgreSQL is not reachable (BOURSE_TEST_POSTGRES=${flag ?? "unset"}; set it to 1 with a server at ${PG_URL})`;
  if (process.env.CI === "true") return { run: false, fail: `CI=true requires PostgreSQL: ${why}` };
  return { run: false, skip: why };
}

/** A schema no other run uses: concurrent runs never see each other's tables. */
export function uniqueSchema(): string {
  return `bourse_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
}
