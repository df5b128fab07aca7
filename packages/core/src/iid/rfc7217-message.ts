import { utf8ToBytes } from "@noble/hashes/utils.js";
import { IidInputError } from "../errors.js";
import { prefixBytes } from "../prefix.js";
import { sha256PaddedLength } from "./hmac-sha256.js";
import type { Rfc7217Input } from "./rfc7217.js";
import { readWord } from "./words.js";

// rfc7217's message (docs/iid-encoding.md), written straight into the big-endian 32-bit words
// that SHA-256 reads, four ASCII characters to a word, rather than into bytes that the
// compression then reassembles: a 64-digit container ID was a fifth of an identifier's time.
// The writers go forward and keep one invariant: after the last byte written, the rest of its
// word is zero (further words may hold anything). So a write that starts a word assigns it, and
// one inside a word ORs into it.

/**
 * How many words the message of `input` and SHA-256's padding may need: a UTF-16 code unit takes
 * at most three UTF-8 bytes, and the fixed fields (network, length, three field lengths, counter)
 * take 27 bytes.
 *
 * @example
 * ```ts
 * const message = new Int32Array(messageWords(input));
 * ```
 */
export function messageWords(input: Rfc7217Input): number {
  const units = input.owner.length + input.ifname.length + (input.networkId ?? "").length;
  return sha256PaddedLength(27 + 3 * units) >> 2;
}

/**
 * Writes the message of `input` into `words` ({@link messageWords} long) with a DAD counter of
 * zero, and returns its length in bytes; {@link setCounter} puts in the real counter.
 *
 * @throws {@link IidInputError} (code `IID_INPUT_TOO_LONG`) when a field's UTF-8 is 64 KiB or more.
 * @example
 * ```ts
 * const length = encodeMessage(message, input);
 * setCounter(message, length - 4, dadCounter);
 * ```
 */
export function encodeMessage(words: Int32Array, input: Rfc7217Input): number {
  const network = prefixBytes(input.prefix);
  for (let i = 0; i < 4; i++) words[i] = readWord(network, 4 * i);
  words[4] = input.prefix.bits << 24;
  let at = putField(words, 17, input.owner);
  at = putField(words, at, input.ifname);
  at = putField(words, at, input.networkId ?? "");
  // The counter's four zero bytes: those in the current word already are, by the invariant.
  words[(at + 3) >> 2] = 0;
  return at + 4;
}

/**
 * Writes `dadCounter` big-endian over the four bytes at `at`, keeping the bytes around them: it
 * is rewritten in place for each counter a generator tries.
 *
 * @example
 * ```ts
 * setCounter(message, length - 4, 1);
 * ```
 */
export function setCounter(words: Int32Array, at: number, dadCounter: number): void {
  const i = at >> 2;
  const shift = (at & 3) << 3;
  if (shift === 0) {
    words[i] = dadCounter;
    return;
  }
  words[i] = ((words[i] ?? 0) & ~(-1 >>> shift)) | (dadCounter >>> shift);
  words[i + 1] = ((words[i + 1] ?? 0) & (-1 >>> shift)) | (dadCounter << (32 - shift));
}

/**
 * The first `length` bytes held by big-endian `words`.
 *
 * @example
 * ```ts
 * messageBytes(Int32Array.of(0x61626300), 3); // "abc"
 * ```
 */
export function messageBytes(words: Int32Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let j = 0; j < length; j++) out[j] = (words[j >> 2] ?? 0) >>> (24 - ((j & 3) << 3));
  return out;
}

/**
 * Writes `lp(s)` at byte `at` and returns where it ends. Container IDs and interface names are
 * ASCII and go through {@link putAsciiField}; anything else is rewritten from `at` through the
 * library's UTF-8 encoder.
 */
function putField(words: Int32Array, at: number, s: string): number {
  // A string's UTF-8 is never shorter than its UTF-16 code units.
  if (s.length > 0xffff) throw tooLong();
  const end = putAsciiField(words, at, s);
  if (end >= 0) return end;
  // Back to the invariant at `at`: the rest of its word zero.
  words[at >> 2] = (words[at >> 2] ?? 0) & ~(-1 >>> ((at & 3) << 3));
  const bytes = utf8ToBytes(s);
  if (bytes.length > 0xffff) throw tooLong();
  let to = putByte(words, putByte(words, at, bytes.length >> 8), bytes.length & 0xff);
  for (const b of bytes) to = putByte(words, to, b);
  return to;
}

function tooLong(): IidInputError {
  return new IidInputError("IID_INPUT_TOO_LONG", "owner, ifname and networkId must each be under 64 KiB");
}

/**
 * Writes `lp(s)` at `at` if `s` is ASCII and returns where it ends, or -1 if it is not. The
 * length's two bytes and then the characters gather into the current word, and each full word is
 * stored: one small loop, because code that crowds the unrolled compression out of the
 * processor's caches costs more than it saves (docs/performance.md).
 */
function putAsciiField(words: Int32Array, at: number, s: string): number {
  let acc = (at & 3) === 0 ? 0 : (words[at >> 2] ?? 0);
  let all = 0;
  let to = at;
  // Positions -2 and -1 are the length, big-endian.
  for (let i = -2; i < s.length; i++) {
    let c: number;
    if (i < 0) {
      c = i === -2 ? s.length >> 8 : s.length & 0xff;
    } else {
      c = s.charCodeAt(i);
      all |= c;
    }
    acc |= c << (24 - ((to & 3) << 3));
    to++;
    if ((to & 3) === 0) {
      words[(to >> 2) - 1] = acc;
      acc = 0;
    }
  }
  words[to >> 2] = acc;
  return all > 0x7f ? -1 : to;
}

function putByte(words: Int32Array, at: number, byte: number): number {
  const shift = 24 - ((at & 3) << 3);
  words[at >> 2] = shift === 24 ? byte << 24 : (words[at >> 2] ?? 0) | (byte << shift);
  return at + 1;
}
