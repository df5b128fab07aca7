import { Address, type AddressRecord } from "@own6/core";
import { CNI_CODES, CniError } from "../spec/errors.js";
import { resultAddresses } from "../spec/result.js";

/**
 * CHECK's bookkeeping half: `owner` must hold a bound lease, and when the runtime sent the ADD
 * result as `prevResult`, it must list exactly the owner's leased addresses. Returns the leases.
 *
 * @throws {@link CniError} code 3 (no reservation), 102 (prevResult and store disagree).
 * @example
 * ```ts
 * const leases = verifyReservation(await reservations.records(owner), conf.raw.prevResult, owner);
 * ```
 */
export function verifyReservation(
  records: readonly AddressRecord[],
  prevResult: unknown,
  owner: string,
): AddressRecord[] {
  const bound = records.filter((r) => r.owner === owner && r.state === "bound");
  if (bound.length === 0) throw new CniError(CNI_CODES.unknownContainer, `no reservation for ${owner}`);
  if (prevResult === undefined) return bound;
  const listed = resultAddresses(prevResult).map(addressOfCidr);
  const leased = bound.map((r) => Address.parse(r.address));
  const missing = leased.filter((a) => !listed.some((l) => l?.equals(a)));
  const extra = listed.filter((l) => !l || !leased.some((a) => a.equals(l)));
  if (missing.length > 0 || extra.length > 0) {
    throw new CniError(
      CNI_CODES.reservationMismatch,
      `prevResult does not match the reservation of ${owner}`,
      `reserved ${leased.join(", ")}; prevResult lists ${resultAddresses(prevResult).join(", ") || "nothing"}`,
    );
  }
  return bound;
}

function addressOfCidr(cidr: string): Address | undefined {
  try {
    return Address.parse(cidr.split("/")[0] ?? "");
  } catch {
    return undefined;
  }
}
