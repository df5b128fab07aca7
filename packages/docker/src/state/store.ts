import { Address, Prefix } from "@own6/core";
import type { SqliteDocuments } from "@own6/sqlite";
import type { AddressBinding, EndpointRecord, NetworkRecord, PoolRecord } from "./records.js";

// Keys: pool/<PoolID>, network/<NetworkID>, endpoint/<EndpointID>, address/<PoolID>|<address>.
// PoolIDs never hold "|" (see poolKey), so a pool's addresses are one key range.

const POOL = "pool/";
const NETWORK = "network/";
const ENDPOINT = "endpoint/";
const ADDRESS = "address/";

function addressKey(poolId: string, address: Address): string {
  return `${ADDRESS}${poolId}|${address}`;
}

function values<T>(docs: SqliteDocuments, prefix: string): T[] {
  return docs.list(prefix).map((d) => d.value as T);
}

/**
 * The plugin's own state (pools, networks, endpoints, and the addresses handed out) in SQLite,
 * so a restarted plugin, or a restarted dockerd that replays only RequestAddress with old
 * PoolIDs, finds everything again. Leases themselves live in the allocator's store.
 *
 * @example
 * ```ts
 * const state = new StateStore(SqliteDocuments.open(join(dir, "state.db")));
 * state.putNetwork(network);
 * state.network(network.id)?.mode;
 * ```
 */
export class StateStore {
  readonly #docs: SqliteDocuments;

  constructor(docs: SqliteDocuments) {
    this.#docs = docs;
  }

  /**
   * The pool with this PoolID, or undefined.
   *
   * @example
   * ```ts
   * state.pool("2001:db8:1::/64@0a1b2c3d")?.prefix;
   * ```
   */
  pool(id: string): PoolRecord | undefined {
    return this.#docs.get(POOL + id) as PoolRecord | undefined;
  }

  /**
   * Every pool.
   *
   * @example
   * ```ts
   * state.pools().length;
   * ```
   */
  pools(): PoolRecord[] {
    return values(this.#docs, POOL);
  }

  /**
   * Stores a pool.
   *
   * @example
   * ```ts
   * state.putPool({ ...pool, networkId });
   * ```
   */
  putPool(pool: PoolRecord): void {
    this.#docs.put(POOL + pool.id, pool);
  }

  /**
   * Forgets a pool.
   *
   * @example
   * ```ts
   * state.deletePool(pool.id);
   * ```
   */
  deletePool(id: string): void {
    this.#docs.delete(POOL + id);
  }

  /**
   * The network with this ID, or undefined.
   *
   * @example
   * ```ts
   * state.network(networkId)?.parent;
   * ```
   */
  network(id: string): NetworkRecord | undefined {
    return this.#docs.get(NETWORK + id) as NetworkRecord | undefined;
  }

  /**
   * Every network.
   *
   * @example
   * ```ts
   * state.networks().filter((n) => n.parent === "eth0");
   * ```
   */
  networks(): NetworkRecord[] {
    return values(this.#docs, NETWORK);
  }

  /**
   * Stores a network.
   *
   * @example
   * ```ts
   * state.putNetwork(network);
   * ```
   */
  putNetwork(network: NetworkRecord): void {
    this.#docs.put(NETWORK + network.id, network);
  }

  /**
   * Forgets a network.
   *
   * @example
   * ```ts
   * state.deleteNetwork(networkId);
   * ```
   */
  deleteNetwork(id: string): void {
    this.#docs.delete(NETWORK + id);
  }

  /**
   * The endpoint with this ID, or undefined.
   *
   * @example
   * ```ts
   * state.endpoint(endpointId)?.address;
   * ```
   */
  endpoint(id: string): EndpointRecord | undefined {
    return this.#docs.get(ENDPOINT + id) as EndpointRecord | undefined;
  }

  /**
   * Every endpoint.
   *
   * @example
   * ```ts
   * state.endpoints().length;
   * ```
   */
  endpoints(): EndpointRecord[] {
    return values(this.#docs, ENDPOINT);
  }

  /**
   * Stores an endpoint.
   *
   * @example
   * ```ts
   * state.putEndpoint(endpoint);
   * ```
   */
  putEndpoint(endpoint: EndpointRecord): void {
    this.#docs.put(ENDPOINT + endpoint.id, endpoint);
  }

  /**
   * Forgets an endpoint.
   *
   * @example
   * ```ts
   * state.deleteEndpoint(endpointId);
   * ```
   */
  deleteEndpoint(id: string): void {
    this.#docs.delete(ENDPOINT + id);
  }

  /**
   * The binding of `address` in pool `poolId`, or undefined. Addresses compare by value, since
   * Docker re-formats the text it got from the plugin (docker.md A5).
   *
   * @example
   * ```ts
   * state.binding(poolId, Address.parse("2001:db8:1:0:0:0:0:5"))?.owner;
   * ```
   */
  binding(poolId: string, address: Address): AddressBinding | undefined {
    return this.#docs.get(addressKey(poolId, address)) as AddressBinding | undefined;
  }

  /**
   * Every live binding, or those of one pool.
   *
   * @example
   * ```ts
   * state.bindings().map((b) => b.owner);
   * ```
   */
  bindings(poolId?: string): AddressBinding[] {
    return values(this.#docs, poolId === undefined ? ADDRESS : `${ADDRESS}${poolId}|`);
  }

  /**
   * Stores a binding.
   *
   * @example
   * ```ts
   * state.putBinding({ poolId, address: lease.address.toString(), owner, name: "", mac });
   * ```
   */
  putBinding(binding: AddressBinding): void {
    this.#docs.put(addressKey(binding.poolId, Address.parse(binding.address)), binding);
  }

  /**
   * Forgets a binding.
   *
   * @example
   * ```ts
   * state.deleteBinding(poolId, address);
   * ```
   */
  deleteBinding(poolId: string, address: Address): void {
    this.#docs.delete(addressKey(poolId, address));
  }

  /**
   * The distinct prefixes that pools and networks use: what the allocator must serve.
   *
   * @example
   * ```ts
   * const prefixes = state.prefixesInUse();
   * ```
   */
  prefixesInUse(): Prefix[] {
    const texts = new Set([...this.pools().map((p) => p.prefix), ...this.networks().map((n) => n.prefix)]);
    return [...texts].map((t) => Prefix.parse(t));
  }
}
