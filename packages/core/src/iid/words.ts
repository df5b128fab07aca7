// An 8-byte interface identifier as two big-endian 32-bit words, the form in which SHA-256 hands
// it over: the rfc7217 hot path masks and checks identifiers as two numbers instead of eight bytes.

/**
 * The big-endian 32-bit word at byte `at` of `bytes` (missing bytes read as zero).
 *
 * @example
 * ```ts
 * readWord(Uint8Array.of(2, 0, 0x5e, 0xff), 0); // 0x02005eff
 * ```
 */
export function readWord(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 24) | ((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0);
}

/**
 * Writes `word` big-endian at byte `at` of `bytes`.
 *
 * @example
 * ```ts
 * const iid = new Uint8Array(8);
 * writeWord(iid, 4, 0x42); // iid[7] === 0x42
 * ```
 */
export function writeWord(bytes: Uint8Array, at: number, word: number): void {
  bytes[at] = word >>> 24;
  bytes[at + 1] = word >>> 16;
  bytes[at + 2] = word >>> 8;
  bytes[at + 3] = word;
}

/**
 * Which bits of an identifier's high word (its first 4 bytes) lie in a host part of `hostBits`
 * bits (0 to 64).
 *
 * @example
 * ```ts
 * highWordMask(40); // 0xff
 * ```
 */
export function highWordMask(hostBits: number): number {
  if (hostBits <= 32) return 0;
  // 1 << 32 is 1 in JavaScript, so the full word is spelled out; | 0 brings (1 << 31) - 1, which
  // is -2 ** 31 - 1, back to 0x7fffffff.
  return hostBits >= 64 ? -1 : ((1 << (hostBits - 32)) - 1) | 0;
}

/**
 * Which bits of an identifier's low word (its last 4 bytes) lie in a host part of `hostBits`
 * bits (0 to 64).
 *
 * @example
 * ```ts
 * lowWordMask(8); // 0xff
 * ```
 */
export function lowWordMask(hostBits: number): number {
  return hostBits >= 32 ? -1 : ((1 << hostBits) - 1) | 0;
}
