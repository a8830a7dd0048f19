// The entry point of settlement's worker thread. Bourse runs its TypeScript
// sources directly (bin/bourse.js registers tsx in the main thread), and a
// worker thread starts with a module loader of its own, so it registers tsx
// again before loading the worker's TypeScript module.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
