import {
  type Address,
  Allocator,
  type AllocatorConfig,
  type Lease,
  type LeaseStore,
  Own6Error,
  type Prefix,
  type RenumberResult,
} from "@own6/core";
import { addAddress, addAddressCommand } from "./addresses.js";
import { type HostUplink, uplinkGateway } from "./attach/host.js";
import { type ContainerLink, createMacvlan, deleteMacvlan } from "./attach/macvlan.js";
import { attachRouted, hostVethName, prepareRoutedHost } from "./attach/routed.js";
import { type KernelDadOptions, type KernelDadTarget, kernelDadCheck, kernelDadPerOwner } from "./dad/kernel.js";
import { NetlinkError } from "./errors.js";
import { ipBatch } from "./ip.js";
import { IpBatcher } from "./ip-batcher.js";
import { deleteLink } from "./links.js";
import { AddressMonitor } from "./monitor.js";
import { checkIfname, checkNetns } from "./names.js";
import { type LearnedPrefix, PrefixMonitor } from "./prefix/discovery.js";
import { deleteProxyNeighbor } from "./routes.js";

/** How containers attach: their own macvlan on the uplink, or a routed veth with proxy NDP. */
export type AttachMode = "macvlan" | "routed";

/** What a {@link ContainerNetwork} is built from. */
export interface ContainerNetworkOptions {
  /** The host's namespace (undefined: the caller's) and its uplink. */
  readonly host: HostUplink;
  readonly mode: AttachMode;
  /** The prefixes to hand out, usually learned from Router Advertisements (see learnedPrefixes). */
  readonly prefixes: readonly Prefix[];
  /** The RFC 7217 secret: 16+ bytes from a CSPRNG, kept (see @own6/sqlite's loadOrCreateSecret). */
  readonly secret: Uint8Array;
  /** The kernel's DAD settings for container links and the routed probe. */
  readonly dad: KernelDadOptions;
  /** RFC 7217's Network_ID: the network's name. */
  readonly networkId?: string;
  /** Where leases live; in memory unless set. */
  readonly store?: LeaseStore;
  /** Routed mode: the namespace of the scratch macvlan DAD probes from; `own6-dad` unless set. */
  readonly scratchNetns?: string;
  /** Passed to the allocator as they are: retries, delays, lifetimes. */
  readonly allocator?: Omit<AllocatorConfig, "prefixes" | "secret" | "dad" | "now" | "store" | "networkId">;
}

/** A container attached to the network. */
export interface Attached {
  readonly container: ContainerLink;
  readonly owner: string;
  readonly lease: Lease;
  /** Milliseconds from the start of attach to a DAD-proven, configured address. */
  readonly elapsedMs: number;
  /**
   * Milliseconds from the start of attach until the container could use its address: with
   * optimistic DAD in macvlan mode, as soon as it was on the link; otherwise `elapsedMs`.
   */
  readonly usableMs: number;
}

/**
 * Attaching failed and everything it created was removed again. The cause (DAD retries
 * exhausted, a netlink error, ...) is in `cause`.
 *
 * @example
 * ```ts
 * try { await network.attach(container); } catch (e) { if (e instanceof AttachError) log(e.code, e.message); }
 * ```
 */
export class AttachError extends Own6Error {
  constructor(container: ContainerLink, cause: unknown) {
    const code = cause instanceof Own6Error ? cause.code : "ATTACH_FAILED";
    const why = cause instanceof Error ? cause.message : String(cause);
    super(code, `attaching ${container.ifname} in ${container.netns} failed and was rolled back: ${why}`);
    this.cause = cause;
  }
}

/** The owner string the allocator keys a container's lease on (RFC 7217's Net_Iface). */
export function ownerOf(id: string, ifname: string): string {
  return `${id}/${ifname}`;
}

/**
 * Gives containers their own addresses on the host's network: the core's allocator derives and
 * tracks them, the kernel proves them with DAD on the uplink's segment, and the chosen mode wires
 * them up. One instance per host and network; it holds one address monitor for all containers.
 *
 * @example
 * ```ts
 * const network = await ContainerNetwork.open({ host, mode: "routed", prefixes, secret, dad });
 * const { lease } = await network.attach({ netns: "c1", ifname: "eth0" }, "c1");
 * await network.detach({ netns: "c1", ifname: "eth0" }, "c1");
 * network.close();
 * ```
 */
export class ContainerNetwork {
  readonly allocator: Allocator;
  readonly #options: ContainerNetworkOptions;
  readonly #monitor: AddressMonitor;
  /** Macvlan mode: each owner's own link, where its DAD runs. */
  readonly #links: Map<string, KernelDadTarget>;
  /** Macvlan mode: when each address became usable on its link (Date.now()), by address text. */
  readonly #usable: Map<string, number>;
  /** Macvlan mode: the router's link-local address on the uplink, looked up once. */
  #gateway: Promise<Address | undefined> | undefined;
  /** The host's part of attaching, for many containers in one `ip` process. */
  readonly #hostBatch: IpBatcher;
  /** Every attached container, by owner: renumbering must reach their links. */
  readonly #attached = new Map<string, ContainerLink>();
  #prefixes: PrefixMonitor | undefined;

  private constructor(
    options: ContainerNetworkOptions,
    allocator: Allocator,
    monitor: AddressMonitor,
    links: Map<string, KernelDadTarget>,
    usable: Map<string, number>,
  ) {
    this.#options = options;
    this.allocator = allocator;
    this.#monitor = monitor;
    this.#links = links;
    this.#usable = usable;
    this.#hostBatch = new IpBatcher(options.host.ns);
  }

  /**
   * Prepares the host (routed mode: forwarding, proxy NDP, the scratch DAD probe) and opens the
   * allocator.
   *
   * @example
   * ```ts
   * const network = await ContainerNetwork.open({ host: { ns: undefined, uplink: "eth0" }, mode: "macvlan", prefixes, secret, dad });
   * ```
   */
  static async open(options: ContainerNetworkOptions): Promise<ContainerNetwork> {
    const monitor = AddressMonitor.start(options.host.ns);
    try {
      const links = new Map<string, KernelDadTarget>();
      const usable = new Map<string, number>();
      const onUsable = (address: Address) => usable.set(address.toString(), Date.now());
      const dad =
        options.mode === "routed"
          ? kernelDadCheck(
              await prepareRoutedHost(options.host, options.dad, options.scratchNetns ?? "own6-dad"),
              options.dad,
              monitor,
            )
          : kernelDadPerOwner((owner) => links.get(owner), { ...options.dad, onUsable }, monitor);
      const allocator = await Allocator.open({
        ...options.allocator,
        prefixes: options.prefixes,
        secret: options.secret,
        dad,
        now: Date.now,
        ...(options.store && { store: options.store }),
        ...(options.networkId !== undefined && { networkId: options.networkId }),
      });
      return new ContainerNetwork(options, allocator, monitor, links, usable);
    } catch (e) {
      monitor.close();
      throw e;
    }
  }

  /**
   * Gives the container `container.ifname` in `container.netns` an address of its own, proven
   * unique by DAD, and attaches it. `id` is the container's stable identity (its container ID);
   * with the interface name it keys the lease, so the same container gets the same address back.
   * On failure everything created is removed and an {@link AttachError} says why.
   *
   * @example
   * ```ts
   * const { lease } = await network.attach({ netns: "c1", ifname: "eth0" }, "c1");
   * ```
   */
  async attach(container: ContainerLink, id: string): Promise<Attached> {
    checkNetns(container.netns);
    checkIfname(container.ifname);
    const owner = ownerOf(id, container.ifname);
    const started = Date.now();
    try {
      const lease =
        this.#options.mode === "macvlan"
          ? await this.#attachMacvlan(container, owner)
          : await this.#attachRouted(container, owner);
      this.#attached.set(owner, container);
      const done = Date.now();
      const usableAt = Math.min(this.#usable.get(lease.address.toString()) ?? done, done);
      this.#usable.delete(lease.address.toString());
      return { container, owner, lease, elapsedMs: done - started, usableMs: usableAt - started };
    } catch (e) {
      await this.#undo(container, owner).catch(() => undefined);
      throw new AttachError(container, e);
    }
  }

  async #attachMacvlan(container: ContainerLink, owner: string): Promise<Lease> {
    this.#gateway ??= uplinkGateway(this.#options.host);
    const target = await createMacvlan(this.#options.host, container, {
      dad: this.#options.dad,
      prefixLength: this.#options.prefixes[0]?.bits ?? 64,
      gateway: await this.#gateway,
      deferBringUp: true,
      hostBatch: this.#hostBatch,
    });
    this.#links.set(owner, target);
    const lease = await this.allocator.allocate(owner);
    // A lease the allocator already had (a retried attach) ran no DAD here: its address is not on
    // the link yet, and the link may still be down.
    const setup = target.setup?.take() ?? [];
    const add = this.#usable.has(lease.address.toString())
      ? []
      : [addAddressCommand(container.ifname, lease.address, lease.prefix.bits, { nodad: true })];
    if (setup.length + add.length > 0) {
      await ipBatch(container.netns, [...setup, ...add], `add ${lease.address} in ${container.netns}`).catch(
        ignoreExists,
      );
    }
    return lease;
  }

  async #attachRouted(container: ContainerLink, owner: string): Promise<Lease> {
    const lease = await this.allocator.allocate(owner);
    await attachRouted(this.#options.host, container, lease.address);
    return lease;
  }

  /**
   * Detaches the container and releases its address. Safe to repeat, and safe when the
   * container's namespace is already gone.
   *
   * @example
   * ```ts
   * await network.detach({ netns: "c1", ifname: "eth0" }, "c1");
   * ```
   */
  async detach(container: ContainerLink, id: string): Promise<void> {
    await this.#undo(container, ownerOf(id, container.ifname));
  }

  async #undo(container: ContainerLink, owner: string): Promise<void> {
    const leases = this.allocator.leasesOf(owner);
    if (this.#options.mode === "routed") {
      for (const lease of leases)
        await deleteProxyNeighbor(this.#options.host.ns, this.#options.host.uplink, lease.address);
      await deleteLink(this.#options.host.ns, hostVethName(container));
    } else {
      await deleteMacvlan(container).catch(() => undefined);
    }
    this.#links.delete(owner);
    this.#attached.delete(owner);
    await this.allocator.release(owner);
  }

  /**
   * Moves every attached container from prefix `from` to prefix `to` (a router renumbered): each
   * gets the address with the same identifier in `to` where DAD allows, configured next to the old
   * one; the old address is deprecated on the link (preferred lifetime 0, so no new connections
   * use it) and stays valid for `validSeconds`.
   *
   * @example
   * ```ts
   * await network.renumber(oldPrefix, newPrefix, 600);
   * ```
   */
  async renumber(from: Prefix, to: Prefix, validSeconds: number): Promise<RenumberResult> {
    const old = new Map<string, Address>();
    for (const owner of this.#attached.keys()) {
      const lease = this.allocator.leasesOf(owner).find((l) => l.prefix.equals(from));
      if (lease) old.set(owner, lease.address);
    }
    const result = await this.allocator.renumber(from, to, { validMs: validSeconds * 1000 });
    const onLink = this.#options.mode === "routed" ? 128 : from.bits;
    for (const lease of result.moved) {
      const container = this.#attached.get(lease.owner);
      if (!container) continue;
      if (this.#options.mode === "routed") await attachRoutedAddress(this.#options.host, container, lease.address);
      const previous = old.get(lease.owner);
      if (previous) await deprecateOnLink(container, previous, onLink, validSeconds);
    }
    return result;
  }

  /**
   * Follows the router: listens to the Prefix Information options the host receives on its
   * uplink and, when the router deprecates a prefix containers use (preferred lifetime 0) while
   * it advertises another, renumbers them into the new one (see {@link ContainerNetwork.renumber}).
   * `onRenumber` hears each result. Stopped by {@link ContainerNetwork.close}.
   *
   * @example
   * ```ts
   * network.followRouterAdvertisements((r) => log.info({ moved: r.moved.length }, "renumbered"));
   * ```
   */
  followRouterAdvertisements(onRenumber: (result: RenumberResult, from: Prefix, to: Prefix) => void = () => {}): void {
    if (this.#prefixes) return;
    const monitor = PrefixMonitor.start(this.#options.host.ns);
    this.#prefixes = monitor;
    let chain = Promise.resolve();
    const seen = new Map<string, LearnedPrefix>();
    monitor.subscribe((event) => {
      if (event.ifname !== this.#options.host.uplink) return;
      seen.set(event.prefix.toString(), event);
      chain = chain.then(() => this.#followOnce(seen, onRenumber)).catch(() => undefined);
    });
  }

  /** One reconciliation: the first deprecated prefix in use moves to the first preferred new one. */
  async #followOnce(
    seen: ReadonlyMap<string, LearnedPrefix>,
    onRenumber: (r: RenumberResult, from: Prefix, to: Prefix) => void,
  ) {
    const inUse = new Set(
      [...this.#attached.keys()].flatMap((o) => this.allocator.leasesOf(o).map((l) => l.prefix.toString())),
    );
    const from = [...seen.values()].find((p) => p.preferredLifetime === 0 && inUse.has(p.prefix.toString()));
    const to = [...seen.values()].find((p) => (p.preferredLifetime ?? 1) > 0 && !inUse.has(p.prefix.toString()));
    if (!from || !to) return;
    const result = await this.renumber(from.prefix, to.prefix, from.validLifetime ?? 7200);
    onRenumber(result, from.prefix, to.prefix);
  }

  /**
   * Stops the address and prefix monitors. Attached containers stay attached.
   *
   * @example
   * ```ts
   * network.close();
   * ```
   */
  close(): void {
    this.#prefixes?.close();
    this.#monitor.close();
  }
}

function ignoreExists(e: unknown): void {
  if (!(e instanceof NetlinkError && e.errno === "EEXIST")) throw e;
}

/** Adds a second (renumbered) address to an attached routed container. */
async function attachRoutedAddress(host: HostUplink, container: ContainerLink, address: Address): Promise<void> {
  const a = address.toString();
  await ipBatch(
    host.ns,
    [
      ["route", "replace", `${a}/128`, "dev", hostVethName(container)],
      ["neigh", "replace", "proxy", a, "dev", checkIfname(host.uplink)],
    ],
    `route ${a} to ${container.netns}`,
  );
  await addAddress(container.netns, container.ifname, address, 128, { nodad: true }).catch(ignoreExists);
}

/** Marks an address deprecated on the container's link, valid for `validSeconds` more. */
async function deprecateOnLink(
  container: ContainerLink,
  address: Address,
  prefixLength: number,
  validSeconds: number,
): Promise<void> {
  await ipBatch(
    container.netns,
    [
      [
        "addr",
        "change",
        `${address}/${prefixLength}`,
        "dev",
        container.ifname,
        "valid_lft",
        String(validSeconds),
        "preferred_lft",
        "0",
      ],
    ],
    `deprecate ${address} in ${container.netns}`,
  );
}
