// The sequencer's clock. The core reads no clock: its time is the largest
// ts_ms of the commands it applied, so a dead-man's switch fires only when a
// command carries a time past its deadline. While a switch is armed, this
// hands the core a Tick (a command of a time and nothing else) once the
// earliest deadline has passed, through the same intake as every command, so
// the Tick is journaled and a replay fires the same switches at the same place.

import { type Core, tickCommand } from "../core/mod.ts";

/** How often the clock looks at the armed switches; bounds how late one fires. */
export const TICK_CHECK_MS = 50;

export interface SequencerClock {
  stop(): void;
}

/**
 * Check every TICK_CHECK_MS; when a switch is due, `submit` a Tick stamped
 * `now_ms()`. At most one Tick is in flight at a time.
 */
export function startClock(
  core: Pick<Core, "armedTimers" | "nextTimerDeadline">,
  submit: (tick: ReturnType<typeof tickCommand>) => Promise<unknown>,
  now_ms: () => number = Date.now,
): SequencerClock {
  let in_flight = false;
  const timer = setInterval(() => {
    if (in_flight || core.armedTimers() === 0) return;
    const now = now_ms();
    if (core.nextTimerDeadline() > now) return;
    in_flight = true;
    submit(tickCommand(now)).then(
      () => {
        in_flight = false;
      },
      () => {
        // Refused (stopping, overloaded): the next check tries again.
        in_flight = false;
      },
    );
  }, TICK_CHECK_MS);
  return { stop: () => clearInterval(timer) };
}
