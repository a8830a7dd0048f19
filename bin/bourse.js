#!/usr/bin/env -S node --max-semi-space-size=64
// A 64 MiB young generation (Node's default is 16): the engine's resting orders
// and idempotency records live for seconds to hours, and with a small nursery
// they are promoted early and collected by long full collections; with this
// one the replay benchmark runs about twice as fast with pauses ~15x shorter
// (docs/engine.md). `npm start` and the test harness pass the same flag.
//
// The package runs its TypeScript sources directly: tsx registers a loader so
// there is no build step to forget and no stale dist/ to debug.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/mod.ts");
await main(process.argv);
