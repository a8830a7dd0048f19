// Topic names: the seed system's, split per symbol where a topic is consumed by
// symbol (so matching engines can own a subset of symbols).

export const Topic = {
  BalanceOperations: "balance.operations",
  /** The sequencer's input in distributed mode: command batches from every gateway, one total order. */
  Orders: "orders",
  /** The sequencer's output batches, one hash chain: settlement and the gateways follow it. */
  Outputs: "engine.outputs",
  BalanceEvents: "balance.events",
  /** Depth diffs, one message per released output batch that changed a book: gateways keep their L2 books from it. */
  MarketData: "market.data",
  validatedOrders: (symbol: string) => `validated_orders.${symbol}`,
  engineOutputs: (symbol: string) => `engine.outputs.${symbol}`,
} as const;

export const Subject = {
  /** Live balances from UBSCore. */
  Balances: "ubscore.balances",
  /** Order book depth from the matching engine owning the symbol. */
  depth: (symbol: string) => `matching.depth.${symbol}`,
  /** A transfer request id's first application, from the sequencer. */
  Transfer: "sequencer.transfer",
  /** A symbol's whole L2 book with its update id and its open orders' facts, from the sequencer (market data resync). */
  marketBook: (symbol: string) => `market.book.${symbol}`,
} as const;
