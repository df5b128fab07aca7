// The allocator's configuration: what callers pass, its defaults, and the checks that reject
// what the allocator could not honour. Internal, apart from AllocatorConfig and the IDGEN
// constants, which alloc/index.ts exports.

import type { DadCheck } from "../dad/check.js";
import type { Prefix } from "../prefix.js";
import { type IidAlgorithm, rfc7217Algorithm } from "./algorithm.js";
import { AllocatorInputError } from "./errors.js";
import type { LeaseLifetime } from "./lease.js";
import { MemoryLeaseStore } from "./memory-store.js";
import type { LeaseStore } from "./store.js";

/** RFC 7217 §6 IDGEN_RETRIES: a host SHOULD try at least this many addresses. */
export const IDGEN_RETRIES = 3;
/** RFC 7217 §6 IDGEN_DELAY: the longest random wait before the next try, in milliseconds. */
export const IDGEN_DELAY_MS = 1000;
/** The highest DAD counter: the table keeps it in 8 bits, like the Linux kernel and systemd. */
export const MAX_DAD_COUNTER = 255;
const DEFAULT_CLAIM_TIMEOUT_MS = 60_000;
/** The default lifetime: leases and prefixes that never expire. */
export const FOREVER: LeaseLifetime = { preferredMs: Number.POSITIVE_INFINITY, validMs: Number.POSITIVE_INFINITY };

/**
 * What an {@link Allocator} is built from. Everything with an effect on the world is injected:
 * the clock, DAD, the waits between tries, the randomness of those waits, the store.
 *
 * @example
 * ```ts
 * const config: AllocatorConfig = {
 *   prefixes: [Prefix.parse("2001:db8:1::/64")],
 *   secret,                       // 16+ bytes from a CSPRNG: keys the rfc7217 algorithm
 *   dad: dadCheck,                // from the DAD driver, or the kernel adapter
 *   now: () => Date.now(),
 * };
 * ```
 */
export interface AllocatorConfig {
  /** The prefixes to hand out addresses in; new leases go to the first preferred one. */
  readonly prefixes: readonly Prefix[];
  /** Proves each candidate unique on the link. */
  readonly dad: DadCheck;
  /** The clock, in milliseconds. */
  readonly now: () => number;
  /** Keys the default `rfc7217` algorithm; leave it out only when another algorithm is the default. */
  readonly secret?: Uint8Array;
  /** More algorithms, chosen by name per allocation. */
  readonly algorithms?: readonly IidAlgorithm[];
  /** The default algorithm's name; `rfc7217` unless set. */
  readonly algorithm?: string;
  /** Where leases live; a fresh {@link MemoryLeaseStore} unless set. */
  readonly store?: LeaseStore;
  /** The default Network_ID; empty unless set. */
  readonly networkId?: string;
  /** The default lease lifetime; for ever unless set. */
  readonly lifetime?: LeaseLifetime;
  /** The cap on candidates per allocation (RFC 7217 §6 MUST cap); {@link IDGEN_RETRIES} to 256, default 3. */
  readonly maxTries?: number;
  /** The longest wait between tries, in ms; the wait is `random() * idgenDelayMs`. 0 (no wait) unless set; RFC 7217 suggests {@link IDGEN_DELAY_MS}. */
  readonly idgenDelayMs?: number;
  /** Waits `ms` on the caller's clock; required when `idgenDelayMs` is above 0. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), for the wait between tries; without it the wait is the whole `idgenDelayMs`. */
  readonly random?: () => number;
  /** What an inconclusive DAD does: `fail` (throw {@link AllocationInconclusiveError}, the default) or `retry` the same address as another try. */
  readonly inconclusive?: "fail" | "retry";
  /** How old a tentative claim (of a crashed or stuck allocation) must be before it can be taken over; default 60 s. Keep it above DAD's duration. */
  readonly claimTimeoutMs?: number;
}

/** The configuration with every default filled in. */
export interface Settings {
  readonly store: LeaseStore;
  readonly dad: DadCheck;
  readonly now: () => number;
  readonly sleep: ((ms: number) => Promise<void>) | undefined;
  readonly random: (() => number) | undefined;
  readonly algorithm: string;
  readonly networkId: string;
  readonly lifetime: LeaseLifetime;
  readonly maxTries: number;
  readonly idgenDelayMs: number;
  readonly inconclusive: "fail" | "retry";
  readonly claimTimeoutMs: number;
}

/** Checks `config` and fills in its defaults. */
export function settingsOf(config: AllocatorConfig): Settings {
  const maxTries = config.maxTries ?? IDGEN_RETRIES;
  if (!Number.isInteger(maxTries) || maxTries < IDGEN_RETRIES || maxTries > MAX_DAD_COUNTER + 1) {
    invalidConfig(`maxTries must be an integer from ${IDGEN_RETRIES} (RFC 7217 IDGEN_RETRIES) to 256`);
  }
  const idgenDelayMs = config.idgenDelayMs ?? 0;
  if (!(idgenDelayMs >= 0 && Number.isFinite(idgenDelayMs))) invalidConfig("idgenDelayMs must be 0 or more");
  if (idgenDelayMs > 0 && !config.sleep) invalidConfig("idgenDelayMs needs a sleep function (the core has no timers)");
  const claimTimeoutMs = config.claimTimeoutMs ?? DEFAULT_CLAIM_TIMEOUT_MS;
  if (!(claimTimeoutMs > 0)) invalidConfig("claimTimeoutMs must be above 0");
  const lifetime = config.lifetime ?? FOREVER;
  checkLifetime(lifetime);
  return {
    store: config.store ?? new MemoryLeaseStore(),
    dad: config.dad,
    now: config.now,
    sleep: config.sleep,
    random: config.random,
    algorithm: config.algorithm ?? "rfc7217",
    networkId: config.networkId ?? "",
    lifetime,
    maxTries,
    idgenDelayMs,
    inconclusive: config.inconclusive ?? "fail",
    claimTimeoutMs,
  };
}

/** The configured algorithms by name; the default one must be among them. */
export function algorithmsOf(config: AllocatorConfig): ReadonlyMap<string, IidAlgorithm> {
  const all = [...(config.secret ? [rfc7217Algorithm(config.secret)] : []), ...(config.algorithms ?? [])];
  const byName = new Map<string, IidAlgorithm>();
  for (const algorithm of all) {
    if (byName.has(algorithm.name)) invalidConfig(`two algorithms are named ${JSON.stringify(algorithm.name)}`);
    byName.set(algorithm.name, algorithm);
  }
  const fallback = config.algorithm ?? "rfc7217";
  if (!byName.has(fallback)) {
    invalidConfig(`the default algorithm ${JSON.stringify(fallback)} is not configured (rfc7217 needs a secret)`);
  }
  return byName;
}

function invalidConfig(message: string): never {
  throw new AllocatorInputError("ALLOC_CONFIG_INVALID", message);
}

// Lone surrogates would not survive UTF-8 (they become U+FFFD), so two owners could share a key.
const LONE_SURROGATE = /\p{Surrogate}/u;

export function checkOwner(owner: string): void {
  if (typeof owner !== "string" || owner === "" || LONE_SURROGATE.test(owner)) {
    throw new AllocatorInputError(
      "OWNER_INVALID",
      "an owner is a non-empty, well-formed string such as <container id>/eth0",
    );
  }
}

export function checkLifetime(lifetime: LeaseLifetime): void {
  const { preferredMs, validMs } = lifetime;
  if (!(preferredMs >= 0 && validMs >= 0 && preferredMs <= validMs)) {
    throw new AllocatorInputError("LIFETIME_INVALID", "lifetimes are 0 or more milliseconds, preferredMs <= validMs");
  }
}
