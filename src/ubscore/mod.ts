// Public surface of the UBSCore service.

export {
  type BalanceRow,
  type CommandReply,
  engineReply,
  eventIdOfTransfer,
  type OrderReply,
  orderReplyOf,
  type ReplyTrade,
  refusedReply,
  type TransferReply,
  transferReply,
  transferReplyOf,
} from "./replies.ts";
