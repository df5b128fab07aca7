import { maskBytes } from "../bytes.js";
import { kindOfBytes } from "../kind.js";
import type { Pio } from "./pio.js";

/**
 * Why RFC 4862 §5.5.3 tells a host to ignore a PIO for address autoconfiguration.
 *
 * - `AUTONOMOUS_FLAG_CLEAR`: the A flag is 0 (rule a).
 * - `LINK_LOCAL_PREFIX`: the prefix is link-local, fe80::/10 (rule b).
 * - `PREFERRED_EXCEEDS_VALID`: the preferred lifetime is longer than the valid lifetime (rule c).
 * - `PREFIX_LENGTH_MISMATCH`: prefix length plus interface-identifier length is not 128 (rule d),
 *   which for the usual 64-bit IID means the prefix is not a /64.
 *
 * @example
 * ```ts
 * const why: PioUnusableReason = "PREFERRED_EXCEEDS_VALID";
 * ```
 */
export type PioUnusableReason =
  | "AUTONOMOUS_FLAG_CLEAR"
  | "LINK_LOCAL_PREFIX"
  | "PREFERRED_EXCEEDS_VALID"
  | "PREFIX_LENGTH_MISMATCH";

/**
 * Whether a PIO can form SLAAC addresses; when it cannot, the first failing rule.
 *
 * @example
 * ```ts
 * const u = pioUsability(pio);
 * if (!u.usable) console.warn(`ignoring ${pioPrefix(pio)}: ${u.reason}`);
 * ```
 */
export type PioUsability = { readonly usable: true } | { readonly usable: false; readonly reason: PioUnusableReason };

/**
 * Applies RFC 4862 §5.5.3 (a) to (d), in that order, to a PIO. The lifetime rules for a prefix
 * already in use (e) need state and are not here.
 *
 * @param iidLength - Bits of interface identifier the link uses; 64 for every current link type
 *   (RFC 7136), so change it only for a link spec that says otherwise.
 * @example
 * ```ts
 * pioUsability({ ...pio, prefixLength: 56 });     // { usable: false, reason: "PREFIX_LENGTH_MISMATCH" }
 * pioUsability({ ...pio, prefixLength: 56 }, 72); // { usable: true } (if the other rules pass)
 * ```
 */
export function pioUsability(pio: Pio, iidLength = 64): PioUsability {
  const reason = firstFailure(pio, iidLength);
  return reason === undefined ? { usable: true } : { usable: false, reason };
}

function firstFailure(pio: Pio, iidLength: number): PioUnusableReason | undefined {
  if (!pio.autonomous) return "AUTONOMOUS_FLAG_CLEAR";
  if (isLinkLocalPrefix(pio)) return "LINK_LOCAL_PREFIX";
  if (pio.preferredLifetime > pio.validLifetime) return "PREFERRED_EXCEEDS_VALID";
  if (pio.prefixLength + iidLength !== 128) return "PREFIX_LENGTH_MISMATCH";
  return undefined;
}

// Masked first because receivers ignore bits past the length; clamped so that a hand-built PIO
// with a bad length gets a reason (rule d) instead of an exception here.
function isLinkLocalPrefix(pio: Pio): boolean {
  const bits = Math.max(0, Math.min(128, pio.prefixLength));
  return kindOfBytes(maskBytes(pio.prefix.toBytes(), bits)) === "linkLocal";
}
