// Public surface of the control channel: the data folder's lock, the socket a
// running exchange serves, and the client operator commands use.

export { type AskOptions, ask, ControlError } from "./client.ts";
export { DataDirLockedError, LOCK_FILE, type LockOwner, lockDataDir, lockOwner } from "./lock.ts";
export {
  CONTROL_OPS,
  CONTROL_SOCKET,
  type ControlOp,
  type RunState,
  type SnapshotAnswer,
  SocketPathTooLongError,
  type StatusAnswer,
} from "./protocol.ts";
export { type Control, type ControlOptions, type ControlTarget, openControl } from "./server.ts";
