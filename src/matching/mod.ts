// Public door of the matching engine's observability: the lifecycle markers
// it writes per match, trade, expiry and refused cancel. The engine itself
// lives in src/core/ (matching.ts, book.ts), in the sequencer's thread.

export { type MatchedView, MatchingEvents } from "./events.ts";
