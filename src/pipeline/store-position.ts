// Where settlement stands, as a gateway in another process sees it: the
// consumer position settlement commits with its rows. Read only when a read
// has to wait for a user's last write, then polled until it arrives.

import type { SettledPosition } from "../gateway/pipeline-backend.ts";
import type { SettlementStore } from "../store/mod.ts";
import { TransportError } from "../transport/mod.ts";

const POLL_MS = 2;

export class StorePosition implements SettledPosition {
  private known = 0;

  constructor(
    private readonly store: SettlementStore,
    private readonly stream = "core",
  ) {}

  settledSeq(): number {
    return this.known;
  }

  private async refresh(): Promise<number> {
    const p = (await this.store.loadPositions()).get(this.stream);
    if (p !== undefined && p.seq > this.known) this.known = p.seq;
    return this.known;
  }

  async waitFor(seq: number, timeout_ms: number): Promise<void> {
    const deadline = Date.now() + timeout_ms;
    while ((await this.refresh()) < seq) {
      if (Date.now() >= deadline) {
        throw new TransportError(
          "TIMEOUT",
          `settlement has not reached output ${seq} within ${timeout_ms} ms (it stands at ${this.known})`,
        );
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}
