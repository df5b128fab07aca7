// SHA-1's compression function (FIPS 180-4 §6.1.2) over big-endian words, for the linux
// generator: the kernel runs one compression and reads the raw state, skipping padding and
// finalisation. noble's `_SHA1` reaches its compression only through a DataView, and a DataView
// over a new array makes V8 move the array's bytes off its heap: that cost more than the hash,
// and twice as much in some processes as in others (docs/performance.md). The tests hold this
// one to noble's bit for bit.

/**
 * SHA-1's initial hash value H(0) (FIPS 180-4 §5.3.1).
 *
 * @example
 * ```ts
 * const [h0, h1] = sha1Compress(SHA1_IV, block);
 * ```
 */
export const SHA1_IV: readonly number[] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/** f_t(b, c, d) + K_t for round `t` (FIPS 180-4 §4.1.1, §4.2.1). */
function roundFunction(t: number, b: number, c: number, d: number): number {
  if (t < 20) return ((b & c) | (~b & d)) + 0x5a827999;
  if (t < 40) return (b ^ c ^ d) + 0x6ed9eba1;
  if (t < 60) return ((b & c) | (b & d) | (c & d)) + 0x8f1bbcdc;
  return (b ^ c ^ d) + 0xca62c1d6;
}

/**
 * Compresses one 64-byte block, given as its 16 big-endian words, into `state` and returns the
 * new state as five signed 32-bit words; `state` is left as it was.
 *
 * @example
 * ```ts
 * const [h0, h1] = sha1Compress(SHA1_IV, block); // the kernel's stable-privacy hash
 * ```
 */
export function sha1Compress(state: readonly number[], block: Int32Array): number[] {
  const w = block.slice(0, 16);
  let a = (state[0] ?? 0) | 0;
  let b = (state[1] ?? 0) | 0;
  let c = (state[2] ?? 0) | 0;
  let d = (state[3] ?? 0) | 0;
  let e = (state[4] ?? 0) | 0;
  for (let t = 0; t < 80; t++) {
    const next = (rotl(a, 5) + roundFunction(t, b, c, d) + e + word(w, t)) | 0;
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = next;
  }
  return [
    (a + (state[0] ?? 0)) | 0,
    (b + (state[1] ?? 0)) | 0,
    (c + (state[2] ?? 0)) | 0,
    (d + (state[3] ?? 0)) | 0,
    (e + (state[4] ?? 0)) | 0,
  ];
}

/**
 * W_t of the message schedule (FIPS 180-4 §6.1.2 step 1), kept in the 16 words of `w` as a
 * rolling window: 80 words would be 320 bytes, and V8 puts a typed array over 64 bytes off its
 * heap, which costs more than the compression.
 */
function word(w: Int32Array, t: number): number {
  const i = t & 15;
  if (t >= 16) {
    w[i] = rotl((w[(t - 3) & 15] ?? 0) ^ (w[(t - 8) & 15] ?? 0) ^ (w[(t - 14) & 15] ?? 0) ^ (w[i] ?? 0), 1);
  }
  return w[i] ?? 0;
}
