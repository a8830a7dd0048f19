// Public door of the benchmarks' shared parts: order-flow files (generated,
// read back as commands) and the in-memory replay, which benchmark scripts
// under bench/ and the tests use. Each `bourse bench` subcommand is wired in
// src/cli/bench.ts.

export { type FlowLine, type FlowOrder, type Parsed, readFlow, toCommand } from "./flow.ts";
export { type GenerateOptions, generateFlow, MIXES, type Mix, writeFlow } from "./generate.ts";
export { type ReplayResult, replay } from "./replay.ts";
