// Invariants every state of the core must satisfy, checked by tests after
// commands and after recoveries.

import assert from "node:assert/strict";
import type { UbsCore } from "../../src/core/mod.ts";

/** Per asset: all available + frozen (the fee account included) equals deposits - withdrawals. */
export function assertConservation(ubs: UbsCore, where: string): void {
  const slots = ubs.supply.length;
  const sums = new Array<bigint>(slots).fill(0n);
  for (const [user, a] of ubs.accounts) {
    for (let i = 0; i < slots; i++) {
      const avail = a.avail[i] as number;
      const frozen = a.frozen[i] as number;
      assert.ok(avail >= 0 && frozen >= 0, `${where}: negative balance user ${user} asset ${i}`);
      sums[i] = (sums[i] as bigint) + BigInt(avail) + BigInt(frozen);
    }
  }
  for (let i = 0; i < slots; i++) {
    assert.equal(
      sums[i],
      BigInt(ubs.supply[i] as number),
      `${where}: conservation broken for asset ${i}`,
    );
  }
}
