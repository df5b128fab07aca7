import { Own6Error } from "@own6/core";

/**
 * Why the plugin refused a request; each is also the error's `code`. The client-side ones
 * (everything but `UNKNOWN_METHOD`, which is a 404 so Docker can tell "not implemented") are
 * answered with HTTP 400.
 *
 * @example
 * ```ts
 * const code: PluginErrorCode = "UNKNOWN_POOL";
 * ```
 */
export type PluginErrorCode =
  | "BAD_REQUEST"
  | "BODY_TOO_LARGE"
  | "UNKNOWN_METHOD"
  | "UNKNOWN_POOL"
  | "UNKNOWN_NETWORK"
  | "UNKNOWN_ENDPOINT"
  | "OPTION_INVALID"
  | "IPV4_UNSUPPORTED"
  | "PARENT_REQUIRED"
  | "PARENT_UNKNOWN"
  | "ADDRESS_IN_USE"
  | "ADDRESS_FOREIGN";

const STATUS: Partial<Record<PluginErrorCode, number>> = { BODY_TOO_LARGE: 413, UNKNOWN_METHOD: 404 };

/**
 * A request the plugin will not serve, with a message that tells the Docker user what to do.
 *
 * @example
 * ```ts
 * throw new PluginError("UNKNOWN_POOL", `no pool ${poolId}; recreate the network`);
 * ```
 */
export class PluginError extends Own6Error {
  /** The HTTP status the reply carries. */
  readonly status: number;

  constructor(code: PluginErrorCode, message: string) {
    super(code, message);
    this.status = STATUS[code] ?? 400;
  }
}

/**
 * The body of every error reply. Docker's network driver structs read `Err`, its IPAM structs
 * read `Error` (docker.md A3), so both carry the message and one shape serves both drivers.
 *
 * @example
 * ```ts
 * const body: ErrorBody = { Err: "no pool p1", Error: "no pool p1" };
 * ```
 */
export interface ErrorBody {
  readonly Err: string;
  readonly Error: string;
}

/**
 * The HTTP status and body for anything a handler threw: a {@link PluginError} keeps its status,
 * another own6 error (DAD, netlink, allocator) is a 500 naming its code, anything else a 500.
 *
 * @example
 * ```ts
 * replyOf(new PluginError("UNKNOWN_POOL", "no pool p1")); // { status: 400, body: { Err: "no pool p1", Error: "no pool p1" } }
 * ```
 */
export function replyOf(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof PluginError) return { status: error.status, body: errorBody(error.message) };
  if (error instanceof Own6Error) return { status: 500, body: errorBody(`${error.message} [${error.code}]`) };
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, body: errorBody(`internal error: ${message}`) };
}

function errorBody(message: string): ErrorBody {
  return { Err: message, Error: message };
}
