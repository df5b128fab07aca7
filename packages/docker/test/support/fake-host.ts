import { Address, type DadOutcome, Prefix } from "@own6/core";
import type { AttachMode } from "@own6/netlink";
import type { EndpointLinks, HostNetwork } from "../../src/host/host.js";
import { linkNames } from "../../src/host/names.js";

/**
 * A HostNetwork that keeps the kernel's side in memory: which links and proxy entries exist,
 * which parents are prepared, and which addresses DAD saw. Addresses in `squatted` fail DAD.
 */
export class FakeHost implements HostNetwork {
  readonly links = new Set<string>();
  readonly proxies = new Set<string>();
  readonly prepared = new Map<string, AttachMode>();
  readonly dadChecks: string[] = [];
  readonly squatted = new Set<string>();
  /** quietSlaac calls: endpoint, sandbox key, MAC. */
  readonly quieted: [string, string, string][] = [];
  readonly uplinks = new Map<string, Prefix[]>([
    ["upl0", [Prefix.parse("2001:db8:3::/64")]],
    ["uplink0", [Prefix.parse("2001:db8:1::/64")]],
  ]);
  readonly routers = new Map<string, Address>([
    ["upl0", Address.parse("fe80::ff:fe00:1")],
    ["uplink0", Address.parse("fe80::ff:fe00:2")],
  ]);

  async learnedPrefixes(parent: string): Promise<Prefix[]> {
    return this.uplinks.get(parent) ?? [];
  }

  async uplinksWithPrefixes(): Promise<string[]> {
    return [...this.uplinks].filter(([, p]) => p.length > 0).map(([name]) => name);
  }

  async hasLink(name: string): Promise<boolean> {
    return this.uplinks.has(name) || this.links.has(name);
  }

  async router(parent: string): Promise<Address | undefined> {
    return this.routers.get(parent);
  }

  async prepare(parent: string, mode: AttachMode): Promise<void> {
    if (this.prepared.get(parent) !== "routed") this.prepared.set(parent, mode);
  }

  async unprepare(parent: string): Promise<void> {
    this.prepared.delete(parent);
  }

  async dad(parent: string, address: Address): Promise<DadOutcome> {
    this.dadChecks.push(address.toString());
    if (!this.prepared.has(parent)) return { status: "inconclusive", reason: `${parent} is not prepared` };
    if (this.squatted.has(address.toString())) return { status: "duplicate", evidence: "squatted" };
    return { status: "unique" };
  }

  async attach(links: EndpointLinks): Promise<string> {
    const names = linkNames(links.endpointId);
    if (links.mode === "macvlan") {
      this.links.add(names.macvlan);
      return names.macvlan;
    }
    this.links.add(names.host).add(names.container);
    this.proxies.add(`${links.address}@${links.parent}`);
    return names.container;
  }

  quietSlaac(links: EndpointLinks, sandboxKey: string, mac: string): void {
    this.quieted.push([links.endpointId, sandboxKey, mac]);
  }

  async detach(links: Pick<EndpointLinks, "endpointId"> & Partial<EndpointLinks>): Promise<void> {
    if (links.address && links.parent) this.proxies.delete(`${links.address}@${links.parent}`);
    for (const name of Object.values(linkNames(links.endpointId))) this.links.delete(name);
  }

  async close(): Promise<void> {
    this.prepared.clear();
  }
}
