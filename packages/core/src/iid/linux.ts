import { _SHA1 } from "@noble/hashes/legacy.js";
import { IidInputError } from "../errors.js";
import { type Prefix, prefixBytes } from "../prefix.js";
import { isLinuxReservedIid } from "./reserved.js";
import { checkDadCounter, firstUsable, type IidResult, requireUpTo64 } from "./result.js";

/** The kernel's default `net.ipv6.idgen_retries`: the highest DAD counter it tries. */
export const LINUX_IDGEN_RETRIES = 3;

/** Input to {@link linuxIid}. */
export interface LinuxIidInput {
  /** The advertised prefix; its first 8 bytes enter the hash. */
  readonly prefix: Prefix;
  /** The 16-byte `stable_secret` (see {@link parseSecret} for its IPv6-text form). */
  readonly secret: Uint8Array;
  /**
   * The device's permanent hardware address (`dev->perm_addr`), at most 32 bytes. Leave it out
   * for devices without one, such as veth and macvlan: then the MAC does not matter.
   */
  readonly hwaddr?: Uint8Array;
  /** The first DAD counter to try; 0 for a new address. */
  readonly dadCounter?: number;
  /** `net.ipv6.idgen_retries`: the highest DAD counter; default {@link LINUX_IDGEN_RETRIES}. */
  readonly idgenRetries?: number;
}

// The kernel runs one SHA-1 compression and reads the raw state, skipping padding and
// finalisation. No library offers that as an API, but noble's SHA-1 class has the compression
// as a protected method, so a subclass reaches it without a hand-written SHA-1.
class RawSha1 extends _SHA1 {
  compressOnce(block: Uint8Array): number[] {
    this.process(new DataView(block.buffer, block.byteOffset, 64), 0);
    return this.get();
  }
}

/**
 * The kernel's hash input: one 64-byte block {secret 16, prefix 8, hwaddr 32 zero-padded,
 * dad_count 1, zero 7} (addrconf.c, `ipv6_generate_stable_address`).
 */
function kernelBlock(input: LinuxIidInput, dadCounter: number): Uint8Array {
  const block = new Uint8Array(64);
  block.set(input.secret, 0);
  block.set(prefixBytes(input.prefix).subarray(0, 8), 16);
  if (input.hwaddr) block.set(input.hwaddr, 24);
  block[56] = dadCounter;
  return block;
}

/** The first two state words stored without a byte swap, as an x86 (little-endian) kernel does. */
function kernelIid(block: Uint8Array): Uint8Array {
  const [h0 = 0, h1 = 0] = new RawSha1().compressOnce(block);
  const iid = new Uint8Array(8);
  const view = new DataView(iid.buffer);
  view.setUint32(0, h0 >>> 0, true);
  view.setUint32(4, h1 >>> 0, true);
  return iid;
}

/**
 * The stable-privacy address the Linux kernel makes (`addr_gen_mode` 2, `stable_secret` set) for
 * a prefix it learns from a Router Advertisement, bit for bit as on x86 Linux, including its
 * wider reserved range (checked by {@link isLinuxReservedIid}) and its retry limit.
 *
 * @throws {@link IidInputError} for a secret that is not 16 bytes, a hardware address over 32
 * bytes or a prefix longer than /64; {@link IidExhaustedError} past `idgenRetries`.
 * @example
 * ```ts
 * linuxIid({
 *   prefix: Prefix.parse("2001:db8:1::/64"),
 *   secret: parseSecret("2001:db8:ffff::1234"),
 * }).address.toString(); // "2001:db8:1:0:67a3:c246:5e61:bec7"
 * ```
 */
export function linuxIid(input: LinuxIidInput): IidResult {
  if (input.secret.length !== 16) {
    throw new IidInputError("SECRET_INVALID", "the kernel's stable_secret is exactly 16 bytes (128 bits)");
  }
  if (input.hwaddr && input.hwaddr.length > 32) {
    throw new IidInputError("HWADDR_INVALID", "the kernel hashes at most 32 bytes of hardware address");
  }
  requireUpTo64(input.prefix, "linux");
  const last = checkDadCounter(input.idgenRetries ?? LINUX_IDGEN_RETRIES, 255);
  const first = checkDadCounter(input.dadCounter ?? 0, 255);
  const derive = (dadCounter: number) => kernelIid(kernelBlock(input, dadCounter));
  return firstUsable(input.prefix, first, last, derive, isLinuxReservedIid, "linux");
}
