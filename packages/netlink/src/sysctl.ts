import { execIn } from "./netns.js";

/** One sysctl: the key's components (an interface name may hold dots) and the value. */
export interface Sysctl {
  readonly key: readonly string[];
  readonly value: string | number;
}

/** sysctl(8) writes a dot inside a key component (an interface name such as `eth0.10`) as `/`. */
function keyText(key: readonly string[]): string {
  return key.map((part) => part.replaceAll(".", "/")).join(".");
}

/**
 * Sets sysctls inside namespace `ns`, all in one `sysctl` run. Network sysctls are per namespace,
 * so this never changes the host's settings unless `ns` is the host's namespace.
 *
 * @example
 * ```ts
 * await setSysctls("own6-c1", [{ key: ["net", "ipv6", "conf", "eth0", "dad_transmits"], value: 1 }]);
 * ```
 */
export async function setSysctls(ns: string | undefined, sysctls: readonly Sysctl[]): Promise<void> {
  if (sysctls.length === 0) return;
  const args = sysctls.flatMap((s) => ["-w", `${keyText(s.key)}=${s.value}`]);
  await execIn(ns, "sysctl", ["-q", ...args], `set ${sysctls.map((s) => keyText(s.key)).join(", ")} in ${ns}`);
}

/**
 * Reads one sysctl inside namespace `ns`.
 *
 * @example
 * ```ts
 * await getSysctl("own6-c1", ["net", "ipv6", "conf", "all", "forwarding"]); // "0"
 * ```
 */
export async function getSysctl(ns: string | undefined, key: readonly string[]): Promise<string> {
  return (await execIn(ns, "sysctl", ["-n", keyText(key)], `read ${keyText(key)} in ${ns}`)).trim();
}

/** The DAD sysctls of an interface, as own6's options name them. */
export interface DadSysctls {
  /** `net.ipv6.conf.IF.dad_transmits`: NS probes per DAD run; 0 disables DAD. */
  readonly dadTransmits: number;
  /** `net.ipv6.neigh.IF.retrans_time_ms`: the wait after each probe. */
  readonly retransTimeMs: number;
  /** `net.ipv6.conf.IF.router_solicitation_delay`: the random initial delay bound, seconds. */
  readonly routerSolicitationDelay: number;
  /** `net.ipv6.conf.IF.optimistic_dad` and `use_optimistic` (RFC 4429). */
  readonly optimistic: boolean;
}

/**
 * The sysctls that make the kernel's DAD on `ifname` follow `dad`.
 *
 * @example
 * ```ts
 * await setSysctls(ns, dadSysctls("eth0", { dadTransmits: 1, retransTimeMs: 100, routerSolicitationDelay: 0, optimistic: false }));
 * ```
 */
export function dadSysctls(ifname: string, dad: DadSysctls): Sysctl[] {
  const conf = (name: string, value: number) => ({ key: ["net", "ipv6", "conf", ifname, name], value });
  return [
    conf("accept_dad", 1),
    conf("dad_transmits", dad.dadTransmits),
    conf("router_solicitation_delay", dad.routerSolicitationDelay),
    conf("optimistic_dad", dad.optimistic ? 1 : 0),
    conf("use_optimistic", dad.optimistic ? 1 : 0),
    { key: ["net", "ipv6", "neigh", ifname, "retrans_time_ms"], value: dad.retransTimeMs },
  ];
}
