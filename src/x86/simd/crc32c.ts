// SSE4.2 CRC32 (SDM Vol. 2 CRC32): CRC-32C, the Castagnoli polynomial 0x1EDC6F41, processed
// bit-reflected (0x82F63B78), least significant byte first, with no initial or final inversion
// (the instruction accumulates into the destination register as it is).

const TABLE = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  TABLE[i] = c;
}

/** CRC32 r32, r/m{8,16,32}: `bytes` (1, 2, 4) low bytes of value folded into crc. */
export function crc32(crc: number, value: number, bytes: number): number {
  for (let i = 0; i < bytes; i++) crc = TABLE[(crc ^ (value >>> (8 * i))) & 0xff]! ^ (crc >>> 8);
  return crc;
}

/** CRC32 r64, r/m64: eight bytes (lo then hi); the result is zero-extended into the 64-bit register. */
export function crc32q(crc: number, lo: number, hi: number): number {
  return crc32(crc32(crc, lo, 4), hi, 4);
}
