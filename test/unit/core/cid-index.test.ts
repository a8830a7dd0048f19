// The client-order-id index against a plain Map, with the real fingerprint
// and with fingerprints that collide (every pair in one of two values), so
// the overflow path answers exactly like the table.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { cidFingerprint } from "../../../src/core/cid-index.ts";
import { OpenOrders } from "../../../src/core/open-orders.ts";

const fingerprints: [string, ((u: number, c: string) => number) | undefined][] = [
  ["the real fingerprint", undefined],
  ["colliding fingerprints", (u, c) => 1 + ((u + c.length) & 1)],
];

for (const [name, fp] of fingerprints) {
  test(`open orders by (user, cid) behave like a map under random adds and removes (${name})`, () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.boolean(),
            fc.integer({ min: 1, max: 4 }),
            fc.constantFrom("", "a", "b", "c1", "c2", "long-client-id-0001"),
          ),
          { maxLength: 300 },
        ),
        (ops) => {
          const orders = new OpenOrders(fp);
          const ref = new Map<string, number>();
          const open: { id: number; user: number; cid: string }[] = [];
          let next = 1;
          for (const [add, user, cid] of ops) {
            if (add || open.length === 0) {
              if (cid !== "" && ref.has(`${user}:${cid}`)) {
                assert.throws(() => orders.add(next, user, 1, 1, cid));
                continue;
              }
              orders.add(next, user, 1, 1, cid);
              if (cid !== "") ref.set(`${user}:${cid}`, next);
              open.push({ id: next, user, cid });
              next++;
            } else {
              const o = open.splice(
                (user * 7 + cid.length) % open.length,
                1,
              )[0] as (typeof open)[0];
              assert.equal(orders.remove(o.id), o.user);
              if (o.cid !== "") ref.delete(`${o.user}:${o.cid}`);
            }
            for (const u of [1, 2, 3, 4]) {
              for (const c of ["a", "b", "c1", "c2", "long-client-id-0001"]) {
                assert.equal(orders.orderOfCid(u, c), ref.get(`${u}:${c}`) ?? 0);
              }
            }
            orders.validateInternalState();
          }
        },
      ),
      { numRuns: 200 },
    );
  });
}

test("fingerprints are non-zero safe integers that tell users and ids apart", () => {
  const seen = new Set<number>();
  for (let u = 1; u <= 200; u++) {
    for (let i = 0; i < 50; i++) {
      const f = cidFingerprint(u, `c${i}`);
      assert.ok(Number.isSafeInteger(f) && f > 0);
      seen.add(f);
    }
  }
  assert.equal(seen.size, 200 * 50);
  assert.notEqual(cidFingerprint(2 ** 40 + 1, "x"), cidFingerprint(1, "x"));
});
