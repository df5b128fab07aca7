/**
 * The base class of every error own6 throws on purpose. Its `code` is stable across releases, so
 * callers (and the CNI and Docker adapters) can branch on it without parsing the message; the
 * message says what to do about the problem.
 *
 * @example
 * ```ts
 * try {
 *   Prefix.parse("ff02::/64").assertHostable();
 * } catch (e) {
 *   if (e instanceof Own6Error) console.error(`${e.code}: ${e.message}`);
 * }
 * ```
 */
export class Own6Error extends Error {
  /** Stable, machine-readable identifier of the failure, such as `PREFIX_MULTICAST`. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * Text that is not a valid IPv6 address (or, where accepted, an IPv6 address with a zone).
 *
 * @example
 * ```ts
 * Address.parse("2001:db8::g"); // throws AddressParseError, code ADDRESS_INVALID
 * ```
 */
export class AddressParseError extends Own6Error {
  /** The text that was rejected. */
  readonly input: string;

  constructor(input: string, reason: string) {
    super("ADDRESS_INVALID", `"${input}" is not a valid IPv6 address: ${reason}`);
    this.input = input;
  }
}

/**
 * Text that is not a valid IPv6 prefix in CIDR form.
 *
 * @example
 * ```ts
 * Prefix.parse("2001:db8::1/64"); // throws PrefixParseError, code PREFIX_INVALID (host bits set)
 * ```
 */
export class PrefixParseError extends Own6Error {
  /** The text that was rejected. */
  readonly input: string;

  constructor(input: string, reason: string) {
    super("PREFIX_INVALID", `"${input}" is not a valid IPv6 prefix: ${reason}`);
    this.input = input;
  }
}

/**
 * Why a prefix cannot host containers. Each reason is also the error's `code`.
 */
export type UnhostableReason =
  | "PREFIX_TOO_LONG"
  | "PREFIX_MULTICAST"
  | "PREFIX_LOOPBACK"
  | "PREFIX_UNSPECIFIED"
  | "PREFIX_IPV4_MAPPED"
  | "PREFIX_LINK_LOCAL"
  | "PREFIX_NOT_UNICAST";

/**
 * A well-formed prefix that cannot give containers addresses (multicast, loopback, longer than
 * /120, ...). The `code` names the reason.
 *
 * @example
 * ```ts
 * Prefix.parse("fe80::/64").assertHostable(); // throws, code PREFIX_LINK_LOCAL
 * ```
 */
export class PrefixUnhostableError extends Own6Error {
  /** The prefix in RFC 5952 CIDR form. */
  readonly prefix: string;

  constructor(prefix: string, reason: UnhostableReason, advice: string) {
    super(reason, `prefix ${prefix} cannot host containers: ${advice}`);
    this.prefix = prefix;
  }
}

/**
 * An interface-identifier algorithm was given input it cannot use: a secret of the wrong size,
 * a prefix longer than the algorithm supports, a malformed MAC address, and so on.
 *
 * @example
 * ```ts
 * linuxIid({ prefix: Prefix.parse("2001:db8::/80"), secret }); // throws, code IID_PREFIX_LENGTH
 * ```
 */
export class IidInputError extends Own6Error {}

/**
 * Every DAD counter an algorithm may use up to its retry cap produced a reserved interface
 * identifier (or, for EUI-64, the one possible identifier is reserved).
 *
 * @example
 * ```ts
 * eui64Iid({ prefix, mac: "00:00:5e:00:52:13" }); // throws IidExhaustedError (Proxy Mobile IPv6 IID)
 * ```
 */
export class IidExhaustedError extends Own6Error {
  constructor(message: string) {
    super("IID_EXHAUSTED", message);
  }
}
