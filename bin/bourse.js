#!/usr/bin/env node
// The package runs its TypeScript sources directly: tsx registers a loader so
// there is no build step to forget and no stale dist/ to debug.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
