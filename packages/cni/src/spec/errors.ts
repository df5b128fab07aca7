import { Own6Error } from "@own6/core";

/**
 * The error codes a plugin prints: the specification's (0-99) and own6's own (100 and up). The
 * own codes are stable across releases and documented in docs/cni.md.
 *
 * @example
 * ```ts
 * throw new CniError(CNI_CODES.invalidConfig, "ipam.prefix is missing");
 * ```
 */
export const CNI_CODES = {
  /** 1: the configuration's cniVersion is not one the plugin speaks. */
  incompatibleVersion: 1,
  /** 2: a field the plugin does not support; the message names it and its value. */
  unsupportedField: 2,
  /** 3: the container (attachment) is unknown. */
  unknownContainer: 3,
  /** 4: missing or invalid environment variables; the message names them. */
  invalidEnvironment: 4,
  /** 5: an I/O failure: the data directory, the store, the secret file. */
  io: 5,
  /** 6: stdin is not a JSON object. */
  decode: 6,
  /** 7: the network configuration is invalid. */
  invalidConfig: 7,
  /** 11: a transient failure; the runtime may retry. */
  tryAgainLater: 11,
  /** 50: STATUS: the plugin cannot serve ADD now. */
  notAvailable: 50,
  /** 51: STATUS: not available, and existing containers may have limited connectivity. */
  limitedConnectivity: 51,
  /** 100: every candidate address was a duplicate on the link, reserved or taken. */
  dadRetriesExhausted: 100,
  /** 101: the uplink has learned no usable prefix from Router Advertisements. */
  prefixNotLearned: 101,
  /** 102: CHECK: prevResult does not match the reservation. */
  reservationMismatch: 102,
  /** 103: CHECK: the attachment on the links (interface, address, route, proxy entry) is broken. */
  attachmentBroken: 103,
  /** 104: a link, address or route operation failed; what ADD created was rolled back. */
  linkFailed: 104,
  /** 999: an unexpected internal error (the Go library's catch-all code). */
  internal: 999,
} as const;

/**
 * A failure a CNI plugin reports as its one JSON error object: the CNI code (see
 * {@link CNI_CODES}), a message, and optional details. `code` (the {@link Own6Error} code) is
 * `CNI_<number>`.
 *
 * @example
 * ```ts
 * throw new CniError(CNI_CODES.invalidEnvironment, "required env variables [CNI_NETNS] missing");
 * ```
 */
export class CniError extends Own6Error {
  /** The number printed as the error object's `code`. */
  readonly cniCode: number;
  /** Printed as `details` when present. */
  readonly details: string | undefined;

  constructor(cniCode: number, message: string, details?: string) {
    super(`CNI_${cniCode}`, message);
    this.cniCode = cniCode;
    this.details = details;
  }
}

/**
 * The error object a plugin prints on stdout, as the specification shapes it.
 *
 * @example
 * ```ts
 * const out: CniErrorObject = { cniVersion: "1.0.0", code: 7, msg: "ipam.prefix is missing" };
 * ```
 */
export interface CniErrorObject {
  readonly cniVersion: string;
  readonly code: number;
  readonly msg: string;
  readonly details?: string;
}

/**
 * The printable error object of `error` in the request's `cniVersion`.
 *
 * @example
 * ```ts
 * errorObject(new CniError(6, "bad JSON"), "1.0.0"); // { cniVersion: "1.0.0", code: 6, msg: "bad JSON" }
 * ```
 */
export function errorObject(error: CniError, cniVersion: string): CniErrorObject {
  return {
    cniVersion,
    code: error.cniCode,
    msg: error.message,
    ...(error.details !== undefined && { details: error.details }),
  };
}
