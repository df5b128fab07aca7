import ipaddr from "ipaddr.js";
import { AddressParseError } from "./errors.js";

// The text boundary. ipaddr.js does the IPv6 grammar; this file strips what it gets wrong before
// handing text over (rfc.md §10): it rewrites `::a.b.c.d` to `::ffff:a.b.c.d`, reads embedded
// IPv4 octets with a radix-less parseInt (`0177` = 177, `0x7f` accepted), and only knows zones of
// the form `%[0-9a-z]+`. So zones and embedded IPv4 are split off and checked here, strictly, as
// Go's net/netip and Python's ipaddress do.

const EMBEDDED_IPV4 = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/;
const OCTET = /^(0|[1-9]\d{0,2})$/;
const ZONE = /^[^%/\s]+$/;

/** The 16 bytes and optional zone of an IPv6 address in text form. */
export interface ParsedAddress {
  readonly bytes: readonly number[];
  readonly zone: string | undefined;
}

/** Parses IPv6 text (RFC 4291 §2.2, with an optional RFC 4007 zone); throws AddressParseError. */
export function parseAddressText(text: string): ParsedAddress {
  if (typeof text !== "string") throw new AddressParseError(String(text), "expected a string");
  const percent = text.indexOf("%");
  const body = percent < 0 ? text : text.slice(0, percent);
  const zone = percent < 0 ? undefined : text.slice(percent + 1);
  if (zone !== undefined && !ZONE.test(zone)) {
    throw new AddressParseError(text, "the zone after % must be non-empty, without %, / or spaces");
  }
  const hex = embeddedIpv4ToHex(text, body);
  let parsed: ipaddr.IPv6;
  try {
    parsed = ipaddr.IPv6.parse(hex);
  } catch {
    throw new AddressParseError(text, "expected eight 16-bit hex groups, with at most one ::");
  }
  return { bytes: parsed.toByteArray(), zone };
}

function embeddedIpv4ToHex(text: string, body: string): string {
  if (!body.includes(".")) return body;
  const m = EMBEDDED_IPV4.exec(body);
  if (!m) throw new AddressParseError(text, "an embedded IPv4 address must be the last 32 bits");
  const octets = m.slice(2, 6).map((o) => {
    if (!OCTET.test(o ?? "") || Number(o) > 255) {
      throw new AddressParseError(text, `IPv4 octet "${o}" must be 0-255 without leading zeros`);
    }
    return Number(o);
  });
  const [a = 0, b = 0, c = 0, d = 0] = octets;
  return `${m[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

const IPV4_MAPPED_HEAD = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/**
 * RFC 5952 text. IPv4-mapped addresses get the mixed notation RFC 5952 §5 recommends
 * (`::ffff:192.0.2.1`), which ipaddr.js does not produce.
 */
export function formatAddress(bytes: readonly number[], zone: string | undefined): string {
  const suffix = zone === undefined ? "" : `%${zone}`;
  if (IPV4_MAPPED_HEAD.every((b, i) => bytes[i] === b)) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}${suffix}`;
  }
  return new ipaddr.IPv6(bytes.slice()).toRFC5952String() + suffix;
}
