import type { Address } from "../address.js";
import type { Prefix } from "../prefix.js";
import { AllocatorInputError, LeaseTableLimitError } from "./errors.js";
import { TABLE_MAX_PREFIXES } from "./table.js";

/** A prefix the allocator serves, with its own lifetimes (those of the Router Advertisement). */
export interface PrefixEntry {
  readonly prefix: Prefix;
  /** CIDR text, the prefix's name in store keys. */
  readonly text: string;
  preferredUntil: number;
  validUntil: number;
}

/**
 * The allocator's prefixes by slot, the small number the lease table stores. Slots of removed
 * prefixes are reused. Internal to the allocator.
 */
export class PrefixSet {
  readonly #slots: (PrefixEntry | undefined)[] = [];

  /** Adds `prefix` and returns its slot; it must not overlap a prefix already served. */
  add(prefix: Prefix, preferredUntil: number, validUntil: number): number {
    prefix.assertHostable();
    const clash = this.#slots.find((e) => e && (e.prefix.covers(prefix) || prefix.covers(e.prefix)));
    if (clash) {
      throw new AllocatorInputError(
        "PREFIX_OVERLAP",
        `${prefix} overlaps ${clash.text}; serve each address range once, with one prefix`,
      );
    }
    const free = this.#slots.indexOf(undefined);
    const slot = free >= 0 ? free : this.#slots.length;
    if (slot >= TABLE_MAX_PREFIXES) {
      throw new LeaseTableLimitError(`an allocator serves at most ${TABLE_MAX_PREFIXES} prefixes at once`);
    }
    this.#slots[slot] = { prefix, text: prefix.toString(), preferredUntil, validUntil };
    return slot;
  }

  /** The slot of `prefix`, or undefined. */
  slotOf(prefix: Prefix): number | undefined {
    const slot = this.#slots.findIndex((e) => e?.prefix.equals(prefix));
    return slot >= 0 ? slot : undefined;
  }

  /** The slot of the prefix that holds `address`, or undefined. */
  slotContaining(address: Address): number | undefined {
    const slot = this.#slots.findIndex((e) => e?.prefix.contains(address));
    return slot >= 0 ? slot : undefined;
  }

  /** The entry in `slot`; the slot must be in use. */
  get(slot: number): PrefixEntry {
    const entry = this.#slots[slot];
    if (!entry) throw new RangeError(`prefix slot ${slot} is empty`);
    return entry;
  }

  remove(slot: number): void {
    this.#slots[slot] = undefined;
  }

  /** The slots in use, in order. */
  slots(): number[] {
    return this.#slots.flatMap((e, slot) => (e ? [slot] : []));
  }

  /** The first slot whose prefix is still preferred at `now`: where new leases go by default. */
  firstPreferred(now: number): number | undefined {
    const slot = this.#slots.findIndex((e) => e !== undefined && e.preferredUntil > now);
    return slot >= 0 ? slot : undefined;
  }
}
