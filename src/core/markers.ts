// The one registry of lifecycle markers and of the fields their lines carry.
// Every service writes its markers from these constants and `bourse trace`
// reads its expectations from them, so a marker cannot be renamed in one
// place and forgotten in another (test/unit/core/markers.test.ts checks the
// emitters and the trace against this table). Each marker says which services
// write it, for which flow, at which level, and whether per-order sampling
// may leave it out when an operator turns sampling on.

/** The services that write log files, in the order an event passes them. */
export const SERVICE_NAMES = ["gateway", "ubscore", "matching_engine", "settlement"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/**
 * What a marker belongs to: a business event's lifecycle (deposit, withdraw,
 * order, cancel, trade), or the life of a service (service, recovery,
 * health), or of its log itself (log).
 */
export type MarkerFlow =
  | "deposit"
  | "withdraw"
  | "order"
  | "cancel"
  | "trade"
  | "service"
  | "recovery"
  | "health"
  | "log";

export type MarkerLevel = "info" | "warn" | "error";

export interface MarkerSpec {
  /** Dense index, the marker's compact form in the log writer's records. */
  readonly id: number;
  readonly name: string;
  readonly flow: MarkerFlow;
  /** The services that write it. */
  readonly services: readonly ServiceName[];
  readonly level: MarkerLevel;
  /**
   * May be left out by sampling (--log-sample-ppm below 1000000). Money
   * movements, refusals, failures and everything that is not a business
   * event are always written.
   */
  readonly sampled: boolean;
  readonly doc: string;
}

const ALL: readonly ServiceName[] = SERVICE_NAMES;
const GW: readonly ServiceName[] = ["gateway"];
const UBS: readonly ServiceName[] = ["ubscore"];
const ME: readonly ServiceName[] = ["matching_engine"];
const SETTLE: readonly ServiceName[] = ["settlement"];
const UBS_SETTLE: readonly ServiceName[] = ["ubscore", "settlement"];
const GW_UBS: readonly ServiceName[] = ["gateway", "ubscore"];
const CORE: readonly ServiceName[] = ["ubscore", "matching_engine"];

type Def = Omit<MarkerSpec, "id" | "name">;

function def(
  flow: MarkerFlow,
  services: readonly ServiceName[],
  level: MarkerLevel,
  sampled: boolean,
  doc: string,
): Def {
  return { flow, services, level, sampled, doc };
}

function transferDefs(flow: "deposit" | "withdraw") {
  const what = flow === "deposit" ? "deposit" : "withdrawal";
  return {
    RECEIVED: def(flow, GW, "info", false, `the gateway checked the ${what} and sends it on`),
    ANSWERED: def(
      flow,
      GW,
      "info",
      false,
      `the gateway answered the ${what} (applied or duplicate)`,
    ),
    REJECTED: def(flow, GW_UBS, "warn", false, `UBSCore refused the ${what}; the gateway said so`),
    FAILED: def(flow, GW, "error", false, `no answer for the ${what} (timeout, transport down)`),
    CONSUMED: def(
      flow,
      UBS_SETTLE,
      "info",
      false,
      `UBSCore took the ${what}; settlement took its output`,
    ),
    VALIDATED: def(flow, UBS, "info", false, `UBSCore applied the ${what} (or found it a retry)`),
    TO_SETTLEMENT: def(
      flow,
      UBS,
      "info",
      false,
      `UBSCore handed the ${what}'s output to settlement`,
    ),
    EXIT: def(flow, UBS, "info", false, `the ${what} left UBSCore (answered)`),
    PERSISTED: def(flow, SETTLE, "info", false, `settlement committed the ${what}'s rows`),
  };
}

const dep = transferDefs("deposit");
const wd = transferDefs("withdraw");

const DEFS = {
  DEPOSIT_RECEIVED: dep.RECEIVED,
  DEPOSIT_ANSWERED: dep.ANSWERED,
  DEPOSIT_REJECTED: dep.REJECTED,
  DEPOSIT_FAILED: dep.FAILED,
  DEPOSIT_CONSUMED: dep.CONSUMED,
  DEPOSIT_VALIDATED: dep.VALIDATED,
  DEPOSIT_TO_SETTLEMENT: dep.TO_SETTLEMENT,
  DEPOSIT_EXIT: dep.EXIT,
  DEPOSIT_PERSISTED: dep.PERSISTED,
  WITHDRAW_RECEIVED: wd.RECEIVED,
  WITHDRAW_ANSWERED: wd.ANSWERED,
  WITHDRAW_REJECTED: wd.REJECTED,
  WITHDRAW_FAILED: wd.FAILED,
  WITHDRAW_CONSUMED: wd.CONSUMED,
  WITHDRAW_VALIDATED: wd.VALIDATED,
  WITHDRAW_TO_SETTLEMENT: wd.TO_SETTLEMENT,
  WITHDRAW_EXIT: wd.EXIT,
  WITHDRAW_PERSISTED: wd.PERSISTED,

  ORDER_RECEIVED: def("order", GW, "info", true, "the gateway checked the order and sends it on"),
  ORDER_ANSWERED: def("order", GW, "info", true, "the gateway answered with the order's status"),
  ORDER_REJECTED: def("order", GW_UBS, "warn", false, "UBSCore (or the book) refused the order"),
  ORDER_FAILED: def("order", GW, "error", false, "no answer for the order"),
  ORDER_ACCEPTED: def("order", UBS, "info", true, "UBSCore numbered the order and froze its funds"),
  ORDER_MATCHED: def("order", ME, "info", true, "the order took liquidity: its trade count"),
  ORDER_EXPIRED: def("order", ME, "info", true, "the book expired what was left of the order"),
  ORDER_PERSISTED: def("order", SETTLE, "info", true, "settlement wrote the order's first row"),
  STOP_TRIGGERED: def(
    "order",
    ME,
    "info",
    true,
    "a waiting stop's trigger was reached: it now trades as a market or limit order",
  ),
  ORDER_AMENDED: def("order", ME, "info", true, "the book changed the order's price or quantity"),

  CANCEL_RECEIVED: def(
    "cancel",
    GW,
    "info",
    true,
    "the gateway checked the cancel and sends it on",
  ),
  CANCEL_ANSWERED: def("cancel", GW, "info", true, "the gateway answered: cancelled"),
  CANCEL_REJECTED: def(
    "cancel",
    ["gateway", "ubscore", "matching_engine"],
    "warn",
    false,
    "refused by UBSCore, or by the book after UBSCore admitted it (the order was done)",
  ),
  CANCEL_FAILED: def("cancel", GW, "error", false, "no answer for the cancel"),
  CANCEL_ACCEPTED: def(
    "cancel",
    UBS,
    "info",
    true,
    "UBSCore checked the cancel's owner and sent it to the book",
  ),
  ORDER_CANCELLED: def("cancel", ME, "info", true, "the book removed the order"),
  // No user's cancel request is behind these two: they belong to the order's own flow.
  OCO_CANCELLED: def(
    "order",
    ME,
    "info",
    true,
    "the other leg of the order's OCO traded, triggered or ended: the book removed this one",
  ),
  AUTO_CANCELLED: def(
    "order",
    ME,
    "warn",
    false,
    "the user's cancel-all-after timer came due: the book removed the order",
  ),

  TRADE_EXECUTED: def("trade", ME, "info", true, "a fill: trade id, taker and maker orders"),
  TRADE_PERSISTED: def("trade", SETTLE, "info", true, "settlement wrote the trade's rows"),

  SERVICE_STARTED: def("service", ALL, "info", false, "the process began; options follow"),
  SERVICE_READY: def("service", ALL, "info", false, "recovered and taking traffic"),
  SERVICE_STOPPING: def("service", ALL, "info", false, "a stop was asked for; draining"),
  SERVICE_STOPPED: def("service", ALL, "info", false, "everything written; the log closes"),
  SERVICE_FAILED: def("service", ALL, "error", false, "the service stopped on an error"),
  SIGNAL_IGNORED: def(
    "service",
    ALL,
    "warn",
    false,
    "a signal that does nothing (SIGUSR2: `bourse snapshot` uses the control socket)",
  ),
  UNCAUGHT_ERROR: def(
    "service",
    ALL,
    "error",
    false,
    "an uncaught exception or unhandled rejection: the process stops and exits 1",
  ),

  SNAPSHOT_LOADED: def("recovery", CORE, "info", false, "recovery started from this snapshot"),
  SNAPSHOT_SKIPPED: def("recovery", CORE, "warn", false, "a corrupt snapshot was skipped"),
  JOURNAL_REPLAYED: def(
    "recovery",
    CORE,
    "info",
    false,
    "the journal after the snapshot was replayed",
  ),
  JOURNAL_TAIL_TRUNCATED: def("recovery", CORE, "warn", false, "a torn journal tail was cut"),
  SNAPSHOT_TAKEN: def("recovery", CORE, "info", false, "a snapshot was written"),
  SNAPSHOT_FAILED: def("recovery", CORE, "error", false, "a snapshot could not be written"),

  SETTLEMENT_LAG_HIGH: def(
    "health",
    SETTLE,
    "warn",
    false,
    "settlement lag rose above the threshold",
  ),
  SETTLEMENT_LAG_RECOVERED: def(
    "health",
    SETTLE,
    "info",
    false,
    "settlement lag fell back below it",
  ),
  SETTLEMENT_DB_UNAVAILABLE: def(
    "health",
    SETTLE,
    "warn",
    false,
    "the database is unreachable: settlement holds its batch and retries",
  ),
  SETTLEMENT_DB_BACK: def("health", SETTLE, "warn", false, "the database is reachable again"),
  BACKPRESSURE_ENGAGED: def("health", ALL, "warn", false, "a stage is full: its producer waits"),
  BACKPRESSURE_RELEASED: def("health", ALL, "info", false, "the stage has room again"),
  GATEWAY_ERROR: def("health", GW, "error", false, "a request failed inside the gateway (500)"),

  LOG_LINES_DROPPED: def("log", ALL, "warn", false, "log lines were lost: count and total"),
  LOG_WRITE_FAILED: def("log", ALL, "error", false, "the file system refused a log write"),
  TRACE_EXPORT_FAILED: def("log", ALL, "error", false, "spans could not be exported at shutdown"),
} satisfies Record<string, Def>;

export type MarkerName = keyof typeof DEFS;

function build(): { readonly [K in MarkerName]: MarkerSpec } {
  const out: Record<string, MarkerSpec> = {};
  let id = 0;
  for (const [name, d] of Object.entries(DEFS)) {
    out[name] = Object.freeze({ id: id++, name, ...d });
  }
  return Object.freeze(out) as { readonly [K in MarkerName]: MarkerSpec };
}

/** Every marker, by name: `Marker.ORDER_ACCEPTED`. */
export const Marker = build();

const BY_ID: readonly MarkerSpec[] = Object.freeze(
  Object.values(Marker).sort((a, b) => a.id - b.id),
);
const BY_NAME: ReadonlyMap<string, MarkerSpec> = new Map(BY_ID.map((m) => [m.name, m]));

export function allMarkers(): readonly MarkerSpec[] {
  return BY_ID;
}

export function markerById(id: number): MarkerSpec | undefined {
  return BY_ID[id];
}

/** The marker of a name read from a log line; undefined when it is not one. */
export function markerByName(name: string): MarkerSpec | undefined {
  return BY_NAME.get(name);
}

/** The markers of one transfer family, for code that handles both deposits and withdrawals. */
export interface TransferMarkers {
  readonly RECEIVED: MarkerSpec;
  readonly ANSWERED: MarkerSpec;
  readonly REJECTED: MarkerSpec;
  readonly FAILED: MarkerSpec;
  readonly CONSUMED: MarkerSpec;
  readonly VALIDATED: MarkerSpec;
  readonly TO_SETTLEMENT: MarkerSpec;
  readonly EXIT: MarkerSpec;
  readonly PERSISTED: MarkerSpec;
}

export const DEPOSIT_MARKERS: TransferMarkers = Object.freeze({
  RECEIVED: Marker.DEPOSIT_RECEIVED,
  ANSWERED: Marker.DEPOSIT_ANSWERED,
  REJECTED: Marker.DEPOSIT_REJECTED,
  FAILED: Marker.DEPOSIT_FAILED,
  CONSUMED: Marker.DEPOSIT_CONSUMED,
  VALIDATED: Marker.DEPOSIT_VALIDATED,
  TO_SETTLEMENT: Marker.DEPOSIT_TO_SETTLEMENT,
  EXIT: Marker.DEPOSIT_EXIT,
  PERSISTED: Marker.DEPOSIT_PERSISTED,
});

export const WITHDRAW_MARKERS: TransferMarkers = Object.freeze({
  RECEIVED: Marker.WITHDRAW_RECEIVED,
  ANSWERED: Marker.WITHDRAW_ANSWERED,
  REJECTED: Marker.WITHDRAW_REJECTED,
  FAILED: Marker.WITHDRAW_FAILED,
  CONSUMED: Marker.WITHDRAW_CONSUMED,
  VALIDATED: Marker.WITHDRAW_VALIDATED,
  TO_SETTLEMENT: Marker.WITHDRAW_TO_SETTLEMENT,
  EXIT: Marker.WITHDRAW_EXIT,
  PERSISTED: Marker.WITHDRAW_PERSISTED,
});

export function transferMarkers(type: "deposit" | "withdraw"): TransferMarkers {
  return type === "deposit" ? DEPOSIT_MARKERS : WITHDRAW_MARKERS;
}

// ---------------------------------------------------------------------------
// Fields

/**
 * The fields marker lines carry, each with a dense id: the hot path writes a
 * field by its id, so no key is looked up or encoded per line. `id: true`
 * marks the fields whose values are ids a trace follows (and the log index
 * records). Lines may carry other fields too (logEvent with an object); those
 * are named at run time.
 */
const FIELD_DEFS = {
  event_id: true,
  order_id: true,
  maker_order_id: true,
  trade_id: true,
  request_id: true,
  req_id: true,
  user_id: false,
  maker_user_id: false,
  asset: false,
  symbol: false,
  side: false,
  order_type: false,
  cid: false,
  status: false,
  trades: false,
  filled: false,
  filled_lots: false,
  remaining_lots: false,
  price_ticks: false,
  qty_lots: false,
  amount: false,
  amount_units: false,
  reason: false,
  code: false,
  error: false,
  duplicate: false,
  first_event_id: false,
  topic: false,
  replied: false,
  table: false,
  outcome: false,
  trace_id: false,
  stage: false,
  lag_ms: false,
  threshold_ms: false,
  count: false,
  dropped_total: false,
  waited_ms: false,
  seq: false,
  file: false,
  offset: false,
  bytes: false,
  replayed: false,
  seconds: false,
  path: false,
  mode: false,
  pid: false,
} as const;

export type FieldName = keyof typeof FIELD_DEFS;

/** A field's dense id: `Field.order_id`. */
export const Field: { readonly [K in FieldName]: number } = Object.freeze(
  Object.fromEntries(Object.keys(FIELD_DEFS).map((name, i) => [name, i])) as {
    [K in FieldName]: number;
  },
);

/** Field names by id. */
export const FIELD_NAMES: readonly string[] = Object.freeze(Object.keys(FIELD_DEFS));

/** Fields whose values are ids: what a trace looks lines up by. */
export const ID_FIELDS = Object.freeze(
  (Object.keys(FIELD_DEFS) as FieldName[]).filter((k) => FIELD_DEFS[k]),
) as readonly ("event_id" | "order_id" | "maker_order_id" | "trade_id" | "request_id" | "req_id")[];
export type IdField = (typeof ID_FIELDS)[number];

const ID_FIELD_SET: ReadonlySet<string> = new Set(ID_FIELDS);

export function isIdField(name: string): boolean {
  return ID_FIELD_SET.has(name);
}
