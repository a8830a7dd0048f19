// WebSocket text frames written once and sent as the same bytes to every
// subscriber. A server's frames are never masked (RFC 6455 5.1), so one
// stream's events over a flush are framed into one buffer that every
// connection subscribed to it writes as it is: the cost of an event is paid
// once, not once per subscriber.

/** The frames of `payloads`, back to back, as one buffer. */
export function textFrames(payloads: readonly string[]): Buffer {
  let total = 0;
  const lengths: number[] = new Array(payloads.length);
  for (let i = 0; i < payloads.length; i++) {
    const n = Buffer.byteLength(payloads[i] as string, "utf8");
    lengths[i] = n;
    total += headerBytes(n) + n;
  }
  const buf = Buffer.allocUnsafe(total);
  let pos = 0;
  for (let i = 0; i < payloads.length; i++) {
    const n = lengths[i] as number;
    pos = writeHeader(buf, pos, n);
    pos += buf.write(payloads[i] as string, pos, n, "utf8");
  }
  return buf;
}

function headerBytes(n: number): number {
  return n < 126 ? 2 : n < 65_536 ? 4 : 10;
}

function writeHeader(buf: Buffer, pos: number, n: number): number {
  // FIN + text opcode.
  buf[pos] = 0x81;
  if (n < 126) {
    buf[pos + 1] = n;
    return pos + 2;
  }
  if (n < 65_536) {
    buf[pos + 1] = 126;
    buf.writeUInt16BE(n, pos + 2);
    return pos + 4;
  }
  buf[pos + 1] = 127;
  buf.writeUInt32BE(Math.floor(n / 2 ** 32), pos + 2);
  buf.writeUInt32BE(n >>> 0, pos + 6);
  return pos + 10;
}
