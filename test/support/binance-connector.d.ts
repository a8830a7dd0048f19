// The part of @binance/connector (plain JavaScript, no typings of its own)
// that the tests drive; every call answers an axios response.

declare module "@binance/connector" {
  interface Response<T = unknown> {
    data: T;
    status: number;
    headers: Record<string, string>;
  }
  type Options = Record<string, string | number | boolean>;
  export class Spot {
    constructor(
      apiKey?: string,
      apiSecret?: string,
      options?: { baseURL?: string; timeout?: number },
    );
    ping(): Promise<Response>;
    time(): Promise<Response<{ serverTime: number }>>;
    exchangeInfo(options?: Options): Promise<Response<{ symbols: { symbol: string }[] }>>;
    depth(
      symbol: string,
      options?: Options,
    ): Promise<Response<{ lastUpdateId: number; bids: string[][]; asks: string[][] }>>;
    trades(symbol: string, options?: Options): Promise<Response<Record<string, unknown>[]>>;
    klines(symbol: string, interval: string, options?: Options): Promise<Response<unknown[][]>>;
    tickerPrice(symbol?: string): Promise<Response<{ symbol: string; price: string }>>;
    bookTicker(symbol?: string): Promise<Response<Record<string, string>>>;
    ticker24hr(symbol?: string): Promise<Response<Record<string, unknown>>>;
    newOrder(
      symbol: string,
      side: string,
      type: string,
      options?: Options,
    ): Promise<Response<Record<string, unknown>>>;
    newOrderTest(
      symbol: string,
      side: string,
      type: string,
      options?: Options,
    ): Promise<Response<Record<string, unknown>>>;
    getOrder(symbol: string, options?: Options): Promise<Response<Record<string, unknown>>>;
    cancelOrder(symbol: string, options?: Options): Promise<Response<Record<string, unknown>>>;
    cancelOpenOrders(
      symbol: string,
      options?: Options,
    ): Promise<Response<Record<string, unknown>[]>>;
    openOrders(options?: Options): Promise<Response<Record<string, unknown>[]>>;
    allOrders(symbol: string, options?: Options): Promise<Response<Record<string, unknown>[]>>;
    account(
      options?: Options,
    ): Promise<Response<{ balances: { asset: string; free: string; locked: string }[] }>>;
    myTrades(symbol: string, options?: Options): Promise<Response<Record<string, unknown>[]>>;
    createListenKey(): Promise<Response<{ listenKey: string }>>;
    renewListenKey(listenKey: string): Promise<Response<Record<string, never>>>;
    closeListenKey(listenKey: string): Promise<Response<Record<string, never>>>;
  }
}
