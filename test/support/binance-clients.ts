// Binance clients that no one here wrote, pointed at a local gateway: ccxt's
// binance class with every API URL of its table moved to the gateway (so a
// margin or futures call reaches Bourse and gets its clear error, never the
// internet), spot markets only, also its WebSocket class (ccxt.pro); and
// Binance's own Node connector.

import { Spot } from "@binance/connector";
import ccxt from "ccxt";

export interface KeyPair {
  api_key: string;
  secret: string;
}

/** ccxt's binance against a gateway at `url` (http://127.0.0.1:port). */
export function ccxtBinance(url: string, key?: KeyPair): InstanceType<typeof ccxt.binance> {
  const template = new ccxt.binance();
  const api: Record<string, string> = {};
  for (const [name, target] of Object.entries(template.urls.api as Record<string, string>)) {
    api[name] = target.replace(/^https:\/\/[a-z0-9.-]+/, url);
  }
  return new ccxt.binance({
    ...(key === undefined ? {} : { apiKey: key.api_key, secret: key.secret }),
    urls: { ...template.urls, api },
    options: {
      fetchMarkets: { types: ["spot"] },
      fetchCurrencies: false,
      fetchMargins: false,
    },
  });
}

/**
 * ccxt's WebSocket binance (ccxt.pro) against the same gateway: REST as
 * above, market streams at ws://…/ws and the WebSocket API at /ws-api/v3.
 */
export function ccxtBinancePro(url: string, key?: KeyPair): InstanceType<typeof ccxt.pro.binance> {
  const rest = ccxtBinance(url, key);
  const template = new ccxt.pro.binance();
  const ws_url = url.replace(/^http/, "ws");
  const ws = {
    ...(template.urls.api as { ws: Record<string, unknown> }).ws,
    spot: `${ws_url}/ws`,
    "ws-api": { spot: `${ws_url}/ws-api/v3` },
  };
  return new ccxt.pro.binance({
    ...(key === undefined ? {} : { apiKey: key.api_key, secret: key.secret }),
    urls: { ...rest.urls, api: { ...(rest.urls.api as Record<string, unknown>), ws } },
    options: {
      fetchMarkets: { types: ["spot"] },
      fetchCurrencies: false,
      fetchMargins: false,
    },
  });
}

export function connectorFor(url: string, key?: KeyPair): Spot {
  return key === undefined
    ? new Spot("", "", { baseURL: url })
    : new Spot(key.api_key, key.secret, { baseURL: url });
}
