import type { AddressRecord } from "@own6/core";
import { CNI_CODES, CniError } from "../spec/errors.js";
import { toCniError } from "./failure.js";
import type { Logger } from "./log.js";

/**
 * Logs what a GC released and fails it with one I/O error naming every attachment it could not
 * release: GC must keep going past a failure (CNI 1.1.0) yet still say that one happened.
 *
 * @example
 * ```ts
 * const { released, failed } = await reservations.collect(valid);
 * reportCollected(log, released, failed);
 * ```
 */
export function reportCollected(
  log: Logger,
  released: readonly AddressRecord[],
  failed: readonly [string, unknown][],
): void {
  log.info("garbage collected", { released: released.map((r) => `${r.owner} ${r.address}`) });
  if (failed.length === 0) return;
  const details = failed.map(([owner, e]) => `${owner}: ${toCniError(e).message}`).join("; ");
  throw new CniError(CNI_CODES.io, `GC could not release ${failed.length} attachment(s)`, details);
}
