// Entry of the log worker thread. The project runs its TypeScript through
// tsx, whose loader a worker does not inherit: register it here, then load
// the worker itself.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
