// Public surface of the UBSCore service.

export { type AppliedResult, UbsEvents } from "./events.ts";
export {
  type BalanceRow,
  type CommandReply,
  engineReply,
  type OrderReply,
  orderReplyFor,
  orderReplyOf,
  type ReplyTrade,
  refusedReply,
  type TransferReply,
  transferReply,
  transferReplyOf,
} from "./replies.ts";
