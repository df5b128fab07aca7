import { utf8ToBytes } from "@noble/hashes/utils.js";
import { IidInputError } from "../errors.js";
import { type Prefix, prefixBytes } from "../prefix.js";
import { hmacSha256Tail, sha256PaddedLength } from "./hmac-sha256.js";
import { checkDadCounter, firstUsable, type IidResult, isReservedInPrefix } from "./result.js";

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
  const out = new Uint8Array(messageCapacity(input));
  return out.slice(0, encodeMessage(out, input, dadCounter));
}

/**
 * Room for the message of `input` and SHA-256's padding: a UTF-16 code unit takes at most three
 * UTF-8 bytes, and the fixed fields (network, length, three field lengths, counter) take 27.
 */
function messageCapacity(input: Rfc7217Input): number {
  const units = input.owner.length + input.ifname.length + (input.networkId ?? "").length;
  return sha256PaddedLength(27 + 3 * units);
}

/** Writes the message into `out`, which has {@link messageCapacity} bytes, and returns its length. */
function encodeMessage(out: Uint8Array, input: Rfc7217Input, dadCounter: number): number {
  const network = prefixBytes(input.prefix);
  // Sixteen copies in a loop cost less than a call into the native TypedArray.prototype.set.
  for (let i = 0; i < 16; i++) out[i] = network[i] ?? 0;
  out[16] = input.prefix.bits;
  let at = writeField(out, 17, input.owner);
  at = writeField(out, at, input.ifname);
  at = writeField(out, at, input.networkId ?? "");
  setCounter(out, at, dadCounter);
  return at + 4;
}

/**
 * Writes `lp(s)` at `at` and returns where it ends. Container IDs and interface names are ASCII,
 * and copying ASCII code units straight into the message is several times faster than encoding
 * them into a new array first; anything else goes through the library encoder.
 */
function writeField(out: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return writeBytes(out, at, utf8ToBytes(s));
    out[at + 2 + i] = c;
  }
  return writeLength(out, at, s.length);
}

function writeBytes(out: Uint8Array, at: number, bytes: Uint8Array): number {
  out.set(bytes, at + 2);
  return writeLength(out, at, bytes.length);
}

/** Writes the u16 length of a field of `length` bytes at `at` and returns where the field ends. */
function writeLength(out: Uint8Array, at: number, length: number): number {
  if (length > 0xffff) {
    throw new IidInputError("IID_INPUT_TOO_LONG", "owner, ifname and networkId must each be under 64 KiB");
  }
  out[at] = length >> 8;
  out[at + 1] = length & 0xff;
  return at + 2 + length;
}

/** Writes the DAD counter at `at`, big-endian. */
function setCounter(message: Uint8Array, at: number, dadCounter: number): void {
  message[at] = dadCounter >>> 24;
  message[at + 1] = (dadCounter >>> 16) & 0xff;
  message[at + 2] = (dadCounter >>> 8) & 0xff;
  message[at + 3] = dadCounter & 0xff;
}

interface MessageBuffer {
  readonly bytes: Uint8Array;
  readonly view: DataView;
}

/**
 * One message buffer per generator, grown when an input needs more room, so that identifiers
 * are derived without allocating a message each.
 */
function messageBuffer(): (capacity: number) => MessageBuffer {
  let buffer = wrap(new Uint8Array(512));
  return (capacity) => {
    if (capacity > buffer.bytes.length) buffer = wrap(new Uint8Array(capacity));
    return buffer;
  };
}

function wrap(bytes: Uint8Array): MessageBuffer {
  return { bytes, view: new DataView(bytes.buffer) };
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
  const mac = hmacSha256Tail(secret);
  const fit = messageBuffer();
  // The message being derived from, shared with `derive` so that no closure is made per call.
  let message = fit(0);
  let length = 0;
  const derive = (dadCounter: number) => {
    setCounter(message.bytes, length - 4, dadCounter);
    return mac(message.view, length);
  };
  return (input) => {
    const first = checkDadCounter(input.dadCounter ?? 0, 0xffffffff);
    const last = checkDadCounter(input.maxDadCounter ?? RFC7217_MAX_DAD_COUNTER, 0xffffffff);
    message = fit(messageCapacity(input));
    length = encodeMessage(message.bytes, input, first);
    return firstUsable(input.prefix, first, last, derive, isReservedInPrefix, "rfc7217");
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
