import { describe, expect, it } from "vitest";
import { Address, AddressParseError } from "../src/index.js";
import { fc } from "./support/fc.js";

// RFC 5952 vectors from rfc.md §8, agreed by Python ipaddress, ipaddr.js 2.5.0 and ip-address.
const RFC5952: [string, string][] = [
  ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
  ["2001:db8:0:0:0:0:2:1", "2001:db8::2:1"],
  ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
  ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
  ["0:0:1:0:0:1:0:0", "::1:0:0:1:0:0"],
  ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
  ["1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"],
  ["2001:DB8:0:0:0:0:0:A", "2001:db8::a"],
  ["0:0:0:0:0:0:0:0", "::"],
  ["0:0:0:0:0:0:0:1", "::1"],
  ["1:0:0:0:0:0:0:0", "1::"],
  ["0:0:3:0:0:0:0:ffff", "0:0:3::ffff"],
  ["fe80:0:0:0:0:0:0:0%eth0", "fe80::%eth0"],
];

describe("Address text", () => {
  it.each(RFC5952)("formats %s as %s (RFC 5952)", (input, canonical) => {
    expect(Address.parse(input).toString()).toBe(canonical);
  });

  it("keeps ::a.b.c.d IPv4-compatible instead of ipaddr.js's ::ffff: rewrite", () => {
    expect(Address.parse("::1.2.3.4").toString()).toBe("::102:304");
    expect(Address.parse("::1.2.3.4").equals(Address.parse("::102:304"))).toBe(true);
  });

  it("prints IPv4-mapped addresses in mixed notation (RFC 5952 §5)", () => {
    expect(Address.parse("::ffff:c000:201").toString()).toBe("::ffff:192.0.2.1");
    expect(Address.parse("::FFFF:192.0.2.1").kind).toBe("ipv4Mapped");
  });

  it.each([
    ["::ffff:0177.0.0.1", "leading zero octet that ipaddr.js reads as decimal"],
    ["::ffff:1.2.03.4", "leading zero"],
    ["::ffff:0x7f.0.0.1", "hex octet"],
    ["::ffff:256.0.0.1", "octet over 255"],
    ["1.2.3.4", "bare IPv4"],
    ["1:2:3:4:5:6:7:8::", "too many groups"],
    ["::1:2:3:4:5:6:7:8", "too many groups"],
    ["00000::1", "five-digit group"],
    ["::1%", "empty zone"],
    ["::1%a%b", "two zones"],
    ["fe80::1%eth 0", "space in zone"],
    ["2001:db8::/64", "a prefix"],
    ["", "empty"],
    ["2001:db8:::1", "triple colon"],
  ])("rejects %s (%s)", (input) => {
    expect(() => Address.parse(input)).toThrow(AddressParseError);
  });

  it("accepts zones ipaddr.js rejects", () => {
    for (const zone of ["eth0.100", "br-lan", "en0:1", "25eth0"]) {
      expect(Address.parse(`fe80::1%${zone}`).zone).toBe(zone);
    }
  });

  it("gives a specific, stable error", () => {
    const error = (() => {
      try {
        Address.parse("2001:db8::g");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AddressParseError);
    expect((error as AddressParseError).code).toBe("ADDRESS_INVALID");
    expect((error as AddressParseError).message).toContain("2001:db8::g");
  });
});

const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const zone = fc.option(fc.stringMatching(/^[a-zA-Z0-9._:-]{1,15}$/), { nil: undefined });

describe("Address properties", () => {
  it("round-trips bytes through text", () => {
    fc.assert(
      fc.property(bytes16, zone, (b, z) => {
        const a = Address.fromBytes(b, z);
        const again = Address.parse(a.toString());
        expect(again.equals(a)).toBe(true);
        expect(again.toBytes()).toEqual(b);
      }),
    );
  });

  it("formats idempotently and canonically for any accepted text", () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.boolean(), (text, upper) => {
        const a = Address.parse(upper ? text.toUpperCase() : text);
        const canonical = a.toString();
        expect(Address.parse(canonical).toString()).toBe(canonical);
        expect(canonical).toBe(canonical.toLowerCase());
        expect(canonical).not.toMatch(/(^|:)0[0-9a-f]/);
      }),
    );
  });

  it("orders consistently with equality", () => {
    fc.assert(
      fc.property(bytes16, bytes16, (x, y) => {
        const a = Address.fromBytes(x);
        const b = Address.fromBytes(y);
        expect(a.compare(b) === 0).toBe(a.equals(b));
        expect(a.compare(b)).toBe(-b.compare(a) || 0);
      }),
    );
  });

  it("never throws anything but AddressParseError on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        try {
          Address.parse(text);
        } catch (e) {
          expect(e).toBeInstanceOf(AddressParseError);
        }
      }),
    );
  });

  it("rejects byte arrays that are not 16 values of 0-255", () => {
    expect(() => Address.fromBytes(new Uint8Array(15))).toThrow(AddressParseError);
    expect(() => Address.fromBytes([...new Array(15).fill(0), 256])).toThrow(AddressParseError);
  });
});
