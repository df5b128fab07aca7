import { Address, type IidAlgorithm, IidExhaustedError, IidInputError } from "@own6/core";
import { requestedAddressOf } from "./owners.js";

/**
 * The name of {@link requestedAlgorithm}, stored with the leases it makes.
 *
 * @example
 * ```ts
 * lease.algorithm === REQUESTED_ALGORITHM; // a --ip6 lease
 * ```
 */
export const REQUESTED_ALGORITHM = "requested";

/**
 * An identifier algorithm that gives an owner made by `requestedOwner` exactly the address it
 * names (`docker run --ip6`), still proven by DAD. There is no second candidate: a duplicate
 * ends the allocation instead of moving to another address.
 *
 * @example
 * ```ts
 * const allocator = await Allocator.open({ ..., algorithms: [requestedAlgorithm] });
 * await allocator.allocate(requestedOwner(address), { algorithm: REQUESTED_ALGORITHM });
 * ```
 */
export const requestedAlgorithm: IidAlgorithm = {
  name: REQUESTED_ALGORITHM,
  derive(request) {
    if (request.dadCounter > 0) {
      throw new IidExhaustedError(`${request.owner} asked for one address; there is no other candidate`);
    }
    const text = requestedAddressOf(request.owner);
    const address = text === undefined ? undefined : Address.parse(text);
    if (!address || !request.prefix.contains(address)) {
      throw new IidInputError("IID_OWNER_INVALID", `${request.owner} does not name an address in ${request.prefix}`);
    }
    return { iid: request.prefix.iidOf(address), dadCounter: 0, address };
  },
};
