import { sha256 } from "@noble/hashes/sha2.js";
import { bigEndianWords, SHA256_IV, sha256Compress } from "./sha256.js";

// HMAC-SHA-256 for the rfc7217 hot path. The keyed pads are compressed once per key; each
// message then costs only its own blocks and one outer block, padded in the caller's words, with
// nothing allocated per call. noble's HMAC class does the same work but allocates and validates
// on every digest, which was most of an identifier's cost.

const BLOCK = 64;
const IPAD = 0x36;
const OPAD = 0x5c;

/**
 * How many bytes a message of `length` bytes fills once SHA-256 has padded it: the size of the
 * buffer {@link hmacSha256Words}'s MAC needs.
 *
 * @example
 * ```ts
 * sha256PaddedLength(55); // 64
 * sha256PaddedLength(56); // 128
 * ```
 */
export function sha256PaddedLength(length: number): number {
  // The 0x80 byte and the 8-byte bit count follow the message, rounded up to whole blocks, by
  // masking rather than Math.ceil over a division: this runs twice per identifier.
  return (length + 9 + BLOCK - 1) & -BLOCK;
}

function keyedState(key: Uint8Array, pad: number): Int32Array {
  const block = new Uint8Array(BLOCK);
  block.set(key.length > BLOCK ? sha256(key) : key);
  for (let i = 0; i < BLOCK; i++) block[i] = (block[i] ?? 0) ^ pad;
  const state = SHA256_IV.slice();
  sha256Compress(state, state, bigEndianWords(block), 0);
  return state;
}

/**
 * HMAC-SHA-256 keyed with `key`. The MAC reads the message from the first `length` bytes of
 * `message`, big-endian words as SHA-256 reads them, and writes SHA-256's padding after them, so
 * `message` must hold {@link sha256PaddedLength}`(length) / 4` words. It returns the MAC as eight
 * words, in an array the next call overwrites.
 *
 * @example
 * ```ts
 * const mac = hmacSha256Words(secret);
 * const message = new Int32Array(sha256PaddedLength(3) / 4);
 * message[0] = 0x61626300; // "abc"
 * mac(message, 3); // HMAC-SHA-256(secret, "abc") as eight words
 * ```
 */
export function hmacSha256Words(key: Uint8Array): (message: Int32Array, length: number) => Int32Array {
  const inner = keyedState(key, IPAD);
  const outer = keyedState(key, OPAD);
  const state = new Int32Array(8);
  // The inner digest is written straight into the first half of the outer block; the second half
  // is its padding, the same for every message.
  const outerBlock = new Int32Array(16);
  outerBlock[8] = 0x80000000 | 0;
  outerBlock[15] = (BLOCK + 32) * 8;
  const mac = new Int32Array(8);
  return (message, length) => {
    const last = padAfterKeyBlock(message, length) - 16;
    let from = inner;
    for (let at = 0; at < last; at += 16) {
      sha256Compress(state, from, message, at);
      from = state;
    }
    sha256Compress(outerBlock, from, message, last);
    sha256Compress(mac, outer, outerBlock, 0);
    return mac;
  };
}

/**
 * Writes SHA-256's padding after the first `length` bytes of `message` and returns the padded
 * length in words. Whatever follows the message in its last word is cleared. The key block came
 * first, so the hashed length is BLOCK + `length` bytes; rfc7217's messages stay far under
 * 512 MiB, so the high word of the 64-bit bit count is zero.
 */
function padAfterKeyBlock(message: Int32Array, length: number): number {
  const end = sha256PaddedLength(length) >> 2;
  const word = length >> 2;
  const shift = (length & 3) << 3;
  // -1 >>> 0 is all ones, so a message ending on a word boundary keeps nothing of that word.
  message[word] = ((message[word] ?? 0) & ~(-1 >>> shift)) | (0x80000000 >>> shift);
  for (let i = word + 1; i < end - 1; i++) message[i] = 0;
  message[end - 1] = (BLOCK + length) * 8;
  return end;
}
