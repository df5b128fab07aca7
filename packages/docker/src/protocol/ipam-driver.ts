import { randomBytes } from "node:crypto";
import { Address, AllocatorInputError, Prefix } from "@own6/core";
import { checkIfname } from "@own6/netlink";
import { anonymousOwner, isContainerName, namedOwner, requestedOwner } from "../addressing/owners.js";
import type { PoolRecord } from "../state/records.js";
import { type DriverContext, releaseUnused } from "./context.js";
import { PluginError } from "./errors.js";
import {
  decodeReleaseAddress,
  decodeReleasePool,
  decodeRequestAddress,
  decodeRequestPool,
  type RequestAddressRequest,
} from "./messages.js";
import type {
  AddressSpacesReply,
  EmptyReply,
  IpamCapabilitiesReply,
  RequestAddressReply,
  RequestPoolReply,
} from "./replies.js";

/**
 * The pool every network gets for the IPv4 Docker 20.10 insists on (docker.md A7).
 *
 * @example
 * ```ts
 * await ipam.requestPool({ V6: false }); // { PoolID: NO_IPV4_POOL, Pool: "0.0.0.0/0", ... }
 * ```
 */
export const NO_IPV4_POOL = "own6-no-ipv4";
/** The IPv4 "pool", gateway and address that leave a container with no IPv4 address at all. */
const NO_IPV4 = "0.0.0.0/0";
const GATEWAY = "com.docker.network.gateway";
const ADDRESS_TYPE = "RequestAddressType";
const ENDPOINT_NAME = "com.docker.network.endpoint.name";
const MAC_ADDRESS = "com.docker.network.endpoint.macaddress";
/** The `--ipam-opt` keys own6 understands. */
const IPAM_OPTIONS = new Set(["parent"]);

/**
 * Docker's IpamDriver: pools are IPv6 prefixes (a `--subnet`, or what the parent learned from
 * Router Advertisements), addresses come from the core allocator after DAD on the parent's
 * segment, keyed by the container name where Docker 29+ sends it. IPv4 is answered with the
 * `0.0.0.0/0` pool that leaves containers IPv6-only on Docker 20.10.
 *
 * @example
 * ```ts
 * const ipam = new IpamDriver(context);
 * const { PoolID } = await ipam.requestPool({ V6: true, Pool: "2001:db8:1::/64" });
 * ```
 */
export class IpamDriver {
  readonly #context: DriverContext;

  constructor(context: DriverContext) {
    this.#context = context;
  }

  /**
   * IpamDriver.GetCapabilities: the MAC is wanted for the logs only; replays are not.
   *
   * @example
   * ```ts
   * ipam.capabilities(); // { RequiresMACAddress: true, RequiresRequestReplay: false }
   * ```
   */
  capabilities(): IpamCapabilitiesReply {
    return { RequiresMACAddress: true, RequiresRequestReplay: false };
  }

  /**
   * IpamDriver.GetDefaultAddressSpaces: own6 keeps one space; the names only echo back.
   *
   * @example
   * ```ts
   * ipam.addressSpaces().LocalDefaultAddressSpace; // "own6"
   * ```
   */
  addressSpaces(): AddressSpacesReply {
    return { LocalDefaultAddressSpace: "own6", GlobalDefaultAddressSpace: "own6-global" };
  }

  /**
   * IpamDriver.RequestPool.
   *
   * @example
   * ```ts
   * await ipam.requestPool({ AddressSpace: "own6", Pool: "", SubPool: "", Options: { parent: "eth0" }, V6: true });
   * ```
   */
  requestPool(body: unknown): Promise<RequestPoolReply> {
    const request = decodeRequestPool(body);
    if (!request.v6) {
      if (request.pool || request.subPool) {
        throw new PluginError(
          "IPV4_UNSUPPORTED",
          "own6 networks are IPv6-only: leave out the IPv4 --subnet (own6 answers IPv4 with 0.0.0.0/0, so containers get no IPv4 address)",
        );
      }
      return Promise.resolve({ PoolID: NO_IPV4_POOL, Pool: NO_IPV4, Data: { [GATEWAY]: NO_IPV4 } });
    }
    if (request.subPool) throw new PluginError("OPTION_INVALID", "own6 does not support --ip-range; use --subnet");
    const unknown = Object.keys(request.options).filter((k) => !IPAM_OPTIONS.has(k));
    if (unknown.length > 0) {
      throw new PluginError("OPTION_INVALID", `unknown --ipam-opt ${unknown.join(", ")}; own6 knows: parent`);
    }
    return this.#context.topology.run(() => this.#newPool(request.pool, request.options.parent));
  }

  async #newPool(subnet: string, parentOption: string | undefined): Promise<RequestPoolReply> {
    const parent = parentOption === undefined ? null : checkParent(parentOption);
    const { prefix, learnedOn } = subnet
      ? { prefix: parseSubnet(subnet), learnedOn: parent }
      : await this.#learnedPrefix(parent);
    try {
      this.#context.addresses.serve(prefix);
    } catch (e) {
      if (e instanceof AllocatorInputError) throw new PluginError("OPTION_INVALID", `--subnet ${prefix}: ${e.message}`);
      throw e;
    }
    const pool: PoolRecord = {
      id: `${prefix}@${randomBytes(4).toString("hex")}`,
      prefix: prefix.toString(),
      parent: learnedOn,
      networkId: null,
    };
    this.#context.state.putPool(pool);
    this.#context.log.info({ pool: pool.id, parent: learnedOn }, "pool created");
    // The subnet-router anycast address (RFC 4291 2.6.1) stands for "the routers on this
    // prefix": Docker wants a gateway, and own6 points containers at the real router in Join.
    return { PoolID: pool.id, Pool: pool.prefix, Data: { [GATEWAY]: `${prefix.address}/${prefix.bits}` } };
  }

  async #learnedPrefix(parent: string | null): Promise<{ prefix: Prefix; learnedOn: string }> {
    const uplink = parent ?? this.#context.defaultParent ?? (await this.#onlyUplink());
    const [prefix] = await this.#context.host.learnedPrefixes(uplink);
    if (!prefix) {
      throw new PluginError(
        "PARENT_REQUIRED",
        `${uplink} has learned no prefix from Router Advertisements (accept_ra must be 2 where the host forwards); give --subnet`,
      );
    }
    return { prefix, learnedOn: uplink };
  }

  async #onlyUplink(): Promise<string> {
    const uplinks = await this.#context.host.uplinksWithPrefixes();
    if (uplinks.length === 1 && uplinks[0]) return uplinks[0];
    const found = uplinks.length === 0 ? "no link has one" : `${uplinks.join(", ")} have one`;
    throw new PluginError(
      "PARENT_REQUIRED",
      `no --subnet and no parent: say which uplink's RA prefix to use with --ipam-opt parent=IF, or start own6-docker with --parent IF (${found})`,
    );
  }

  /**
   * IpamDriver.ReleasePool. Unknown pools are fine: Docker must always be able to clean up.
   *
   * @example
   * ```ts
   * await ipam.releasePool({ PoolID: "2001:db8:1::/64@0a1b2c3d" });
   * ```
   */
  releasePool(body: unknown): Promise<EmptyReply> {
    const id = decodeReleasePool(body);
    return this.#context.topology.run(async () => {
      const pool = this.#context.state.pool(id);
      if (!pool) {
        if (id !== NO_IPV4_POOL) this.#context.log.warn({ pool: id }, "ReleasePool for a pool own6 does not know");
        return {};
      }
      this.#context.state.deletePool(id);
      await releaseUnused(this.#context, pool.prefix, null);
      this.#context.log.info({ pool: id }, "pool released");
      return {};
    });
  }

  /**
   * IpamDriver.RequestAddress: the gateway placeholder, `0.0.0.0/0` for IPv4, or a container's
   * own address, proven unique by DAD before the reply (Docker adds it with NODAD).
   *
   * @example
   * ```ts
   * await ipam.requestAddress({ PoolID, Address: "", Options: { "com.docker.network.endpoint.name": "web-1" } });
   * ```
   */
  async requestAddress(body: unknown): Promise<RequestAddressReply> {
    const request = decodeRequestAddress(body);
    if (request.poolId === NO_IPV4_POOL) {
      if (request.address) throw new PluginError("IPV4_UNSUPPORTED", "own6 gives containers no IPv4 address (--ip)");
      return { Address: NO_IPV4, Data: {} };
    }
    const pool = this.#pool(request.poolId);
    const prefix = Prefix.parse(pool.prefix);
    const wanted = request.address ? parseAddressIn(request.address, prefix) : undefined;
    if (request.options[ADDRESS_TYPE] === GATEWAY) {
      return { Address: `${wanted ?? prefix.address}/${prefix.bits}`, Data: {} };
    }
    const owner = this.#ownerFor(pool, request, wanted);
    const lease = await this.#context.addresses.allocate(prefix, owner);
    this.#context.state.putBinding({
      poolId: pool.id,
      address: lease.address.toString(),
      owner,
      name: request.options[ENDPOINT_NAME] ?? "",
      mac: request.options[MAC_ADDRESS] ?? "",
    });
    const network = pool.networkId === null ? undefined : this.#context.state.network(pool.networkId);
    // Routed containers sit behind a point-to-point veth: a /128 leaves them no on-link route
    // for the whole prefix, whose neighbours they could not reach (docker.md B3).
    const length = network?.mode === "routed" ? 128 : prefix.bits;
    this.#context.log.info({ pool: pool.id, owner, address: lease.address.toString() }, "address allocated");
    return { Address: `${lease.address}/${length}`, Data: {} };
  }

  #ownerFor(pool: PoolRecord, request: RequestAddressRequest, wanted: Address | undefined): string {
    const { state } = this.#context;
    if (wanted) {
      const holder = state.bindings().find((b) => Address.parse(b.address).equals(wanted));
      if (holder) throw new PluginError("ADDRESS_IN_USE", `${wanted} is in use (${holder.name || holder.owner})`);
      return requestedOwner(wanted);
    }
    const name = request.options[ENDPOINT_NAME];
    if (name === undefined || name === "") return anonymousOwner();
    if (!isContainerName(name))
      throw new PluginError("BAD_REQUEST", `${ENDPOINT_NAME} ${JSON.stringify(name)} is not a container name`);
    const owner = namedOwner(name);
    // One name in two networks of the same prefix needs two addresses: the second is keyed by pool.
    const elsewhere = state
      .bindings()
      .some((b) => b.owner === owner && b.poolId !== pool.id && this.#samePrefix(b.poolId, pool));
    return elsewhere ? namedOwner(name, pool.id) : owner;
  }

  #samePrefix(poolId: string, pool: PoolRecord): boolean {
    return this.#context.state.pool(poolId)?.prefix === pool.prefix;
  }

  /**
   * IpamDriver.ReleaseAddress. Addresses own6 did not hand out (gateways, `0.0.0.0`) are fine.
   *
   * @example
   * ```ts
   * await ipam.releaseAddress({ PoolID, Address: "2001:db8:1::5" });
   * ```
   */
  async releaseAddress(body: unknown): Promise<EmptyReply> {
    const request = decodeReleaseAddress(body);
    if (request.poolId === NO_IPV4_POOL) return {};
    const pool = this.#context.state.pool(request.poolId);
    if (!pool) {
      this.#context.log.warn({ pool: request.poolId }, "ReleaseAddress for a pool own6 does not know");
      return {};
    }
    const address = parseAddress(request.address);
    const binding = this.#context.state.binding(pool.id, address);
    if (!binding) return {};
    await this.#context.addresses.release(binding.owner, Prefix.parse(pool.prefix));
    this.#context.state.deleteBinding(pool.id, address);
    this.#context.log.info({ pool: pool.id, owner: binding.owner, address: binding.address }, "address released");
    return {};
  }

  #pool(id: string): PoolRecord {
    const pool = this.#context.state.pool(id);
    if (!pool)
      throw new PluginError("UNKNOWN_POOL", `own6 has no pool ${JSON.stringify(id)}; remove and recreate the network`);
    return pool;
  }
}

function checkParent(parent: string): string {
  try {
    return checkIfname(parent);
  } catch (e) {
    throw new PluginError("OPTION_INVALID", e instanceof Error ? e.message : String(e));
  }
}

function parseSubnet(text: string): Prefix {
  try {
    return Prefix.parse(text).assertHostable();
  } catch (e) {
    throw new PluginError("OPTION_INVALID", `--subnet ${text}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function parseAddress(text: string): Address {
  try {
    return Address.parse(text);
  } catch (e) {
    throw new PluginError("BAD_REQUEST", e instanceof Error ? e.message : String(e));
  }
}

function parseAddressIn(text: string, prefix: Prefix): Address {
  const address = parseAddress(text);
  if (!prefix.contains(address)) throw new PluginError("ADDRESS_FOREIGN", `${text} is not in ${prefix}`);
  return address;
}
