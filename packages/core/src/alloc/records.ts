// How the allocator lays out the shared store, and small conversions between the table's two
// uint32 halves and 8-byte identifiers. Internal: the key layout is the allocator's business,
// but it is stable, because several allocator versions may share one store.

import type { OwnerRecord } from "./store.js";

/** `address/<RFC 5952 text>`: the lease (or claim) on one address. */
export function addressKey(address: string): string {
  return `address/${address}`;
}

/** The address text of an `address/<address>` key, or undefined for any other key. */
export function addressOfKey(key: string): string | undefined {
  return key.startsWith("address/") ? key.slice("address/".length) : undefined;
}

/** `owner/<prefix CIDR>/<owner>`: injective, because CIDR text holds exactly one slash. */
export function ownerKey(prefix: string, owner: string): string {
  return `owner/${prefix}/${owner}`;
}

/** The key prefix of every owner record in `prefix`. */
export function ownerKeyPrefix(prefix: string): string {
  return `owner/${prefix}/`;
}

/** The DAD counter to start from for `networkId` (RFC 7217 §6: the persisted one, else 0). */
export function storedCounter(record: OwnerRecord | undefined, networkId: string): number {
  return record?.dadCounters.find(([id]) => id === networkId)?.[1] ?? 0;
}

/** The counters with `networkId`'s set to `counter`; zero counters are left out, as the default. */
export function withCounter(
  record: OwnerRecord | undefined,
  networkId: string,
  counter: number,
): readonly (readonly [string, number])[] {
  const others = (record?.dadCounters ?? []).filter(([id]) => id !== networkId);
  return counter > 0 ? [...others, [networkId, counter]] : others;
}

/** JSON has no Infinity: a time that never comes is stored as null. */
export function toStored(until: number): number | null {
  return Number.isFinite(until) ? until : null;
}

export function fromStored(until: number | null): number {
  return until ?? Number.POSITIVE_INFINITY;
}

/** The identifier's big-endian halves, as the lease table keys them. */
export function iidHalves(iid: Uint8Array): [number, number] {
  const word = (at: number) =>
    (((iid[at] ?? 0) << 24) | ((iid[at + 1] ?? 0) << 16) | ((iid[at + 2] ?? 0) << 8) | (iid[at + 3] ?? 0)) >>> 0;
  return [word(0), word(4)];
}

/** The 8-byte identifier of two big-endian halves. */
export function iidFromHalves(hi: number, lo: number): Uint8Array {
  const out = new Uint8Array(8);
  for (let i = 0; i < 4; i++) {
    out[i] = (hi >>> (24 - 8 * i)) & 0xff;
    out[4 + i] = (lo >>> (24 - 8 * i)) & 0xff;
  }
  return out;
}
