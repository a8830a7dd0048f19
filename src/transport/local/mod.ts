// Public door of the local transport: the event log in files and the
// in-process request/reply, embedded mode's and the tests' implementations
// of the transport interfaces.

export { LocalLog, type LocalLogOptions } from "./log.ts";
export { LocalRpc } from "./rpc.ts";
