// The last ledger seq of recently seen accounts, so that proving a batch's
// ledger continues each account's rows (LEDGER_GAP otherwise) costs a
// database lookup only for accounts not seen lately. Entries change only
// after a commit; when the stored position is not the one this writer left
// (another writer moved it), everything cached is forgotten. Bounded: past
// the cap the cache starts over.

import type { AccountSpan } from "./plan.ts";

const CAP_ACCOUNTS = 200_000;

export class LedgerTails {
  private readonly last = new Map<number, Map<number, number>>();
  private size = 0;

  /** The cached last seq, or undefined when the database must be asked. */
  get(user_id: number, asset_id: number): number | undefined {
    return this.last.get(user_id)?.get(asset_id);
  }

  /** After a commit: each account now ends at its span's last seq. */
  commit(accounts: readonly AccountSpan[]): void {
    if (this.size + accounts.length > CAP_ACCOUNTS) this.clear();
    for (const a of accounts) {
      let assets = this.last.get(a.user_id);
      if (assets === undefined) {
        assets = new Map();
        this.last.set(a.user_id, assets);
      }
      if (!assets.has(a.asset_id)) this.size++;
      assets.set(a.asset_id, a.last);
    }
  }

  /** Remember a stored tail read from the database (0: the account has no rows). */
  learn(user_id: number, asset_id: number, seq: number): void {
    this.commit([{ user_id, asset_id, first: seq, last: seq }]);
  }

  clear(): void {
    this.last.clear();
    this.size = 0;
  }
}
