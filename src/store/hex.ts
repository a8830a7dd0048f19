// Chain hashes are unsigned 64-bit values; both databases store them as
// 16-character lowercase hex so that every value round-trips and sorts alike.

export function hashToHex(hash: bigint): string {
  return BigInt.asUintN(64, hash).toString(16).padStart(16, "0");
}

export function hexToHash(hex: string): bigint {
  if (!/^[0-9a-f]{16}$/.test(hex)) throw new Error(`not a 16-digit hex hash: ${hex}`);
  return BigInt(`0x${hex}`);
}
