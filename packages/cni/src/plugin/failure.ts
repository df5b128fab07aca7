import { DadRetriesExhaustedError } from "@own6/core";
import { CNI_CODES, CniError } from "../spec/errors.js";

/** own6 error codes (Own6Error.code) and the CNI code each becomes. */
const BY_OWN6_CODE: Readonly<Record<string, number>> = {
  DAD_RETRIES_EXHAUSTED: CNI_CODES.dadRetriesExhausted,
  DAD_INCONCLUSIVE: CNI_CODES.tryAgainLater,
  LEASE_CONFLICT: CNI_CODES.tryAgainLater,
  PREFIX_NOT_LEARNED: CNI_CODES.prefixNotLearned,
  SECRET_FILE_INVALID: CNI_CODES.io,
  NETLINK_FAILED: CNI_CODES.linkFailed,
  NAME_INVALID: CNI_CODES.invalidConfig,
  ADDRESS_INVALID: CNI_CODES.invalidConfig,
  PREFIX_INVALID: CNI_CODES.invalidConfig,
  PREFIX_OVERLAP: CNI_CODES.invalidConfig,
  ALLOC_CONFIG_INVALID: CNI_CODES.invalidConfig,
  ETCD_CONFIG_INVALID: CNI_CODES.invalidConfig,
  ETCD_UNAVAILABLE: CNI_CODES.tryAgainLater,
  ETCD_REQUEST_REFUSED: CNI_CODES.io,
  ETCD_RECORD_INVALID: CNI_CODES.io,
};

/**
 * The CNI error a failure is reported as: a {@link CniError} stays as it is; own6's typed errors
 * map by their stable code (DAD retries exhausted is 100, an inconclusive DAD or a lost
 * compare-and-set is 11 "try again", a netlink failure 104, an unhostable prefix 7); a busy
 * SQLite database is 11 and other storage or file-system failures 5; a missing build 50; anything
 * else 999.
 *
 * @example
 * ```ts
 * toCniError(new DadRetriesExhaustedError("c1/eth0", "2001:db8::/64", [])).cniCode; // 100
 * ```
 */
export function toCniError(error: unknown): CniError {
  if (error instanceof CniError) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof DadRetriesExhaustedError) {
    const tries = error.tries.map((t) => `${t.dadCounter}:${t.address || "-"}:${t.outcome}`).join(", ");
    return new CniError(CNI_CODES.dadRetriesExhausted, message, tries);
  }
  if (typeof code !== "string") return new CniError(CNI_CODES.internal, `internal error: ${message}`);
  const mapped = BY_OWN6_CODE[code] ?? (code.startsWith("PREFIX_") || code.startsWith("IID_") ? 7 : undefined);
  if (mapped !== undefined) return new CniError(mapped, message);
  if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
    return new CniError(CNI_CODES.tryAgainLater, `the lease store is busy: ${message}`);
  }
  if (code.startsWith("SQLITE_")) return new CniError(CNI_CODES.io, `the lease store failed: ${message}`);
  if (code === "ERR_MODULE_NOT_FOUND") {
    return new CniError(CNI_CODES.notAvailable, `own6 is not built (${message}); run pnpm install && pnpm build`);
  }
  if (/^E[A-Z]+$/.test(code)) return new CniError(CNI_CODES.io, message);
  return new CniError(CNI_CODES.internal, `internal error: ${message}`);
}
