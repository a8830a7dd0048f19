// Why the core keeps money in checked JS numbers rather than bigint: the
// operations a fill performs (notional, freeze and release, fee, balance
// updates with bounds checks), both ways, in one run.
//
//   node --import tsx bench/money.bench.ts

import { mulPpmFloor } from "../src/core/money.ts";

const N = 5_000_000;
const ACCOUNTS = 1000;

function numbers(): number {
  const avail = new Array(ACCOUNTS * 4).fill(1e12);
  const frozen = new Array(ACCOUNTS * 4).fill(0);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const a = (i % ACCOUNTS) * 4 + 2;
    const b = ((i * 7) % ACCOUNTS) * 4 + 2;
    const price = 5_000_000 + (i & 1023);
    const lots = 1 + (i & 511);
    const notional = price * lots;
    if (notional > Number.MAX_SAFE_INTEGER) throw new RangeError("overflow");
    if ((avail[a] as number) < notional) continue;
    avail[a] -= notional;
    frozen[a] += notional;
    frozen[a] -= notional;
    const fee = mulPpmFloor(notional, 1000);
    avail[b] += notional - fee;
    if ((avail[b] as number) > Number.MAX_SAFE_INTEGER) throw new RangeError("overflow");
    avail[a] += fee;
  }
  return ((performance.now() - t0) * 1e6) / N;
}

function bigints(): number {
  const avail = new Array<bigint>(ACCOUNTS * 4).fill(10n ** 12n);
  const frozen = new Array<bigint>(ACCOUNTS * 4).fill(0n);
  const MAX = 2n ** 64n - 1n;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const a = (i % ACCOUNTS) * 4 + 2;
    const b = ((i * 7) % ACCOUNTS) * 4 + 2;
    const price = BigInt(5_000_000 + (i & 1023));
    const lots = BigInt(1 + (i & 511));
    const notional = price * lots;
    if (notional > MAX) throw new RangeError("overflow");
    if ((avail[a] as bigint) < notional) continue;
    avail[a] = (avail[a] as bigint) - notional;
    frozen[a] = (frozen[a] as bigint) + notional;
    frozen[a] = (frozen[a] as bigint) - notional;
    const fee = (notional * 1000n) / 1_000_000n;
    avail[b] = (avail[b] as bigint) + notional - fee;
    if ((avail[b] as bigint) > MAX) throw new RangeError("overflow");
    avail[a] = (avail[a] as bigint) + fee;
  }
  return ((performance.now() - t0) * 1e6) / N;
}

const rounds = 5;
const num: number[] = [];
const big: number[] = [];
for (let r = 0; r < rounds; r++) {
  num.push(numbers());
  big.push(bigints());
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
const n = median(num);
const b = median(big);
console.log(
  JSON.stringify({
    bench: "money",
    fills: N,
    number_ns_per_fill: Math.round(n * 10) / 10,
    bigint_ns_per_fill: Math.round(b * 10) / 10,
    bigint_over_number: Math.round((b / n) * 10) / 10,
  }),
);
