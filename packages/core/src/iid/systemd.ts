import { utf8ToBytes } from "@noble/hashes/utils.js";
import siphash24 from "siphash24";
import type { Address } from "../address.js";
import { IidInputError } from "../errors.js";
import { Prefix, prefixBytes } from "../prefix.js";
import { isReservedIid } from "./reserved.js";
import { checkDadCounter, firstUsable, type IidResult, requireUpTo64 } from "./result.js";

/** systemd-networkd's `DAD_CONFLICTS_IDGEN_RETRIES_RFC7217`: it tries DAD counters 0, 1 and 2. */
export const SYSTEMD_IDGEN_RETRIES = 3;

/** Input to {@link systemdIid}. */
export interface SystemdIidInput {
  /** The prefix, /64 or shorter; its first 8 bytes (masked) enter the hash. */
  readonly prefix: Prefix;
  /** The 16-byte key: `Token=prefixstable:...,SECRET`, or the machine's app-specific id. */
  readonly secret: Uint8Array;
  /** The interface name (`veth99`). */
  readonly ifname: string;
  /** The link's hardware address; leave it out for links without one. */
  readonly hwaddr?: Uint8Array;
  /** The Wi-Fi SSID, only for wireless links (systemd 255 and later hash it). */
  readonly ssid?: string;
  /** The first DAD counter to try; 0 for a new address. */
  readonly dadCounter?: number;
}

// systemd's stable_private_address_is_valid tests these ranges against the whole address, so in
// effect against the prefix, never the identifier (rfc.md §4). A compatible generator has to skip
// exactly what systemd skips.
const SYSTEMD_QUIRK_RANGES = ["::/64", "200:5eff:fe00::/40", "fdff:ffff:ffff:ff80::/57"].map((p) => Prefix.parse(p));

function systemdRejects(address: Address): boolean {
  return SYSTEMD_QUIRK_RANGES.some((r) => r.contains(address));
}

const NOTHING = new Uint8Array(0);

/**
 * systemd's hash input, prefix(8) ‖ ifname ‖ hwaddr ‖ ssid ‖ dad counter(1), with room for the
 * counter left zero: the caller writes each counter it tries into the last byte, so the message
 * is encoded once per address rather than once per counter.
 */
function systemdMessage(input: SystemdIidInput): Uint8Array {
  const ifname = utf8ToBytes(input.ifname);
  const hwaddr = input.hwaddr ?? NOTHING;
  const ssid = input.ssid ? utf8ToBytes(input.ssid) : NOTHING;
  const out = new Uint8Array(8 + ifname.length + hwaddr.length + ssid.length + 1);
  const network = prefixBytes(input.prefix);
  for (let i = 0; i < 8; i++) out[i] = network[i] ?? 0;
  out.set(ifname, 8);
  out.set(hwaddr, 8 + ifname.length);
  out.set(ssid, 8 + ifname.length + hwaddr.length);
  return out;
}

/**
 * The address systemd-networkd makes with `Token=prefixstable` (SipHash-2-4 over prefix, ifname,
 * hardware address, SSID and an 8-bit DAD counter; the identifier is the output's 8 bytes), bit
 * for bit. systemd's own reserved check looks at the prefix instead of the identifier; this
 * function applies that check *and* the real one, so it differs from systemd only where systemd
 * would hand out a reserved identifier (odds about 1e-12).
 *
 * @throws {@link IidInputError} for a key that is not 16 bytes or a prefix longer than /64;
 * {@link IidExhaustedError} after DAD counter 2.
 * @example
 * ```ts
 * systemdIid({
 *   prefix: Prefix.parse("2002:da8:1::/64"),
 *   secret: parseSecret("86b123b969ba4b7eb8b3d8605123525a"),
 *   ifname: "veth99",
 *   hwaddr: parseHardwareAddress("12:34:56:78:9a:bc"),
 * }).address.toString(); // "2002:da8:1:0:b47e:7975:fc7a:7d6e"
 * ```
 */
export function systemdIid(input: SystemdIidInput): IidResult {
  if (input.secret.length !== 16) {
    throw new IidInputError("SECRET_INVALID", "systemd's prefixstable key is exactly 16 bytes (128 bits)");
  }
  requireUpTo64(input.prefix, "systemd");
  const first = checkDadCounter(input.dadCounter ?? 0, 255);
  const message = systemdMessage(input);
  const derive = (dadCounter: number) => {
    message[message.length - 1] = dadCounter;
    return siphash24(message, input.secret);
  };
  const reserved = (iid: Uint8Array, address: Address) => systemdRejects(address) || isReservedIid(iid);
  return firstUsable(input.prefix, first, SYSTEMD_IDGEN_RETRIES - 1, derive, reserved, "systemd");
}
