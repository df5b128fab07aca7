import type { Address } from "../address.js";

/**
 * How Duplicate Address Detection ended for one address.
 *
 * - `unique`: no other node claimed it; the address may be used.
 * - `duplicate`: another node holds it (an NA, or a foreign DAD NS); never use it, derive a new one.
 * - `inconclusive`: DAD could not run (link down, probe error, stopped); the address is not proven.
 *
 * @example
 * ```ts
 * const outcome = await check(address);
 * if (outcome.status === "duplicate") retryWithNextDadCounter();
 * ```
 */
export type DadOutcome =
  | { readonly status: "unique" }
  | { readonly status: "duplicate"; readonly evidence: string }
  | { readonly status: "inconclusive"; readonly reason: string };

/**
 * Who a DAD check is for: the owner (container and interface) the candidate would be leased to.
 * A check whose probe runs on the owner's own link (a macvlan in the container's namespace) needs
 * it to find that link; one probing from a shared link ignores it.
 *
 * @example
 * ```ts
 * const check: DadCheck = (address, { owner }) => checkOnLinkOf(owner, address);
 * ```
 */
export interface DadContext {
  readonly owner: string;
}

/**
 * The one thing an allocator needs from DAD: prove an address unique on the link, or not. The DAD
 * driver builds one of these from a probe, a clock and randomness; the kernel adapter builds one
 * that reads the kernel's verdict. The allocator always passes the context; other callers may
 * leave it out.
 *
 * @example
 * ```ts
 * const check: DadCheck = async () => ({ status: "unique" }); // no DAD (DupAddrDetectTransmits = 0)
 * ```
 */
export type DadCheck = (address: Address, context?: DadContext) => Promise<DadOutcome>;
