import type { Address, DadCheck, DadOutcome } from "@own6/core";
import { addAddress, deleteAddress, listAddresses } from "../addresses.js";
import { NetlinkError } from "../errors.js";
import { getLink } from "../links.js";
import type { AddressEvent, AddressMonitor } from "../monitor.js";
import { type DadSysctls, dadSysctls, setSysctls } from "../sysctl.js";

/** Where the kernel runs DAD for a candidate address, and what happens to it afterwards. */
export interface KernelDadTarget {
  /** The namespace of the link DAD runs on. */
  readonly ns: string;
  /** The link, on the segment where the neighbours are (a container's macvlan, or a scratch macvlan on the uplink). */
  readonly ifname: string;
  /** The prefix length the address is added with. */
  readonly prefixLength: number;
  /** Keep a unique address on the link (macvlan) or remove it after the verdict (scratch probe). */
  readonly keep: boolean;
}

/** The kernel's DAD settings for the check, and how long to wait for a verdict. */
export interface KernelDadOptions extends DadSysctls {
  /** Give up (inconclusive) after this long; default: four times the expected DAD time, at least 2 s. */
  readonly timeoutMs?: number;
  /**
   * Called when the address becomes usable on a link that keeps it: at once for an optimistic
   * address (RFC 4429: usable while DAD runs), else when DAD has proven it unique.
   */
  readonly onUsable?: (address: Address) => void;
}

/** What the kernel's DAD settings let a caller expect, in milliseconds. */
export function expectedDadMs(options: DadSysctls): number {
  return options.routerSolicitationDelay * 1000 + options.dadTransmits * options.retransTimeMs;
}

/**
 * Applies `options` as sysctls on the target link. Run once per link before its first check.
 *
 * @example
 * ```ts
 * await prepareKernelDad(target, { dadTransmits: 1, retransTimeMs: 100, routerSolicitationDelay: 0, optimistic: false });
 * ```
 */
export async function prepareKernelDad(target: KernelDadTarget, options: DadSysctls): Promise<void> {
  await setSysctls(target.ns, dadSysctls(target.ifname, options));
}

type Verdict = "unique" | "duplicate" | "pending";

function verdictOf(flags: { tentative: boolean; dadfailed: boolean; deleted?: boolean }): Verdict {
  if (flags.dadfailed) return "duplicate";
  if (flags.deleted) return "pending";
  return flags.tentative ? "pending" : "unique";
}

/**
 * A core `DadCheck` backed by the Linux kernel: it adds the candidate to the target link without
 * `nodad`, so the kernel probes the segment, and reads the verdict (tentative cleared: unique;
 * `dadfailed`: duplicate) from the address monitor, falling back to reading the link's
 * addresses if no event arrives. It refuses to trust a success on a link without carrier, where
 * the kernel's DAD "succeeds" into the void (linux.md §2). A duplicate is removed from the link.
 *
 * @example
 * ```ts
 * const check = kernelDadCheck({ ns: "own6-c1", ifname: "eth0", prefixLength: 64, keep: true }, options, monitor);
 * const outcome = await check(address); // { status: "unique" } | { status: "duplicate", ... } | ...
 * ```
 */
export function kernelDadCheck(target: KernelDadTarget, options: KernelDadOptions, monitor: AddressMonitor): DadCheck {
  return async (address) => {
    const link = await getLink(target.ns, target.ifname);
    if (!link?.up || !link.carrier) {
      return {
        status: "inconclusive",
        reason: `${target.ifname} in ${target.ns} has no carrier, so DAD would prove nothing`,
      };
    }
    const outcome = await runKernelDad(target, options, monitor, address);
    if (outcome.status === "unique" && !(await getLink(target.ns, target.ifname))?.carrier) {
      await deleteAddress(target.ns, target.ifname, address, target.prefixLength);
      return { status: "inconclusive", reason: `${target.ifname} lost carrier during DAD` };
    }
    if (outcome.status !== "unique" || !target.keep) {
      await deleteAddress(target.ns, target.ifname, address, target.prefixLength);
    } else if (!options.optimistic) {
      options.onUsable?.(address);
    }
    return outcome;
  };
}

async function runKernelDad(
  target: KernelDadTarget,
  options: KernelDadOptions,
  monitor: AddressMonitor,
  address: Address,
): Promise<DadOutcome> {
  const expected = expectedDadMs(options);
  const timeoutMs = options.timeoutMs ?? Math.max(2000, 4 * expected);
  let settle: (v: Verdict) => void = () => {};
  const fromEvents = new Promise<Verdict>((resolve) => {
    settle = resolve;
  });
  const stop = monitor.subscribe((e: AddressEvent) => {
    if (!e.address.equals(address)) return;
    const v = verdictOf(e);
    if (v !== "pending") settle(v);
  });
  const polling = new AbortController();
  try {
    try {
      await addAddress(target.ns, target.ifname, address, target.prefixLength, { optimistic: options.optimistic });
      if (options.optimistic && target.keep) options.onUsable?.(address);
    } catch (e) {
      if (!(e instanceof NetlinkError && e.errno === "EEXIST")) throw e;
    }
    const verdict = await Promise.race([fromEvents, pollUntil(target, address, expected, timeoutMs, polling.signal)]);
    if (verdict === "unique") return { status: "unique" };
    if (verdict === "duplicate") {
      return {
        status: "duplicate",
        evidence: `the kernel marked ${address} dadfailed on ${target.ifname} in ${target.ns}`,
      };
    }
    return { status: "inconclusive", reason: `no DAD verdict for ${address} within ${timeoutMs} ms` };
  } finally {
    stop();
    polling.abort();
  }
}

/**
 * Reads the link's addresses after the expected DAD time, then at that interval, until the
 * timeout: the safety net for a monitor event that never came. Stops as soon as `signal` aborts.
 */
async function pollUntil(
  target: KernelDadTarget,
  address: Address,
  expectedMs: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Verdict> {
  const started = Date.now();
  const every = Math.max(50, expectedMs);
  await sleep(expectedMs + every);
  while (!signal.aborted && Date.now() - started < timeoutMs) {
    const found = (await listAddresses(target.ns, target.ifname)).find((a) => a.address.equals(address));
    const v = found ? verdictOf(found) : "pending";
    if (v !== "pending") return v;
    await sleep(every);
  }
  return "pending";
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A `DadCheck` that runs each check on the link of the owner it is for, as the allocator names
 * it in the context: for macvlan containers, whose own link is where DAD must run. An owner
 * without a registered link gets an inconclusive outcome, never a false "unique".
 *
 * @example
 * ```ts
 * const links = new Map<string, KernelDadTarget>();
 * const allocator = await Allocator.open({ ..., dad: kernelDadPerOwner((owner) => links.get(owner), options, monitor) });
 * ```
 */
export function kernelDadPerOwner(
  targetOf: (owner: string) => KernelDadTarget | undefined,
  options: KernelDadOptions,
  monitor: AddressMonitor,
): DadCheck {
  return async (address, context) => {
    const target = context && targetOf(context.owner);
    if (!target)
      return { status: "inconclusive", reason: `no link is registered for ${context?.owner ?? "this check"}` };
    return kernelDadCheck(target, options, monitor)(address);
  };
}
