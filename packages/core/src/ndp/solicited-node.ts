import { Address } from "../address.js";

// ff02::1:ff00:0/104 (RFC 4291 §2.7.1): the first 13 bytes of every solicited-node group.
const SOLICITED_NODE_HEAD = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff];

/**
 * The solicited-node multicast group of `address`: ff02::1:ff00:0/104 plus its low 24 bits. DAD
 * probes for a tentative address go there, and a node must join it before probing. The zone is
 * kept, because the group lives on the same link as the address.
 *
 * @example
 * ```ts
 * solicitedNodeAddress(Address.parse("2001:db8::2:abcd:ef01")).toString(); // "ff02::1:ffcd:ef01"
 * ```
 */
export function solicitedNodeAddress(address: Address): Address {
  const bytes = address.toBytes();
  bytes.set(SOLICITED_NODE_HEAD);
  return Address.fromBytes(bytes, address.zone);
}

/**
 * Whether `address` lies in ff02::1:ff00:0/104, as the destination of a DAD probe must.
 *
 * @example
 * ```ts
 * isSolicitedNodeAddress(Address.parse("ff02::1:ff00:2")); // true
 * isSolicitedNodeAddress(Address.parse("ff02::1"));        // false
 * ```
 */
export function isSolicitedNodeAddress(address: Address): boolean {
  const bytes = address.toBytes();
  return SOLICITED_NODE_HEAD.every((b, i) => bytes[i] === b);
}
