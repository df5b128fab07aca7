import { Address } from "./address.js";
import { fromHex } from "./bytes.js";
import { IidInputError } from "./errors.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads a 128-bit secret key written as 32 hex digits, as a UUID (the forms systemd's
 * `Token=prefixstable:...,SECRET` accepts), or as IPv6 text (the form of the kernel's
 * `net.ipv6.conf.*.stable_secret` sysctl); or a 256-bit one written as 64 hex digits (the form
 * of the secret file own6's plugins keep).
 *
 * @throws {@link IidInputError} (code `SECRET_INVALID`) for anything else.
 * @example
 * ```ts
 * parseSecret("2001:db8:ffff::1234");                    // kernel form
 * parseSecret("86b123b969ba4b7eb8b3d8605123525a");       // hex
 * parseSecret("86b123b9-69ba-4b7e-b8b3-d8605123525a");   // UUID
 * ```
 */
export function parseSecret(text: string): Uint8Array {
  const hex = UUID.test(text) ? text.replaceAll("-", "") : text;
  if (hex.length === 32 || hex.length === 64) {
    const bytes = fromHex(hex);
    if (bytes) return bytes;
  }
  if (text.includes(":")) {
    try {
      const address = Address.parse(text);
      if (address.zone === undefined) return address.toBytes();
    } catch {
      // Fall through to the one message that lists every accepted form.
    }
  }
  throw new IidInputError(
    "SECRET_INVALID",
    "a secret is 32 hex digits, a UUID, or IPv6 text such as 2001:db8::1234 (128 bits), or 64 hex digits (256 bits)",
  );
}

/**
 * Reads a hardware address written as colon- or dash-separated hex octets (`12:34:56:78:9a:bc`),
 * 1 to 32 octets long (Ethernet has 6, EUI-64 8, InfiniBand 20).
 *
 * @throws {@link IidInputError} (code `HWADDR_INVALID`).
 * @example
 * ```ts
 * parseHardwareAddress("12-34-56-78-9A-BC"); // Uint8Array [0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc]
 * ```
 */
export function parseHardwareAddress(text: string): Uint8Array {
  const octets = text.split(/[:-]/);
  const ok = octets.length >= 1 && octets.length <= 32 && octets.every((o) => /^[0-9a-fA-F]{2}$/.test(o));
  const bytes = ok ? fromHex(octets.join("")) : undefined;
  if (!bytes) {
    throw new IidInputError("HWADDR_INVALID", `"${text}" is not a hardware address such as 12:34:56:78:9a:bc`);
  }
  return bytes;
}
