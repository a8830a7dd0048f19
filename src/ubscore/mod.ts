// Public surface of the UBSCore service.

export {
  type BalanceRow,
  type CommandReply,
  engineReply,
  type OrderReply,
  type ReplyTrade,
  refusedReply,
  type TransferReply,
  transferReply,
} from "./replies.ts";
