import type { Address } from "../address.js";
import type { Prefix } from "../prefix.js";

/**
 * Where a lease is in its life (RFC 4862 §2): preferred, then deprecated (still valid, but not
 * for new connections), then expired.
 */
export type LeaseState = "preferred" | "deprecated" | "expired";

/**
 * How long a lease lasts from the moment it is bound, in milliseconds (Infinity for ever);
 * `preferredMs` is at most `validMs`.
 *
 * @example
 * ```ts
 * const day: LeaseLifetime = { preferredMs: 86_400_000, validMs: 2 * 86_400_000 };
 * ```
 */
export interface LeaseLifetime {
  readonly preferredMs: number;
  readonly validMs: number;
}

/**
 * An address handed to an owner, as of the moment it was read. The lifetimes are the lease's
 * own, cut short by its prefix's (a deprecated prefix deprecates its leases).
 *
 * @example
 * ```ts
 * const lease = await allocator.allocate("ctr-1/eth0");
 * lease.address.toString(); // "2001:db8::..."
 * ```
 */
export interface Lease {
  readonly owner: string;
  readonly prefix: Prefix;
  readonly address: Address;
  /** The 8-byte interface identifier (the low `prefix.hostBits` bits are used). */
  readonly iid: Uint8Array;
  /** The DAD counter the identifier was derived with (RFC 7217 §6). */
  readonly dadCounter: number;
  /** The name of the algorithm that derived the identifier. */
  readonly algorithm: string;
  /** RFC 7217's Network_ID; empty when unused. */
  readonly networkId: string;
  /** Clock milliseconds; Infinity for never. */
  readonly preferredUntil: number;
  /** Clock milliseconds; Infinity for never. */
  readonly validUntil: number;
  readonly state: LeaseState;
}

/**
 * The state of a lease whose lifetimes end at the given times, at `now`.
 *
 * @example
 * ```ts
 * leaseStateAt(5, 10, 20); // "preferred"
 * ```
 */
export function leaseStateAt(now: number, preferredUntil: number, validUntil: number): LeaseState {
  if (now < preferredUntil) return "preferred";
  return now < validUntil ? "deprecated" : "expired";
}
