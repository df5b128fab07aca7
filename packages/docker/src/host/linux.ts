import type { Address, DadOutcome, Prefix } from "@own6/core";
import {
  AddressMonitor,
  type AttachMode,
  addMacvlan,
  addNetns,
  checkIfname,
  dadSysctls,
  deleteAddress,
  deleteLink,
  deleteNetns,
  deleteProxyNeighbor,
  getLink,
  ip,
  ipBatch,
  type KernelDadOptions,
  kernelDadCheck,
  learnedPrefixes,
  listAddresses,
  listLinks,
  listNetns,
  listNsids,
  PROBE_IFNAME,
  prepareRoutedHost,
  ROUTED_GATEWAY,
  setLinkUp,
  setSysctls,
  uplinkGateway,
} from "@own6/netlink";
import type { Logger } from "pino";
import type { EndpointLinks, HostNetwork } from "./host.js";
import { linkNames, probeNetns } from "./names.js";

/**
 * How a {@link LinuxHost} is set up.
 *
 * @example
 * ```ts
 * const options: LinuxHostOptions = { plugin: "own6", dad, log };
 * ```
 */
export interface LinuxHostOptions {
  /** The plugin's name; it names the DAD probe namespaces. */
  readonly plugin: string;
  /** The kernel's DAD settings on the probe links. */
  readonly dad: KernelDadOptions;
  readonly log: Logger;
}

/** How long to look for a macvlan in its container before giving up (the container may have exited). */
const QUIET_TIMEOUT_MS = 30_000;

/**
 * {@link HostNetwork} on Linux through iproute2, in the caller's network namespace (dockerd's):
 * macvlan links or veth pairs with a /128 route and a proxy NDP entry for endpoints, and DAD
 * from a scratch macvlan on the parent in a namespace of its own (one per parent), before an
 * address is handed to Docker, which adds addresses with NODAD (docker.md A6).
 *
 * @example
 * ```ts
 * const host = LinuxHost.open({ plugin: "own6", dad: { dadTransmits: 1, retransTimeMs: 1000, routerSolicitationDelay: 0, optimistic: false } });
 * await host.prepare("eth0", "routed");
 * ```
 */
export class LinuxHost implements HostNetwork {
  readonly #options: LinuxHostOptions;
  readonly #monitor: AddressMonitor;
  readonly #queues = new Map<string, Promise<unknown>>();
  /** Parents whose probe this process made or found. */
  readonly #probes = new Set<string>();
  /** Background SLAAC quieting, by endpoint, so DeleteEndpoint and close() can stop it. */
  readonly #quieting = new Map<string, AbortController>();

  private constructor(options: LinuxHostOptions) {
    this.#options = options;
    this.#monitor = AddressMonitor.start();
  }

  /**
   * Starts the address monitor DAD verdicts come from.
   *
   * @example
   * ```ts
   * const host = LinuxHost.open({ plugin: "own6", dad });
   * ```
   */
  static open(options: LinuxHostOptions): LinuxHost {
    return new LinuxHost(options);
  }

  /** {@inheritDoc HostNetwork.learnedPrefixes} */
  async learnedPrefixes(parent: string): Promise<Prefix[]> {
    const learned = await learnedPrefixes(undefined, checkIfname(parent));
    const preferred = (p: (typeof learned)[number]) => (p.preferredLifetime === 0 ? 1 : 0);
    return learned.sort((a, b) => preferred(a) - preferred(b)).map((l) => l.prefix);
  }

  /** {@inheritDoc HostNetwork.uplinksWithPrefixes} */
  async uplinksWithPrefixes(): Promise<string[]> {
    const found: string[] = [];
    for (const link of await listLinks(undefined)) {
      if (link.ifname === "lo" || link.ifname.startsWith("o6")) continue;
      if ((await learnedPrefixes(undefined, link.ifname)).length > 0) found.push(link.ifname);
    }
    return found;
  }

  /** {@inheritDoc HostNetwork.hasLink} */
  async hasLink(name: string): Promise<boolean> {
    return (await getLink(undefined, checkIfname(name))) !== undefined;
  }

  /** {@inheritDoc HostNetwork.router} */
  router(parent: string): Promise<Address | undefined> {
    return uplinkGateway({ ns: undefined, uplink: checkIfname(parent) });
  }

  /** {@inheritDoc HostNetwork.prepare} */
  prepare(parent: string, mode: AttachMode): Promise<void> {
    return this.#serial(parent, async () => {
      if (mode === "routed") {
        await prepareRoutedHost({ ns: undefined, uplink: parent }, this.#options.dad, this.#scratch(parent));
        // Linux holds back proxied Neighbor Advertisements by up to proxy_delay (0.8 s) for the
        // target to answer itself; a routed container never can, so answer at once.
        await setSysctls(undefined, [{ key: ["net", "ipv6", "neigh", parent, "proxy_delay"], value: 0 }]);
      } else {
        await this.#ensureProbe(parent);
      }
      await this.#watchProbe(parent);
      this.#probes.add(parent);
    });
  }

  /** {@inheritDoc HostNetwork.unprepare} */
  unprepare(parent: string): Promise<void> {
    return this.#serial(parent, async () => {
      await deleteNetns(this.#scratch(parent));
      this.#probes.delete(parent);
    });
  }

  /** {@inheritDoc HostNetwork.dad} */
  async dad(parent: string, address: Address): Promise<DadOutcome> {
    if (!this.#probes.has(parent)) {
      await this.#serial(parent, async () => {
        await this.#ensureProbe(parent);
        await this.#watchProbe(parent);
        this.#probes.add(parent);
      });
    }
    const target = { ns: this.#scratch(parent), ifname: PROBE_IFNAME, prefixLength: 128, keep: false };
    return kernelDadCheck(target, this.#options.dad, this.#monitor)(address);
  }

  /** {@inheritDoc HostNetwork.attach} */
  async attach(links: EndpointLinks): Promise<string> {
    const names = linkNames(links.endpointId);
    const parent = checkIfname(links.parent);
    // A Join that Docker retries finds the links of the first try: start from nothing.
    await this.detach({ endpointId: links.endpointId });
    if (links.mode === "macvlan") {
      const args = ["link", "add", names.macvlan, "link", parent, "type", "macvlan", "mode", "bridge"];
      await ip(undefined, args, `create macvlan ${names.macvlan} on ${parent}`);
      return names.macvlan;
    }
    const a = links.address.toString();
    try {
      await ipBatch(
        undefined,
        [
          ["link", "add", names.host, "type", "veth", "peer", "name", names.container],
          ["addr", "add", `${ROUTED_GATEWAY}/64`, "dev", names.host, "nodad"],
          ["link", "set", names.host, "up"],
          ["route", "replace", `${a}/128`, "dev", names.host],
          ["neigh", "replace", "proxy", a, "dev", parent],
        ],
        `route ${a} through ${names.host}`,
      );
    } catch (e) {
      await this.detach(links).catch(() => undefined);
      throw e;
    }
    return names.container;
  }

  /** {@inheritDoc HostNetwork.quietSlaac} */
  quietSlaac(links: EndpointLinks, sandboxKey: string, mac: string): void {
    const stop = new AbortController();
    this.#quieting.get(links.endpointId)?.abort();
    this.#quieting.set(links.endpointId, stop);
    this.#quiet(sandboxKey, mac.toLowerCase(), links.address, stop.signal)
      .catch((err) =>
        this.#options.log.warn({ err, endpoint: links.endpointId }, "could not stop SLAAC in the container"),
      )
      .finally(() => {
        if (this.#quieting.get(links.endpointId) === stop) this.#quieting.delete(links.endpointId);
      });
  }

  /**
   * Waits for the link with `mac` to appear in the container's namespace (Docker moves it there
   * from a prestart hook, after Join), turns autoconf off on it and removes the SLAAC addresses
   * an early Router Advertisement made. The router's routes still come in; only addresses other
   * than own6's are kept out.
   */
  async #quiet(sandboxKey: string, mac: string, keep: Address, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + QUIET_TIMEOUT_MS;
    for (let wait = 25; !signal.aborted; wait = Math.min(2 * wait, 500)) {
      const links = await listLinks(sandboxKey).catch(() => []);
      const link = links.find((l) => l.mac?.toLowerCase() === mac)?.ifname;
      if (link) {
        await setSysctls(sandboxKey, [{ key: ["net", "ipv6", "conf", link, "autoconf"], value: 0 }]);
        for (const a of await listAddresses(sandboxKey, link)) {
          const slaac = a.scope === "global" && a.validLifetime !== undefined && !a.address.equals(keep);
          if (slaac) await deleteAddress(sandboxKey, link, a.address, a.prefixLength);
        }
        return;
      }
      if (Date.now() > deadline) throw new Error(`no link ${mac} appeared in ${sandboxKey}`);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** {@inheritDoc HostNetwork.detach} */
  async detach(links: Pick<EndpointLinks, "endpointId"> & Partial<EndpointLinks>): Promise<void> {
    this.#quieting.get(links.endpointId)?.abort();
    if (links.mode !== "macvlan" && links.parent && links.address) {
      await deleteProxyNeighbor(undefined, links.parent, links.address);
    }
    const names = Object.values(linkNames(links.endpointId));
    const present = (await listLinks(undefined)).filter((l) => names.includes(l.ifname));
    // Deleting a veth's host end takes its peer along.
    for (const link of present) await deleteLink(undefined, link.ifname);
  }

  /** {@inheritDoc HostNetwork.close} */
  async close(): Promise<void> {
    for (const stop of this.#quieting.values()) stop.abort();
    this.#monitor.close();
    for (const parent of [...this.#probes]) await this.unprepare(parent);
  }

  #scratch(parent: string): string {
    return probeNetns(this.#options.plugin, parent);
  }

  async #ensureProbe(parent: string): Promise<void> {
    const scratch = this.#scratch(parent);
    if (!(await listNetns()).includes(scratch)) await addNetns(scratch);
    if (await getLink(scratch, PROBE_IFNAME)) return;
    await addMacvlan(undefined, checkIfname(parent), scratch, PROBE_IFNAME);
    const conf = (name: string, value: number) => ({ key: ["net", "ipv6", "conf", PROBE_IFNAME, name], value });
    await setSysctls(scratch, [
      ...dadSysctls(PROBE_IFNAME, this.#options.dad),
      conf("autoconf", 0),
      conf("accept_ra", 0),
    ]);
    await setLinkUp(scratch, PROBE_IFNAME);
  }

  /**
   * Gives the probe's namespace an id here, so the address monitor (`all-nsid`) hears its DAD
   * verdicts the moment the kernel reaches them; without one, only the fallback poll would,
   * a whole retransmission later.
   */
  async #watchProbe(parent: string): Promise<void> {
    const scratch = this.#scratch(parent);
    if ((await listNsids(undefined)).has(scratch)) return;
    await ip(undefined, ["netns", "set", scratch, "auto"], `give ${scratch} an nsid`);
  }

  /** Runs `work` after whatever runs for `parent` now, so a probe is never made and removed at once. */
  #serial<T>(parent: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(parent) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.#queues.set(parent, next);
    return next;
  }
}
