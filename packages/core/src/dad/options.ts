import { DadOptionsError } from "./errors.js";

/**
 * RFC 4861 §10 MAX_MULTICAST_SOLICIT: how many more NS(DAD) RFC 7527 §4.1 sends after a probe
 * looped back.
 *
 * @example
 * ```ts
 * MAX_MULTICAST_SOLICIT; // 3
 * ```
 */
export const MAX_MULTICAST_SOLICIT = 3;

/**
 * Size of the nonce in an enhanced-DAD probe: RFC 7527 asks for at least 6 bytes, and Linux sends
 * exactly 6 (a Nonce option of length 1).
 *
 * @example
 * ```ts
 * DAD_NONCE_BYTES; // 6
 * ```
 */
export const DAD_NONCE_BYTES = 6;

/**
 * Whose reading of the DAD rules the machine follows.
 *
 * - `rfc`: RFC 4862 §5.4, with RFC 4429 when optimistic and RFC 7527 when enhanced: a fresh nonce
 *   per probe, loopback re-probing, and (when not enhanced) counting received NS against sent ones.
 * - `linux`: what Linux 6.x does (`addrconf.c`, `ndisc.c`): one nonce per DAD run, any NS(DAD)
 *   without our nonce fails DAD, no loopback re-probing, and no random delay when optimistic.
 *
 * @example
 * ```ts
 * const profile: DadProfile = "linux";
 * ```
 */
export type DadProfile = "rfc" | "linux";

/**
 * How the machine learns the verdict.
 *
 * - `probe`: it sends NS(DAD) itself and judges what it hears (a simulated link, raw packets).
 * - `verdict`: something else runs DAD (the kernel) and reports only the result, as a `verdict`
 *   event; the machine sends nothing and gives up after `verdictTimeoutMs`.
 *
 * @example
 * ```ts
 * const mode: DadMode = "verdict"; // a kernel-backed probe
 * ```
 */
export type DadMode = "probe" | "verdict";

/**
 * DAD settings for one address. Every field is optional; {@link resolveDadOptions} fills in the
 * defaults of the chosen profile.
 *
 * @example
 * ```ts
 * const fast: DadOptions = { retransTimerMs: 100, maxDelayMs: 0, enhanced: true };
 * ```
 */
export interface DadOptions {
  /** Whose rules to follow; default `rfc`. */
  readonly profile?: DadProfile;
  /** DupAddrDetectTransmits: NS(DAD) to send; 0 skips DAD, so the address is unique at once. Default 1. */
  readonly dadTransmits?: number;
  /** RetransTimer: the gap between probes and the wait after the last one, in ms. Default 1000. */
  readonly retransTimerMs?: number;
  /**
   * The random delay before the first probe is drawn from [0, maxDelayMs] (`rfc`) or
   * [0, maxDelayMs) (`linux`, like `rand % delay`). Default 1000 (MAX_RTR_SOLICITATION_DELAY),
   * but 0 when optimistic, as RFC 4429 §3 asks; `linux` always uses 0 when optimistic.
   */
  readonly maxDelayMs?: number;
  /** RFC 4429 optimistic DAD: the address is usable while DAD runs. Default false. */
  readonly optimistic?: boolean;
  /** RFC 7527 enhanced DAD: probes carry a nonce. Default false for `rfc`, true for `linux`. */
  readonly enhanced?: boolean;
  /**
   * For `rfc` without `enhanced`: how many copies of each NS(DAD) we send the link is expected to
   * hand back to us (0 on an ordinary link, 1 on a link that reflects multicast). Hearing more
   * NS(DAD) than `sent × loopbackCopies` is a duplicate (RFC 4862 §5.4.3). Default 0.
   */
  readonly loopbackCopies?: number;
  /** How long after `start` the address stays preferred, in ms; default the valid lifetime. */
  readonly preferredLifetimeMs?: number;
  /** How long after `start` the address stays valid, in ms; default Infinity. */
  readonly validLifetimeMs?: number;
  /** Whether the machine probes itself or waits for a verdict; default `probe`. */
  readonly mode?: DadMode;
  /**
   * In `verdict` mode, how long to wait for the verdict before reporting inconclusive. Default:
   * the longest DAD the other options allow, plus one RetransTimer of slack.
   */
  readonly verdictTimeoutMs?: number;
}

/**
 * {@link DadOptions} with every default filled in and checked.
 *
 * @example
 * ```ts
 * resolveDadOptions().retransTimerMs; // 1000
 * ```
 */
export type ResolvedDadOptions = { readonly [K in keyof DadOptions]-?: Exclude<DadOptions[K], undefined> };

/**
 * The settings of a Linux interface with default sysctls (dad_transmits 1, retrans_time_ms 1000,
 * router_solicitation_delay 1, enhanced_dad 1), as {@link DadOptions}.
 *
 * @example
 * ```ts
 * resolveDadOptions({ ...LINUX_DAD_OPTIONS, retransTimerMs: 100 });
 * ```
 */
export const LINUX_DAD_OPTIONS: DadOptions = Object.freeze({ profile: "linux", enhanced: true });

/**
 * Fills in the defaults of `options` and checks every value.
 *
 * @throws {@link DadOptionsError} for a value no interface could have.
 * @example
 * ```ts
 * resolveDadOptions({ optimistic: true }).maxDelayMs; // 0
 * ```
 */
export function resolveDadOptions(options: DadOptions = {}): ResolvedDadOptions {
  const profile = options.profile ?? "rfc";
  if (profile !== "rfc" && profile !== "linux") throw new DadOptionsError("profile", "must be rfc or linux");
  const mode = options.mode ?? "probe";
  if (mode !== "probe" && mode !== "verdict") throw new DadOptionsError("mode", "must be probe or verdict");
  const optimistic = options.optimistic ?? false;
  const dadTransmits = count("dadTransmits", options.dadTransmits ?? 1, 0);
  const retransTimerMs = count("retransTimerMs", options.retransTimerMs ?? 1000, 1);
  const delay = count("maxDelayMs", options.maxDelayMs ?? (optimistic ? 0 : 1000), 0);
  const maxDelayMs = profile === "linux" && optimistic ? 0 : delay;
  const { preferredLifetimeMs, validLifetimeMs } = lifetimes(options);
  const longest = maxDelayMs + (dadTransmits + MAX_MULTICAST_SOLICIT + 1) * retransTimerMs;
  return {
    profile,
    mode,
    optimistic,
    dadTransmits,
    retransTimerMs,
    maxDelayMs,
    enhanced: options.enhanced ?? profile === "linux",
    loopbackCopies: count("loopbackCopies", options.loopbackCopies ?? 0, 0),
    preferredLifetimeMs,
    validLifetimeMs,
    verdictTimeoutMs: count("verdictTimeoutMs", options.verdictTimeoutMs ?? longest, 1),
  };
}

function count(option: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new DadOptionsError(option, `must be an integer of at least ${min}, got ${value}`);
  }
  return value;
}

function lifetimes(options: DadOptions): { preferredLifetimeMs: number; validLifetimeMs: number } {
  const validLifetimeMs = lifetime("validLifetimeMs", options.validLifetimeMs, 1);
  const preferredLifetimeMs = lifetime("preferredLifetimeMs", options.preferredLifetimeMs ?? validLifetimeMs, 0);
  if (preferredLifetimeMs > validLifetimeMs) {
    // RFC 4862 §5.5.3 (c) ignores such a prefix; here it can only be a caller's mistake.
    throw new DadOptionsError("preferredLifetimeMs", "must not exceed validLifetimeMs");
  }
  return { preferredLifetimeMs, validLifetimeMs };
}

function lifetime(option: string, value: number | undefined, min: number): number {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  return count(option, value, min);
}
