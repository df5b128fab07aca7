import { Allocator, type DadCheck, type Lease, type LeaseStore, type LeaseStoreRecord, type Prefix } from "@own6/core";
import { requestedAddressOf } from "./owners.js";
import { REQUESTED_ALGORITHM, requestedAlgorithm } from "./requested.js";

/**
 * What an {@link AddressBook} is built from.
 *
 * @example
 * ```ts
 * const options: AddressBookOptions = { store: new MemoryLeaseStore(), secret, prefixes: [], dad };
 * ```
 */
export interface AddressBookOptions {
  /** Where leases live (SqliteLeaseStore in the daemon), shared with nothing else. */
  readonly store: LeaseStore;
  /** The RFC 7217 secret. */
  readonly secret: Uint8Array;
  /** The prefixes pools and networks already use. */
  readonly prefixes: readonly Prefix[];
  /** Proves each candidate unique on the segment of the network that uses its prefix. */
  readonly dad: DadCheck;
}

/**
 * The plugin's side of the core allocator: one allocator for every Docker network, so that two
 * networks on the same prefix (a macvlan and a routed network on one uplink share a segment)
 * never hand out the same address, with the `requested` algorithm for `--ip6`.
 *
 * @example
 * ```ts
 * const book = await AddressBook.open({ store, secret, prefixes: [], dad });
 * book.serve(prefix);
 * const lease = await book.allocate(prefix, "name:web-1");
 * ```
 */
export class AddressBook {
  readonly #allocator: Allocator;
  readonly #store: LeaseStore;
  readonly #served = new Map<string, Prefix>();

  private constructor(allocator: Allocator, store: LeaseStore, prefixes: readonly Prefix[]) {
    this.#allocator = allocator;
    this.#store = store;
    for (const prefix of prefixes) this.#served.set(prefix.toString(), prefix);
  }

  /**
   * Opens the allocator on the stored leases of `prefixes`.
   *
   * @example
   * ```ts
   * const book = await AddressBook.open({ store: SqliteLeaseStore.openIn(dir), secret, prefixes, dad });
   * ```
   */
  static async open(options: AddressBookOptions): Promise<AddressBook> {
    const allocator = await Allocator.open({
      prefixes: options.prefixes,
      secret: options.secret,
      algorithms: [requestedAlgorithm],
      dad: options.dad,
      now: Date.now,
      store: options.store,
    });
    return new AddressBook(allocator, options.store, options.prefixes);
  }

  /**
   * Starts handing out addresses in `prefix` (nothing happens if it is served already).
   *
   * @throws AllocatorInputError `PREFIX_OVERLAP` when it overlaps another served prefix.
   * @example
   * ```ts
   * book.serve(Prefix.parse("2001:db8:1::/64"));
   * ```
   */
  serve(prefix: Prefix): void {
    if (this.#served.has(prefix.toString())) return;
    this.#allocator.addPrefix(prefix);
    this.#served.set(prefix.toString(), prefix);
  }

  /**
   * Stops serving `prefix`, releasing any lease left in it.
   *
   * @example
   * ```ts
   * await book.retire(prefix);
   * ```
   */
  async retire(prefix: Prefix): Promise<void> {
    if (!this.#served.delete(prefix.toString())) return;
    await this.#allocator.removePrefix(prefix);
  }

  /**
   * The lease of `owner` in `prefix`: the one it holds, or a new one proven by DAD. Owners made
   * by `requestedOwner` get exactly their address or an error.
   *
   * @example
   * ```ts
   * const lease = await book.allocate(prefix, namedOwner("web-1"));
   * ```
   */
  allocate(prefix: Prefix, owner: string): Promise<Lease> {
    const algorithm = requestedAddressOf(owner) === undefined ? {} : { algorithm: REQUESTED_ALGORITHM };
    return this.#allocator.allocate(owner, { prefix, ...algorithm });
  }

  /**
   * Releases `owner`'s lease in `prefix`. Its DAD counter stays, so the same owner gets the same
   * address back later.
   *
   * @example
   * ```ts
   * await book.release(namedOwner("web-1"), prefix);
   * ```
   */
  async release(owner: string, prefix: Prefix): Promise<void> {
    if (this.#served.has(prefix.toString())) await this.#allocator.release(owner, prefix);
  }

  /**
   * Releases every bound lease whose owner is not in `live`: leases of a plugin that stopped
   * between allocating an address and recording it. Returns how many it released.
   *
   * @example
   * ```ts
   * await book.releaseOrphans(new Set(state.bindings().map((b) => b.owner)));
   * ```
   */
  async releaseOrphans(live: ReadonlySet<string>): Promise<number> {
    let released = 0;
    for (const { value } of await this.#store.list("")) {
      if (value.kind !== "address" || value.state !== "bound" || live.has(value.owner)) continue;
      const prefix = this.#served.get(value.prefix);
      if (!prefix) continue;
      await this.#allocator.release(value.owner, prefix);
      released++;
    }
    return released;
  }

  /**
   * Learns a change another host made in a shared lease store (an etcd watch's event).
   *
   * @example
   * ```ts
   * await store.watch("address/", (c) => book.observe(c.key, c.value));
   * ```
   */
  observe(key: string, value: LeaseStoreRecord | null): void {
    this.#allocator.observe(key, value);
  }

  /**
   * How many leases the allocator holds.
   *
   * @example
   * ```ts
   * book.size; // 0 once every container is gone
   * ```
   */
  get size(): number {
    return this.#allocator.size;
  }
}
