// The settled clock: the time settlement gives every row of an output. It is
// the command's own time (the gateway's stamp) unless an earlier output of the
// stream carried a later one, in which case it stays at that later time. So
// times never go backwards along the stream, and id order (orders, trades,
// ledger seqs) is also time order: a time window is an id range, cursor
// paging by id and by time agree, and a candle never receives a trade older
// than one it already holds. Gateways stamp commands independently (several
// processes, clocks that step), so without this a command stamped earlier
// can be sequenced after one stamped later. The clock is part of the stored
// position, so a replay from any point gives the same times.
//
// Whoever else derives time-bucketed data from the same stream (live
// candles) must use the same rule; when the sequencer itself stamps
// non-decreasing times, the rule changes nothing.

/** The settled time of an output whose command carries ts_ms, after the clock stood at clock_ms. */
export function settledTime(clock_ms: number, ts_ms: number): number {
  return Math.max(clock_ms, ts_ms);
}
