// The web pages the gateway serves at /: the trading page (#/) and the
// operator console (#/operator), one bundle, talking only to the gateway
// that served it.

import { signal } from "@preact/signals";
import { render } from "preact";
import { useEffect } from "preact/hooks";
import { Account } from "./account.tsx";
import {
  CandleChart,
  info,
  loadMarkets,
  MarketsList,
  OrderBook,
  RecentTrades,
  symbolInfo,
} from "./market.tsx";
import { Operator } from "./operator.tsx";
import { operatorSession, userSession } from "./session.ts";
import { SignIn } from "./signin.tsx";

const route = signal(location.hash);
addEventListener("hashchange", () => {
  route.value = location.hash;
});

function Trading() {
  const s = symbolInfo.value;
  const client = userSession.client.value;
  return (
    <div class="trading">
      <aside>
        <h2>Markets</h2>
        <MarketsList />
      </aside>
      {s === null ? (
        <main>
          <p>{info.value === null ? "Loading…" : "No market selected."}</p>
        </main>
      ) : (
        <main>
          <h1>
            {s.base_asset}/{s.quote_asset}
          </h1>
          <div class="market">
            <CandleChart symbol={s.symbol} stream={s.stream_symbol} />
            <OrderBook symbol={s.symbol} />
            <RecentTrades symbol={s.symbol} stream={s.stream_symbol} />
          </div>
          {client === null ? (
            <SignIn session={userSession} title="Sign in to trade" verify={(c) => c.balance()} />
          ) : (
            <Account key={client} client={client} s={s} onSignOut={() => userSession.signOut()} />
          )}
        </main>
      )}
    </div>
  );
}

function Console() {
  const client = operatorSession.client.value;
  return (
    <main class="console">
      <h1>Operator console</h1>
      {client === null ? (
        <SignIn session={operatorSession} title="Sign in with an operator key" />
      ) : (
        <Operator client={client} onSignOut={() => operatorSession.signOut()} />
      )}
    </main>
  );
}

function App() {
  useEffect(() => {
    void loadMarkets();
  }, []);
  const operator = route.value === "#/operator";
  return (
    <>
      <header>
        <strong>Bourse</strong>
        <nav aria-label="Pages">
          <a href="#/" aria-current={operator ? undefined : "page"}>
            Trading
          </a>
          <a href="#/operator" aria-current={operator ? "page" : undefined}>
            Operator
          </a>
        </nav>
      </header>
      {operator ? <Console /> : <Trading />}
      <footer>
        Charts by{" "}
        <a href="https://www.tradingview.com/" rel="noopener noreferrer">
          TradingView
        </a>{" "}
        Lightweight Charts™ (Apache-2.0; notices in app.js.LEGAL.txt).
      </footer>
    </>
  );
}

const root = document.getElementById("app");
if (root !== null) render(<App />, root);
