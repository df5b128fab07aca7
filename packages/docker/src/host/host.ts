import type { Address, DadOutcome, Prefix } from "@own6/core";
import type { AttachMode } from "@own6/netlink";

/**
 * What the plugin needs of an endpoint to wire it up or take it down.
 *
 * @example
 * ```ts
 * const links: EndpointLinks = { endpointId, mode: "routed", parent: "eth0", address };
 * ```
 */
export interface EndpointLinks {
  readonly endpointId: string;
  readonly mode: AttachMode;
  readonly parent: string;
  readonly address: Address;
}

/**
 * The Linux side of the plugin, in the network namespace where the plugin and dockerd run (the
 * links made here are the ones dockerd moves into containers). The daemon uses
 * {@link LinuxHost}; protocol tests use a fake.
 *
 * @example
 * ```ts
 * const src = await host.attach({ endpointId, mode: "macvlan", parent: "eth0", address });
 * ```
 */
export interface HostNetwork {
  /** The prefixes the host learned from Router Advertisements on `parent`, preferred ones first. */
  learnedPrefixes(parent: string): Promise<Prefix[]>;
  /** The links with a prefix learned from Router Advertisements. */
  uplinksWithPrefixes(): Promise<string[]>;
  hasLink(name: string): Promise<boolean>;
  /** The router on `parent`, from the host's RA-learned default route. */
  router(parent: string): Promise<Address | undefined>;
  /** Readies `parent`: the DAD probe, and for routed mode forwarding, proxy NDP and `accept_ra=2`. */
  prepare(parent: string, mode: AttachMode): Promise<void>;
  /** Removes what {@link HostNetwork.prepare} made on `parent` that nothing needs any more (the DAD probe). */
  unprepare(parent: string): Promise<void>;
  /** Duplicate Address Detection for `address` on `parent`'s segment. */
  dad(parent: string, address: Address): Promise<DadOutcome>;
  /** Creates the endpoint's link(s) and returns the name of the one Docker moves into the container. */
  attach(links: EndpointLinks): Promise<string>;
  /**
   * Once Docker has moved a macvlan endpoint into its container (the namespace at `sandboxKey`,
   * the link with `mac`), stops the container's kernel from making SLAAC addresses of its own
   * from the router's RAs and removes any it made already. Runs in the background; failures
   * are logged, since the container works without it.
   */
  quietSlaac(links: EndpointLinks, sandboxKey: string, mac: string): void;
  /** Removes the endpoint's links and proxy entry; `links` is partial when the plugin lost the endpoint. */
  detach(links: Pick<EndpointLinks, "endpointId"> & Partial<EndpointLinks>): Promise<void>;
  /** Stops background work and removes the DAD probes. */
  close(): Promise<void>;
}
