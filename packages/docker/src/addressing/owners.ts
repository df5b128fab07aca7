import { randomBytes } from "node:crypto";
import type { Address } from "@own6/core";

// Allocator owners (RFC 7217's Net_Iface) for Docker's requests. Docker 29+ names the container
// in RequestAddress, which makes a stable key: the same name gets the same address back after a
// container or daemon restart, or a compose down/up. Before 29 nothing in the request names the
// container (the MAC is random per endpoint), so an unnamed request gets a fresh owner of its own.

/** Container names as Docker accepts them. */
const CONTAINER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;

/**
 * Whether `name` is a valid Docker container name (and so safe as an owner key).
 *
 * @example
 * ```ts
 * isContainerName("web-1"); // true
 * ```
 */
export function isContainerName(name: string): boolean {
  return CONTAINER_NAME.test(name);
}

/**
 * The owner for a container Docker 29+ named. `poolId` sets it apart when the same name already
 * holds an address of the same prefix through another network.
 *
 * @example
 * ```ts
 * namedOwner("web-1"); // "name:web-1"
 * ```
 */
export function namedOwner(name: string, poolId?: string): string {
  return poolId === undefined ? `name:${name}` : `name:${name}@${poolId}`;
}

/**
 * A fresh owner for a request that names no container.
 *
 * @example
 * ```ts
 * anonymousOwner(); // "anon:" + 24 hex digits
 * ```
 */
export function anonymousOwner(): string {
  return `anon:${randomBytes(12).toString("hex")}`;
}

const REQUESTED_PREFIX = "ip6:";

/**
 * The owner for an address the user asked for with `--ip6`: the address itself, which the
 * `requested` algorithm reads back.
 *
 * @example
 * ```ts
 * requestedOwner(Address.parse("2001:db8:1::1234")); // "ip6:2001:db8:1::1234"
 * ```
 */
export function requestedOwner(address: Address): string {
  return `${REQUESTED_PREFIX}${address}`;
}

/**
 * The address a {@link requestedOwner} names, or undefined for other owners.
 *
 * @example
 * ```ts
 * requestedAddressOf("ip6:2001:db8:1::1234"); // "2001:db8:1::1234"
 * ```
 */
export function requestedAddressOf(owner: string): string | undefined {
  return owner.startsWith(REQUESTED_PREFIX) ? owner.slice(REQUESTED_PREFIX.length) : undefined;
}
