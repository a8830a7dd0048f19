// Topic names, from the seed system's vocabulary. Two topics carry the order
// path between processes: the sequencer's input (one total order of every
// gateway's commands) and its output (one hash chain of core outputs).

export const Topic = {
  /** The sequencer's input in distributed mode: command batches from every gateway, one total order. */
  Orders: "orders",
  /** The sequencer's output batches, one hash chain: settlement and the gateways follow it. */
  Outputs: "engine.outputs",
  /** Depth diffs, one message per released output batch that changed a book: gateways keep their L2 books from it. */
  MarketData: "market.data",
  /** Requests to the sequencer's reads (balances, depth, transfers, books) on a log without request/reply (Kafka). */
  RpcRequests: "rpc.requests",
  /** Their answers, each addressed to the requester's inbox. */
  RpcReplies: "rpc.replies",
} as const;

export const Subject = {
  /** Live balances, from the sequencer. */
  Balances: "ubscore.balances",
  /** Order book depth of one symbol, from the sequencer. */
  depth: (symbol: string) => `matching.depth.${symbol}`,
  /** A transfer request id's first application, from the sequencer. */
  Transfer: "sequencer.transfer",
  /** A symbol's whole L2 book with its update id and its open orders' facts, from the sequencer (market data resync). */
  marketBook: (symbol: string) => `market.book.${symbol}`,
} as const;
