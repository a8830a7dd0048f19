// The hand-off between a service's thread and the log worker: a ring of
// 8-byte slots in a SharedArrayBuffer, one producer (the service's logger) and
// one consumer (the worker). A line is a compact record: a marker id, the time
// and typed fields (ids as numbers, short strings as UTF-16 units), written
// straight into the ring with a few typed-array stores and published with one
// atomic store. No string is built and no object allocated per line; the
// worker turns records into JSON, writes the files and indexes them.
//
// When the ring is full the producer waits for the worker (back-pressure) in
// short slices, up to `block_ms_max`; only then is a line dropped, and every
// drop and every wait is counted in the control block, which the worker
// reports in the log and the metrics read.
//
// Record layout, in slots (k is the record's first slot):
//   k:    int32 length in slots | int32 kind | level << 4 | code << 8
//   k+1:  float64 time, ms since the epoch
//   EVENT fields from k+2, each: int32 field id | type << 16, int32 payload:
//         a 32-bit integer itself (INT32, IDTEXT32), 0 or 1 (BOOL), or the
//         length of the UTF-16 units in the following ceil(length / 4) slots
//         (STR, JSON); INT, NUM and IDTEXT put a float64 in the next slot.
//         Most ids and amounts fit in 32 bits: one slot per field.
//   RAW   k+2: int32 length, then the text's UTF-16 units (a whole JSON line).
//   DEFINE k+2: int32 length | int32 flags, then the field name's units; code
//         is the dynamic field id being named.
//   PAD   fills the ring's end when a record does not fit before it.

export const RecordKind = { Event: 1, Raw: 2, Define: 3, Pad: 4 } as const;

export const FieldType = {
  Int: 1,
  Num: 2,
  /** An integer written as a JSON string: an order's event id. */
  IdText: 3,
  Str: 4,
  Bool: 5,
  Null: 6,
  /** Text that is already JSON (a bigint's digits, a nested object). */
  Json: 7,
  /** An Int or IdText that fits in 32 bits, held in the field's own slot. */
  Int32: 8,
  IdText32: 9,
} as const;

/** Level codes in records, in the order of LOG_LEVELS. */
export const LEVEL_CODES = ["fatal", "error", "warn", "info", "debug", "trace"] as const;
export type RecordLevel = (typeof LEVEL_CODES)[number];
export const LevelCode: { readonly [K in RecordLevel]: number } = {
  fatal: 0,
  error: 1,
  warn: 2,
  info: 3,
  debug: 4,
  trace: 5,
};

/** The field id of the `msg` member, written last. */
export const MSG_FIELD = 0x7fff;
/** Field ids from here on are named at run time by DEFINE records, per ring. */
export const DYNAMIC_FIELD_BASE = 1024;
export const DEFINE_FLAG_ID = 1;

/** Indexes of the control block (Int32Array). */
export const Ctl = {
  HEAD: 0,
  TAIL: 1,
  /** 1 while the producer waits for room. */
  WAITING: 2,
  /** Lines the producer dropped: no room within block_ms_max, or the worker gone. */
  DROPPED: 3,
  /** Times the producer had to wait, and the milliseconds it waited. */
  WAITS: 4,
  WAITED_MS: 5,
  /** Lines the worker lost: the file system refused a write. */
  LOST: 6,
  /** Set by the producer's process at exit; the worker answers in EXIT_ACK once written. */
  EXIT_REQ: 7,
  EXIT_ACK: 8,
  /** 1 once the worker is gone: producers drop instead of waiting. */
  DEAD: 9,
  /** Lines written to the file so far. */
  WRITTEN: 10,
  /** Microseconds the worker spent reading, formatting and writing this ring's lines. */
  BUSY_US: 11,
  SIZE: 16,
} as const;

/** Slots of one event record at most (8 KiB); longer strings are cut to fit. */
const EVENT_SLOTS_MAX = 1024;
const SLICE_MS = 5;
const TRUNCATED = "…[truncated]";

export interface RingBuffers {
  readonly data: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
}

export function createRingBuffers(bytes: number): RingBuffers {
  let slots = 8192;
  while (slots * 8 < bytes) slots *= 2;
  return {
    data: new SharedArrayBuffer(slots * 8),
    control: new SharedArrayBuffer(Ctl.SIZE * 4),
  };
}

export interface ProducerHooks {
  /** Called after a record is published while the consumer may be asleep. */
  readonly wake: () => void;
}

/**
 * The producer's side: begin a record, add fields, end it. One instance per
 * service logger; the same object is handed out for every line, so a caller
 * must end a line before beginning the next.
 */
export class RingProducer {
  readonly capacity_slots: number;
  readonly block_ms_max: number;
  readonly #ctl: Int32Array;
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #u16: Uint16Array;
  readonly #mask: number;
  readonly #hooks: ProducerHooks;
  #head = 0;
  #tail_seen = 0;
  /** Slot of the record being written, its next free slot and its last usable one. */
  #start = -1;
  #pos = 0;
  #limit = 0;
  /** A wait ran out: do not wait again until the worker has moved on from this position. */
  #stalled = false;
  #stall_tail = 0;

  constructor(buffers: RingBuffers, block_ms_max: number, hooks: ProducerHooks) {
    this.#ctl = new Int32Array(buffers.control);
    this.#i32 = new Int32Array(buffers.data);
    this.#f64 = new Float64Array(buffers.data);
    this.#u16 = new Uint16Array(buffers.data);
    this.capacity_slots = this.#f64.length;
    this.#mask = this.capacity_slots - 1;
    this.block_ms_max = block_ms_max;
    this.#hooks = hooks;
    this.#head = Atomics.load(this.#ctl, Ctl.HEAD) >>> 0;
    this.#tail_seen = Atomics.load(this.#ctl, Ctl.TAIL) >>> 0;
  }

  get control(): Int32Array {
    return this.#ctl;
  }

  /** Whether a record is being written (between begin and end). */
  get open(): boolean {
    return this.#start >= 0;
  }

  /** Unconsumed slots: what the worker has still to read. */
  pending(): number {
    return (this.#head - (Atomics.load(this.#ctl, Ctl.TAIL) >>> 0)) >>> 0;
  }

  head(): number {
    return this.#head;
  }

  countDrop(): void {
    Atomics.add(this.#ctl, Ctl.DROPPED, 1);
  }

  /**
   * Starts an event record; false when there is no room (the line was
   * dropped and counted), in which case no field may be written.
   */
  beginEvent(level: number, marker: number, time_ms: number): boolean {
    return this.#begin(RecordKind.Event, level, marker, time_ms, EVENT_SLOTS_MAX);
  }

  /** Names a dynamic field id in this ring; the worker learns it before its first use. */
  define(field: number, name: string, is_id: boolean): boolean {
    if (!this.#begin(RecordKind.Define, 0, field, 0, 3 + Math.ceil(name.length / 4))) return false;
    const k = this.#pos;
    this.#i32[2 * k] = name.length;
    this.#i32[2 * k + 1] = is_id ? DEFINE_FLAG_ID : 0;
    this.#pos = k + 1;
    this.#chars(name, name.length);
    this.#seal();
    return true;
  }

  /** A whole line of JSON text (pino's lines); false when dropped. */
  raw(level: number, time_ms: number, text: string): boolean {
    const need = 3 + Math.ceil(text.length / 4);
    if (need > this.capacity_slots / 4) {
      this.countDrop();
      return false;
    }
    if (!this.#begin(RecordKind.Raw, level, 0, time_ms, need)) return false;
    const k = this.#pos;
    this.#i32[2 * k] = text.length;
    this.#pos = k + 1;
    this.#chars(text, text.length);
    this.#seal();
    return true;
  }

  int(field: number, v: number): this {
    if ((v | 0) === v) return this.#small(field, FieldType.Int32, v);
    if (!Number.isSafeInteger(v)) return this.num(field, v);
    return this.#wide(field, FieldType.Int, v);
  }

  num(field: number, v: number): this {
    if (Number.isFinite(v)) return this.#wide(field, FieldType.Num, v);
    return this.nul(field);
  }

  /** An integer written as a JSON string (an order's or trade's event id). */
  idText(field: number, v: number): this {
    if ((v | 0) === v) return this.#small(field, FieldType.IdText32, v);
    return this.#wide(field, FieldType.IdText, v);
  }

  /** A field whose value is its header's payload: one slot. */
  #small(field: number, type: number, payload: number): this {
    const k = this.#pos;
    if (k + 1 > this.#limit) return this;
    this.#i32[2 * k] = field | (type << 16);
    this.#i32[2 * k + 1] = payload;
    this.#pos = k + 1;
    return this;
  }

  /** A field with a float64 after its header: two slots. */
  #wide(field: number, type: number, v: number): this {
    const k = this.#pos;
    if (k + 2 > this.#limit) return this;
    this.#i32[2 * k] = field | (type << 16);
    this.#f64[k + 1] = v;
    this.#pos = k + 2;
    return this;
  }

  /** undefined leaves the field out; null writes null. */
  str(field: number, v: string | null | undefined): this {
    if (v === undefined) return this;
    if (v === null) return this.nul(field);
    return this.#text(field, FieldType.Str, v);
  }

  /** Text that is already JSON. */
  json(field: number, text: string): this {
    return this.#text(field, FieldType.Json, text);
  }

  bool(field: number, v: boolean): this {
    return this.#small(field, FieldType.Bool, v ? 1 : 0);
  }

  nul(field: number): this {
    return this.#small(field, FieldType.Null, 0);
  }

  /** Ends the line, with an optional human message; publishes it. */
  end(msg?: string): void {
    if (this.#start < 0) return;
    if (msg !== undefined) this.#text(MSG_FIELD, FieldType.Str, msg);
    this.#seal();
  }

  #text(field: number, type: number, v: string): this {
    const k = this.#pos;
    const room = (this.#limit - k - 1) * 4;
    if (room <= TRUNCATED.length) return this;
    let len = v.length;
    let cut = false;
    if (len > room) {
      len = room - TRUNCATED.length;
      cut = type === FieldType.Str;
      if (!cut) return this;
    }
    this.#pos = k + 1;
    this.#chars(v, len);
    if (cut) {
      // The cut text continues right after: the units were copied contiguously.
      const at = (k + 1) * 4 + len;
      for (let i = 0; i < TRUNCATED.length; i++) this.#u16[at + i] = TRUNCATED.charCodeAt(i);
      len += TRUNCATED.length;
      this.#pos = k + 1 + Math.ceil(len / 4);
    }
    this.#i32[2 * k] = field | (type << 16);
    this.#i32[2 * k + 1] = len;
    return this;
  }

  /** Copies `len` UTF-16 units of `s` from the current slot on. */
  #chars(s: string, len: number): void {
    const u16 = this.#u16;
    const base = this.#pos * 4;
    for (let i = 0; i < len; i++) u16[base + i] = s.charCodeAt(i);
    this.#pos += Math.ceil(len / 4);
  }

  #begin(kind: number, level: number, code: number, time_ms: number, slots_max: number): boolean {
    if (this.#start >= 0) this.#seal();
    const cap = this.capacity_slots;
    const at = this.#head & this.#mask;
    const contiguous = cap - at;
    const pad = contiguous < slots_max ? contiguous : 0;
    if (!this.#room(pad + slots_max)) {
      this.countDrop();
      return false;
    }
    if (pad > 0) {
      this.#i32[2 * at] = pad;
      this.#i32[2 * at + 1] = RecordKind.Pad;
      this.#head = (this.#head + pad) >>> 0;
    }
    const k = this.#head & this.#mask;
    this.#i32[2 * k + 1] = kind | (level << 4) | (code << 8);
    this.#f64[k + 1] = time_ms;
    this.#start = k;
    this.#pos = k + 2;
    this.#limit = k + slots_max;
    return true;
  }

  #seal(): void {
    const k = this.#start;
    const len = this.#pos - k;
    this.#i32[2 * k] = len;
    this.#start = -1;
    this.#head = (this.#head + len) >>> 0;
    Atomics.store(this.#ctl, Ctl.HEAD, this.#head | 0);
    // The consumer polls while busy; the hook only acts when it may be idle.
    this.#hooks.wake();
  }

  /** Whether `need` slots are free, waiting for the consumer when they are not. */
  #room(need: number): boolean {
    const cap = this.capacity_slots;
    if (cap - ((this.#head - this.#tail_seen) >>> 0) >= need) return true;
    this.#tail_seen = Atomics.load(this.#ctl, Ctl.TAIL) >>> 0;
    if (cap - ((this.#head - this.#tail_seen) >>> 0) >= need) {
      this.#stalled = false;
      return true;
    }
    if (Atomics.load(this.#ctl, Ctl.DEAD) === 1) return false;
    // A stalled worker costs one wait, not one per line; once it moves, waiting is worth it again.
    if (this.#stalled && this.#tail_seen === this.#stall_tail) return false;
    this.#stalled = false;
    this.#hooks.wake();
    const t0 = Date.now();
    Atomics.add(this.#ctl, Ctl.WAITS, 1);
    Atomics.store(this.#ctl, Ctl.WAITING, 1);
    try {
      for (;;) {
        const tail = Atomics.load(this.#ctl, Ctl.TAIL);
        this.#tail_seen = tail >>> 0;
        if (cap - ((this.#head - this.#tail_seen) >>> 0) >= need) return true;
        if (Atomics.load(this.#ctl, Ctl.DEAD) === 1) return false;
        if (Date.now() - t0 >= this.block_ms_max) {
          this.#stalled = true;
          this.#stall_tail = this.#tail_seen;
          return false;
        }
        Atomics.wait(this.#ctl, Ctl.TAIL, tail, SLICE_MS);
      }
    } finally {
      Atomics.store(this.#ctl, Ctl.WAITING, 0);
      Atomics.add(this.#ctl, Ctl.WAITED_MS, Date.now() - t0);
    }
  }
}

/** One record as the consumer sees it; `k` indexes the ring's slots. */
export interface RecordView {
  kind: number;
  level: number;
  code: number;
  time_ms: number;
  /** First slot of the body, and the slot after the record. */
  body: number;
  end: number;
}

/** The consumer's side: records between its position and the producer's. */
export class RingConsumer {
  readonly ctl: Int32Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly u16: Uint16Array;
  readonly #mask: number;
  #tail: number;

  constructor(buffers: RingBuffers) {
    this.ctl = new Int32Array(buffers.control);
    this.i32 = new Int32Array(buffers.data);
    this.f64 = new Float64Array(buffers.data);
    this.u16 = new Uint16Array(buffers.data);
    this.#mask = this.f64.length - 1;
    this.#tail = Atomics.load(this.ctl, Ctl.TAIL) >>> 0;
  }

  /** Published slots not read yet. */
  available(): number {
    return ((Atomics.load(this.ctl, Ctl.HEAD) >>> 0) - this.#tail) >>> 0;
  }

  /**
   * Calls `each` for up to `max` records; returns how many were read. The
   * slots are handed back to the producer only by `release`, after the
   * records' text is out of the ring.
   */
  read(max: number, each: (r: RecordView) => void): number {
    const head = Atomics.load(this.ctl, Ctl.HEAD) >>> 0;
    const view: RecordView = { kind: 0, level: 0, code: 0, time_ms: 0, body: 0, end: 0 };
    let n = 0;
    while (this.#tail !== head && n < max) {
      const k = this.#tail & this.#mask;
      const len = this.i32[2 * k] as number;
      const word = this.i32[2 * k + 1] as number;
      const kind = word & 15;
      if (len <= 0 || len > this.f64.length) {
        throw new Error(`log ring: bad record length ${len} at slot ${k}`);
      }
      this.#tail = (this.#tail + len) >>> 0;
      if (kind === RecordKind.Pad) continue;
      view.kind = kind;
      view.level = (word >> 4) & 15;
      view.code = word >>> 8;
      view.time_ms = this.f64[k + 1] as number;
      view.body = k + 2;
      view.end = k + len;
      each(view);
      n++;
    }
    return n;
  }

  /** Hands the slots read so far back to the producer, waking it if it waits. */
  release(): void {
    Atomics.store(this.ctl, Ctl.TAIL, this.#tail | 0);
    if (Atomics.load(this.ctl, Ctl.WAITING) === 1) Atomics.notify(this.ctl, Ctl.TAIL);
  }

  /** `len` UTF-16 units from slot k on, as a string (for the rare non-ASCII or long text). */
  text(k: number, len: number): string {
    const base = k * 4;
    let out = "";
    for (let i = 0; i < len; i += 4096) {
      out += String.fromCharCode.apply(
        null,
        this.u16.subarray(base + i, base + Math.min(len, i + 4096)) as unknown as number[],
      );
    }
    return out;
  }
}
