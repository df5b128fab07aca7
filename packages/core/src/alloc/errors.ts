import { Own6Error } from "../errors.js";

/**
 * Why one candidate address was not used: its identifier is reserved (RFC 5453), another lease
 * already holds it, DAD found a duplicate, or DAD could not decide.
 */
export type TryOutcome = "reserved" | "in-use" | "duplicate" | "inconclusive";

/**
 * One candidate the allocator tried and gave up on, as listed by {@link DadRetriesExhaustedError}.
 *
 * @example
 * ```ts
 * for (const t of error.tries) console.log(t.dadCounter, t.address, t.outcome, t.detail);
 * ```
 */
export interface AllocationTry {
  /** The candidate address in RFC 5952 text; empty when the algorithm itself found only a reserved identifier. */
  readonly address: string;
  /** The DAD counter that produced it. */
  readonly dadCounter: number;
  /** Why it was not used. */
  readonly outcome: TryOutcome;
  /** DAD's evidence or reason, or the lease holder's owner; empty when there is nothing to add. */
  readonly detail: string;
}

/**
 * Every try allowed by the cap failed (RFC 7217 §6: "configuration fails"). The allocator never
 * falls back to another algorithm; raise `maxTries`, free addresses or pick another prefix.
 *
 * @example
 * ```ts
 * try {
 *   await allocator.allocate("ctr-1/eth0");
 * } catch (e) {
 *   if (e instanceof DadRetriesExhaustedError) console.error(e.code, e.tries.length); // DAD_RETRIES_EXHAUSTED 3
 * }
 * ```
 */
export class DadRetriesExhaustedError extends Own6Error {
  /** The owner that got no address. */
  readonly owner: string;
  /** The prefix it was asked in, in CIDR text. */
  readonly prefix: string;
  /** Each candidate tried, in order. */
  readonly tries: readonly AllocationTry[];

  constructor(owner: string, prefix: string, tries: readonly AllocationTry[]) {
    const summary = tries.map((t) => `${t.dadCounter}:${t.outcome}`).join(", ");
    super(
      "DAD_RETRIES_EXHAUSTED",
      `no address for ${JSON.stringify(owner)} in ${prefix} after ${tries.length} tries (${summary}); ` +
        "raise maxTries, release addresses or use another prefix",
    );
    this.owner = owner;
    this.prefix = prefix;
    this.tries = tries;
  }
}

/**
 * DAD could not prove the address unique (link down, probe error). An unproven address is never
 * handed out; by default the allocation fails with this error (see the `inconclusive` option).
 *
 * @example
 * ```ts
 * await allocator.allocate("ctr-1/eth0"); // throws AllocationInconclusiveError, code DAD_INCONCLUSIVE
 * ```
 */
export class AllocationInconclusiveError extends Own6Error {
  /** The address DAD could not decide on. */
  readonly address: string;

  constructor(address: string, reason: string) {
    super("DAD_INCONCLUSIVE", `DAD could not decide whether ${address} is unique (${reason}); fix the link and retry`);
    this.address = address;
  }
}

/**
 * A request or configuration the allocator cannot act on. The `code` says which:
 * `PREFIX_UNKNOWN`, `PREFIX_DEPRECATED`, `PREFIX_OVERLAP`, `PREFIX_NONE`, `OWNER_INVALID`,
 * `ALGORITHM_UNKNOWN`, `LIFETIME_INVALID`, `ALLOC_CONFIG_INVALID`.
 *
 * @example
 * ```ts
 * await allocator.allocate(""); // throws AllocatorInputError, code OWNER_INVALID
 * ```
 */
export class AllocatorInputError extends Own6Error {}

/**
 * The shared store changed under an allocation (another process allocated or released the same
 * owner, or took over a claim after `claimTimeoutMs`). Nothing was handed out; retry.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof LeaseConflictError) return allocator.allocate(owner); }
 * ```
 */
export class LeaseConflictError extends Own6Error {
  constructor(message: string) {
    super("LEASE_CONFLICT", message);
  }
}

/**
 * A {@link LeaseTable} limit was reached: prefix slots, tags, owner length or arena size.
 *
 * @example
 * ```ts
 * table.insert({ ...row, owner: "x".repeat(20_000) }); // throws, code LEASE_TABLE_LIMIT
 * ```
 */
export class LeaseTableLimitError extends Own6Error {
  constructor(message: string) {
    super("LEASE_TABLE_LIMIT", message);
  }
}
