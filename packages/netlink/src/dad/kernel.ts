import type { Address, DadCheck, DadOutcome } from "@own6/core";
import { addAddressCommand, deleteAddress, listAddresses } from "../addresses.js";
import { NetlinkError } from "../errors.js";
import { ipBatch } from "../ip.js";
import type { LinkSetup } from "../link-setup.js";
import { getLink, type LinkInfo, parseLinkJson } from "../links.js";
import type { AddressEvent, AddressMonitor, LinkEvent } from "../monitor.js";
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
  /** The link's setup still to run (see {@link LinkSetup}): the first check runs it with its own commands. */
  readonly setup?: LinkSetup;
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
    const { outcome, carrierLost } = await runKernelDad(target, options, monitor, address);
    if (outcome.status === "unique" && (await carrierLost())) {
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

/** A DAD run's outcome, and whether the link lost carrier while it ran. */
interface KernelDadRun {
  readonly outcome: DadOutcome;
  readonly carrierLost: () => Promise<boolean>;
}

/** The verdict, and whether it came from the monitor (whose link events then cover the carrier). */
interface Heard {
  readonly verdict: Verdict;
  readonly fromMonitor: boolean;
}

async function runKernelDad(
  target: KernelDadTarget,
  options: KernelDadOptions,
  monitor: AddressMonitor,
  address: Address,
): Promise<KernelDadRun> {
  const expected = expectedDadMs(options);
  const timeoutMs = options.timeoutMs ?? Math.max(2000, 4 * expected);
  const watch = watchCandidate(monitor, target.ifname, address);
  const polling = new AbortController();
  try {
    const link = await startDad(target, address, options.optimistic);
    if (!link?.up || !link.carrier) {
      const reason = `${target.ifname} in ${target.ns} has no carrier, so DAD would prove nothing`;
      return { outcome: { status: "inconclusive", reason }, carrierLost: async () => true };
    }
    if (options.optimistic && target.keep) options.onUsable?.(address);
    const polled = pollUntil(target, address, expected, timeoutMs, polling.signal).then((verdict) => ({
      verdict,
      fromMonitor: false,
    }));
    const heard = await Promise.race([watch.heard, polled]);
    const carrierLost = heard.fromMonitor
      ? async () => watch.carrierLost()
      : async () => !(await getLink(target.ns, target.ifname))?.carrier;
    return { outcome: outcomeOf(heard.verdict, target, address, timeoutMs), carrierLost };
  } finally {
    watch.stop();
    polling.abort();
  }
}

function outcomeOf(verdict: Verdict, target: KernelDadTarget, address: Address, timeoutMs: number): DadOutcome {
  if (verdict === "unique") return { status: "unique" };
  if (verdict === "duplicate") {
    return {
      status: "duplicate",
      evidence: `the kernel marked ${address} dadfailed on ${target.ifname} in ${target.ns}`,
    };
  }
  return { status: "inconclusive", reason: `no DAD verdict for ${address} within ${timeoutMs} ms` };
}

/**
 * Follows one candidate through the monitor: its verdict, and whether its link lost carrier
 * after it was added. The candidate's own events name the namespace (by nsid) its link is in,
 * and they come before any later link event of that namespace, so a carrier loss while DAD runs
 * is never missed and no process is needed to look at the link afterwards.
 */
function watchCandidate(monitor: AddressMonitor, ifname: string, address: Address) {
  let nsid: string | undefined;
  let lost = false;
  let settle: (heard: Heard) => void = () => {};
  const heard = new Promise<Heard>((resolve) => {
    settle = resolve;
  });
  const stop = monitor.subscribe((e: AddressEvent | LinkEvent) => {
    if (e.kind === "link") {
      if (e.nsid === nsid && e.ifname === ifname && (e.deleted || !e.carrier)) lost = true;
      return;
    }
    if (!e.address.equals(address)) return;
    nsid = e.nsid;
    const verdict = verdictOf(e);
    if (verdict !== "pending") settle({ verdict, fromMonitor: true });
  });
  return { heard, stop, carrierLost: () => lost };
}

/**
 * Adds the candidate without `nodad`, so the kernel starts DAD, and reads the link right after, in
 * one `ip` run: a check costs one process, not three. An address already there (a retried
 * check) is left to finish its DAD, and the link is read on its own.
 */
async function startDad(target: KernelDadTarget, address: Address, optimistic: boolean): Promise<LinkInfo | undefined> {
  const add = addAddressCommand(target.ifname, address, target.prefixLength, { optimistic });
  const show = ["link", "show", "dev", target.ifname];
  try {
    const setup = target.setup?.take() ?? [];
    return parseLinkJson(
      await ipBatch(target.ns, [...setup, add, show], `start DAD for ${address} on ${target.ifname} in ${target.ns}`, {
        json: true,
      }),
    );
  } catch (e) {
    if (!(e instanceof NetlinkError && e.errno === "EEXIST")) throw e;
    return getLink(target.ns, target.ifname);
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
