import { IidInputError } from "../errors.js";
import { type Prefix, prefixBytes } from "../prefix.js";
import { isLinuxReservedIid } from "./reserved.js";
import { checkDadCounter, firstUsable, type IidResult, requireUpTo64 } from "./result.js";
import { SHA1_IV, sha1Compress } from "./sha1.js";
import { readWord } from "./words.js";

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

/**
 * The kernel's hash input as SHA-1's 16 big-endian words: one 64-byte block {secret 16,
 * prefix 8, hwaddr 32 zero-padded, dad_count 1, zero 7} (addrconf.c,
 * `ipv6_generate_stable_address`).
 */
function kernelBlock(input: LinuxIidInput, dadCounter: number): Int32Array {
  const block = new Int32Array(16);
  const network = prefixBytes(input.prefix);
  for (let i = 0; i < 4; i++) block[i] = readWord(input.secret, 4 * i);
  block[4] = readWord(network, 0);
  block[5] = readWord(network, 4);
  const hwaddr = input.hwaddr;
  // readWord reads missing bytes as zero: the kernel's zero padding.
  if (hwaddr) for (let i = 0; i < 8; i++) block[6 + i] = readWord(hwaddr, 4 * i);
  block[14] = dadCounter << 24;
  return block;
}

/**
 * The kernel runs one SHA-1 compression and reads the raw state, skipping padding and
 * finalisation; it stores the first two state words without a byte swap, as an x86
 * (little-endian) kernel does.
 */
function kernelIid(block: Int32Array): Uint8Array {
  const [h0 = 0, h1 = 0] = sha1Compress(SHA1_IV, block);
  const iid = new Uint8Array(8);
  for (let i = 0; i < 4; i++) {
    iid[i] = h0 >>> (8 * i);
    iid[4 + i] = h1 >>> (8 * i);
  }
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
