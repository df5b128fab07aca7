import { sha256 } from "@noble/hashes/sha2.js";
import { SHA256_IV, sha256Compress } from "./sha256.js";

// HMAC-SHA-256 for the rfc7217 generator's hot path. The keyed pads are compressed once per key;
// each message then costs only its own blocks and one outer block, padded in the caller's buffer,
// with nothing allocated per call. noble's HMAC class does the same work but allocates and
// validates on every digest, which was most of an identifier's cost.

const BLOCK = 64;
const IPAD = 0x36;
const OPAD = 0x5c;

/**
 * How many bytes a message of `length` bytes fills once SHA-256 has padded it: the size of the
 * buffer {@link hmacSha256Tail}'s MAC needs.
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
  sha256Compress(state, state, new DataView(block.buffer), 0);
  return state;
}

/**
 * HMAC-SHA-256 keyed with `key`, returning the last 8 bytes of the MAC (what an IID needs). The
 * MAC reads the message from the first `length` bytes of `message` and writes SHA-256's padding
 * after them, so `message` must hold {@link sha256PaddedLength}`(length)` bytes. The 8 bytes it
 * returns are overwritten by the next call.
 *
 * @example
 * ```ts
 * const mac = hmacSha256Tail(secret);
 * const buffer = new Uint8Array(sha256PaddedLength(3));
 * buffer.set([0x61, 0x62, 0x63]);
 * mac(new DataView(buffer.buffer), 3); // the last 8 bytes of HMAC-SHA-256(secret, "abc")
 * ```
 */
export function hmacSha256Tail(key: Uint8Array): (message: DataView, length: number) => Uint8Array {
  const inner = keyedState(key, IPAD);
  const outer = keyedState(key, OPAD);
  const state = new Int32Array(8);
  const outerBlock = new DataView(new ArrayBuffer(BLOCK));
  outerBlock.setUint8(32, 0x80);
  outerBlock.setUint32(BLOCK - 4, (BLOCK + 32) * 8);
  const tail = new Uint8Array(8);
  const tailView = new DataView(tail.buffer);
  return (message, length) => {
    const end = padAfterKeyBlock(message, length);
    sha256Compress(state, inner, message, 0);
    for (let at = BLOCK; at < end; at += BLOCK) sha256Compress(state, state, message, at);
    for (let i = 0; i < 8; i++) outerBlock.setInt32(4 * i, state[i] ?? 0);
    sha256Compress(state, outer, outerBlock, 0);
    tailView.setInt32(0, state[6] ?? 0);
    tailView.setInt32(4, state[7] ?? 0);
    return tail;
  };
}

/**
 * Writes SHA-256's padding after the first `length` bytes of `message` and returns the padded
 * length. The key block came first, so the hashed length is BLOCK + `length` bytes; rfc7217's
 * messages stay far under 512 MiB, so the high word of the 64-bit bit count is zero.
 */
function padAfterKeyBlock(message: DataView, length: number): number {
  const end = sha256PaddedLength(length);
  message.setUint8(length, 0x80);
  for (let i = length + 1; i < end - 4; i++) message.setUint8(i, 0);
  message.setUint32(end - 4, (BLOCK + length) * 8);
  return end;
}
