#!/usr/bin/env -S node --max-semi-space-size=64
// A 64 MiB young generation (Node's default is 16): the engine's resting orders
// and idempotency records live for seconds to hours, and with a small nursery
// they were promoted early and collected by long full collections; when the
// core built objects for every output, this made the replay benchmark about
// twice as fast with pauses ~15x shorter. Since the core writes its outputs as
// bytes, the default measured as fast or faster for the core and the embedded
// exchange, and about 7% slower for the services over NATS
// (bench/results/core.md, "The young generation"), so the flag stays.
// `npm start` and the test harness pass the same flag.
//
// The package runs its TypeScript sources directly: tsx registers a loader so
// there is no build step to forget and no stale dist/ to debug.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/mod.ts");
await main(process.argv);
