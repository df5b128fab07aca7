import { IidInputError } from "../errors.js";
import type { Prefix } from "../prefix.js";
import { hmacSha256Words } from "./hmac-sha256.js";
import { checkDadCounter, exhausted, type IidResult, usableIid } from "./result.js";
import { encodeMessage, messageBytes, messageWords, setCounter } from "./rfc7217-message.js";

/** The highest DAD counter own6's RFC 7217 generator tries by default (RFC 7217 §6 asks for a cap). */
export const RFC7217_MAX_DAD_COUNTER = 255;

/** Input to own6's RFC 7217 generator, apart from the secret. */
export interface Rfc7217Input {
  /** The prefix the address is made in; its network address and length both enter F. */
  readonly prefix: Prefix;
  /** The container's stable identity: a container ID, a pod UID, a lease owner. */
  readonly owner: string;
  /** The interface name inside the container (`eth0`). Together with `owner` this is Net_Iface. */
  readonly ifname: string;
  /** RFC 7217's optional Network_ID: here, the name of the own6 network. Empty by default. */
  readonly networkId?: string;
  /** The first DAD counter to try (0 for a new address; +1 after each DAD conflict). */
  readonly dadCounter?: number;
  /** The highest DAD counter to try before giving up; default {@link RFC7217_MAX_DAD_COUNTER}. */
  readonly maxDadCounter?: number;
}

/** A generator keyed with one secret; see {@link createRfc7217}. */
export type Rfc7217Generator = (input: Rfc7217Input) => IidResult;

/**
 * The exact message own6 feeds to HMAC-SHA-256 (docs/iid-encoding.md):
 * `network(16) ‖ length(1) ‖ lp(owner) ‖ lp(ifname) ‖ lp(networkId) ‖ dadCounter(u32 BE)`, where
 * `lp(s)` is the UTF-8 bytes of `s` after their length as a big-endian u16. The lengths make the
 * encoding injective: ("ab", "c") and ("a", "bc") cannot collide.
 *
 * @throws {@link IidInputError} (code `IID_INPUT_TOO_LONG`) when a field's UTF-8 is 64 KiB or more.
 * @example
 * ```ts
 * rfc7217Message({ prefix: Prefix.parse("2001:db8::/64"), owner: "c1", ifname: "eth0" }, 0).length; // 35
 * ```
 */
export function rfc7217Message(input: Rfc7217Input, dadCounter: number): Uint8Array {
  const words = new Int32Array(messageWords(input));
  const length = encodeMessage(words, input);
  setCounter(words, length - 4, dadCounter);
  return messageBytes(words, length);
}

/**
 * One message buffer per generator, grown when an input needs more room, so that identifiers
 * are derived without allocating a message each.
 */
function messageBuffer(): (capacity: number) => Int32Array {
  let buffer = new Int32Array(128);
  return (capacity) => {
    if (capacity > buffer.length) buffer = new Int32Array(capacity);
    return buffer;
  };
}

/**
 * Keys own6's RFC 7217 generator with `secret` (at least 16 bytes, from a CSPRNG) and returns it.
 * The keyed HMAC state is computed once here, so each identifier costs only the message's
 * compressions; reuse the generator for many containers.
 *
 * F = HMAC-SHA-256(secret, {@link rfc7217Message}); the identifier is the low `prefix.hostBits`
 * bits of F (its last bytes), and reserved identifiers are skipped by moving to the next DAD
 * counter, as RFC 7217 §5 and §6 describe.
 *
 * @throws {@link IidInputError} (code `SECRET_TOO_SHORT`) for a secret under 128 bits.
 * @example
 * ```ts
 * const generate = createRfc7217(secret);
 * const a = generate({ prefix: Prefix.parse("2001:db8::/64"), owner: "web-1", ifname: "eth0" });
 * a.address.toString(); // the same every time for this secret, prefix, owner and ifname
 * ```
 */
export function createRfc7217(secret: Uint8Array): Rfc7217Generator {
  if (secret.length < 16) {
    throw new IidInputError(
      "SECRET_TOO_SHORT",
      "the RFC 7217 secret must be at least 16 bytes (128 bits) from a CSPRNG",
    );
  }
  const mac = hmacSha256Words(secret);
  const fit = messageBuffer();
  return (input) => {
    const first = checkDadCounter(input.dadCounter ?? 0, 0xffffffff);
    const last = checkDadCounter(input.maxDadCounter ?? RFC7217_MAX_DAD_COUNTER, 0xffffffff);
    const message = fit(messageWords(input));
    const length = encodeMessage(message, input);
    for (let dadCounter = first; dadCounter <= last; dadCounter++) {
      setCounter(message, length - 4, dadCounter);
      const digest = mac(message, length);
      // The identifier is the digest's last 8 bytes, its last two words.
      const result = usableIid(input.prefix, digest[6] ?? 0, digest[7] ?? 0, dadCounter);
      if (result) return result;
    }
    throw exhausted("rfc7217", input.prefix, first, last);
  };
}

/**
 * own6's default identifier in one call: {@link createRfc7217} keyed with `input.secret`. For
 * many containers, key a generator once instead.
 *
 * @example
 * ```ts
 * rfc7217Iid({ prefix, secret, owner: "web-1", ifname: "eth0", networkId: "prod" }).address;
 * ```
 */
export function rfc7217Iid(input: Rfc7217Input & { readonly secret: Uint8Array }): IidResult {
  return createRfc7217(input.secret)(input);
}
