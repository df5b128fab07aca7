// Big-endian field access shared by the NDP codecs. Kept internal: the public API speaks message
// and option values. Readers assume the caller has checked the length (every decoder does, before
// reading); writers refuse values that do not fit, so nothing is silently truncated.

import { NdpDecodeError, NdpEncodeError } from "./errors.js";

/** A DataView over exactly the bytes of `bytes`, which may be a subarray. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Throws TOO_SHORT unless `bytes` holds at least `length` bytes. */
export function requireLength(bytes: Uint8Array, length: number, what: string): void {
  if (bytes.length < length) {
    throw new NdpDecodeError("TOO_SHORT", `${what} needs at least ${length} bytes, got ${bytes.length}`);
  }
}

/** Returns `value`, or throws unless it is an integer from 0 to `max`; undefined counts as 0. */
export function checkField(value: number | undefined, max: number, field: string): number {
  const v = value ?? 0;
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new NdpEncodeError("FIELD_OUT_OF_RANGE", `${field} must be an integer from 0 to ${max}, got ${v}`);
  }
  return v;
}

/** The largest value of an unsigned field `bits` wide (up to 32). */
export function maxOf(bits: number): number {
  return 2 ** bits - 1;
}

/** One array holding `parts` one after the other. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
