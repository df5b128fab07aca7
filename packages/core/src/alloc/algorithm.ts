import { type RandomBytes, randomIid } from "../iid/random.js";
import type { IidResult } from "../iid/result.js";
import { createRfc7217 } from "../iid/rfc7217.js";
import type { Prefix } from "../prefix.js";

/**
 * What the allocator asks an identifier algorithm for: the identifier of `owner` in `prefix` at
 * DAD counter `dadCounter`. The allocator asks for one counter at a time (`maxDadCounter` equals
 * `dadCounter`), so that every candidate, reserved ones included, counts as one try.
 *
 * @example
 * ```ts
 * algorithm.derive({ prefix, owner: "ctr-1/eth0", networkId: "", dadCounter: 0, maxDadCounter: 0 });
 * ```
 */
export interface IidRequest {
  readonly prefix: Prefix;
  /** The owner: RFC 7217's Net_Iface. */
  readonly owner: string;
  /** RFC 7217's Network_ID; empty when unused. */
  readonly networkId: string;
  /** The DAD counter to derive with. */
  readonly dadCounter: number;
  /** The highest counter the algorithm may move on to when an identifier is reserved. */
  readonly maxDadCounter: number;
}

/**
 * An interface-identifier algorithm the allocator can use. `name` is stored with each lease, so
 * a lease can be re-derived (after renumbering) with the algorithm that made it.
 *
 * @example
 * ```ts
 * const fixed: IidAlgorithm = { name: "fixed", derive: (r) => ({ iid, dadCounter: r.dadCounter, address: r.prefix.withIid(iid) }) };
 * ```
 */
export interface IidAlgorithm {
  /** A stable name, such as `rfc7217`. */
  readonly name: string;
  /**
   * The identifier for the request. Throws {@link IidExhaustedError} when every counter up to
   * `maxDadCounter` gives a reserved identifier.
   */
  derive(request: IidRequest): IidResult;
}

/**
 * own6's RFC 7217 generator as an allocator algorithm, named `rfc7217`. The owner is Net_Iface
 * and the generator's `ifname` is empty, so the first candidate for an owner is
 * `rfc7217Iid({ prefix, secret, owner, ifname: "", networkId })`.
 *
 * @throws {@link IidInputError} for a secret under 128 bits.
 * @example
 * ```ts
 * const algorithm = rfc7217Algorithm(secret);
 * algorithm.derive({ prefix, owner: "ctr-1/eth0", networkId: "", dadCounter: 0, maxDadCounter: 0 }).address;
 * ```
 */
export function rfc7217Algorithm(secret: Uint8Array): IidAlgorithm {
  const generate = createRfc7217(secret);
  return {
    name: "rfc7217",
    derive: (r) => generate({ ...r, ...netIface(r.owner) }),
  };
}

/**
 * Random identifiers (RFC 8981 style) as an allocator algorithm, named `random`: each counter is
 * a fresh draw, so nothing is deterministic and nothing leaks the owner.
 *
 * @example
 * ```ts
 * const algorithm = randomAlgorithm((n) => crypto.getRandomValues(new Uint8Array(n)));
 * ```
 */
export function randomAlgorithm(random: RandomBytes): IidAlgorithm {
  return {
    name: "random",
    derive: (r) => {
      const result = randomIid({ prefix: r.prefix, random, maxDraws: r.maxDadCounter - r.dadCounter + 1 });
      return { ...result, dadCounter: r.dadCounter + result.dadCounter };
    },
  };
}

/**
 * RFC 7217's Net_Iface from an allocator owner: adapters name owners `<container id>/<ifname>`
 * (neither part can hold a `/`), which maps to the generator's `owner` and `ifname`, so that
 * `own6 iid --owner <id> --ifname <ifname>` predicts the allocator's address. An owner without a
 * `/` is all `owner`, with an empty `ifname`.
 */
function netIface(owner: string): { owner: string; ifname: string } {
  const slash = owner.lastIndexOf("/");
  return slash < 0 ? { owner, ifname: "" } : { owner: owner.slice(0, slash), ifname: owner.slice(slash + 1) };
}
