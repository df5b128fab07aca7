import { describe, expect, it } from "vitest";
import { Address, Prefix, PrefixParseError, PrefixUnhostableError } from "../src/index.js";
import { fc } from "./support/fc.js";

describe("Prefix parsing", () => {
  it("parses and prints RFC 5952 CIDR", () => {
    expect(Prefix.parse("2001:0DB8:0100::/48").toString()).toBe("2001:db8:100::/48");
    expect(Prefix.parse("::/0").bits).toBe(0);
  });

  it("rejects host bits with a hint", () => {
    expect(() => Prefix.parse("2001:db8::1/64")).toThrow(/did you mean 2001:db8::\/64/);
  });

  it.each([
    "2001:db8::",
    "2001:db8::/129",
    "2001:db8::/064",
    "2001:db8::/-1",
    "2001:db8::/6 4",
    "2001:db8::g/64",
    "fe80::%eth0/64",
    "/64",
  ])("rejects %s", (text) => {
    expect(() => Prefix.parse(text)).toThrow(PrefixParseError);
  });

  it("masks in Prefix.from", () => {
    expect(Prefix.from(Address.parse("2001:db8:1:2:3::1"), 48).toString()).toBe("2001:db8:1::/48");
  });
});

describe("Prefix kinds and hostability", () => {
  it.each([
    ["2001:db8:1::/64", "documentation"],
    ["2a00:1450::/32", "globalUnicast"],
    ["fd12:3456:789a:1::/64", "uniqueLocal"],
    ["fe80::/64", "linkLocal"],
    ["ff02::/16", "multicast"],
    ["::ffff:0:0/96", "ipv4Mapped"],
    ["64:ff9b::/96", "nat64"],
    ["::/0", "mixed"],
    ["4000::/3", "reserved"],
  ])("%s is %s", (text, kind) => {
    expect(Prefix.parse(text).kind).toBe(kind);
  });

  it.each([
    ["ff02::/64", "PREFIX_MULTICAST"],
    ["::1/128", "PREFIX_LOOPBACK"],
    ["::/128", "PREFIX_UNSPECIFIED"],
    ["::ffff:0:0/96", "PREFIX_IPV4_MAPPED"],
    ["fe80::/64", "PREFIX_LINK_LOCAL"],
    ["64:ff9b::/96", "PREFIX_NOT_UNICAST"],
    ["::/0", "PREFIX_NOT_UNICAST"],
    ["2001:db8::/121", "PREFIX_TOO_LONG"],
    ["2001:db8::1/128", "PREFIX_TOO_LONG"],
  ])("%s cannot host containers: %s", (text, code) => {
    const prefix = Prefix.parse(text);
    expect(prefix.unhostableReason()).toBe(code);
    expect(() => prefix.assertHostable()).toThrow(expect.objectContaining({ code }));
    expect(() => prefix.assertHostable()).toThrow(PrefixUnhostableError);
  });

  it.each(["2001:db8:1::/64", "2001:db8::/48", "fd00:1::/80", "2001:db8::/120", "2a00::/16"])(
    "%s can host containers",
    (text) => {
      expect(Prefix.parse(text).assertHostable().toString()).toBe(text);
    },
  );

  it("accepts link-local only when asked", () => {
    expect(Prefix.parse("fe80::/64").assertHostable({ allowLinkLocal: true }).kind).toBe("linkLocal");
  });

  it("gives 64 host bits up to /64 and 128 - bits after", () => {
    expect(Prefix.parse("2001:db8::/48").hostBits).toBe(64);
    expect(Prefix.parse("2001:db8::/64").hostBits).toBe(64);
    expect(Prefix.parse("2001:db8::/80").hostBits).toBe(48);
    expect(Prefix.parse("2001:db8::/120").hostBits).toBe(8);
  });
});

describe("Prefix splitting", () => {
  it("splits a /48 into 65536 /64s", () => {
    const site = Prefix.parse("2001:db8:100::/48");
    expect(site.count(64)).toBe(65536n);
    expect(site.nth(64, 0).toString()).toBe("2001:db8:100::/64");
    expect(site.nth(64, 65535).toString()).toBe("2001:db8:100:ffff::/64");
    expect(() => site.nth(64, 65536)).toThrow(PrefixParseError);
    expect(() => site.count(32)).toThrow(PrefixParseError);
  });

  it("lists subnets lazily and in order", () => {
    const subnets = [...Prefix.parse("2001:db8::/62").subnets(64)].map(String);
    expect(subnets).toEqual(["2001:db8::/64", "2001:db8:0:1::/64", "2001:db8:0:2::/64", "2001:db8:0:3::/64"]);
  });

  const prefixArb = fc
    .tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 120 }))
    .map(([b, bits]) => Prefix.from(Address.fromBytes(b), bits));

  it("the nth subnet is covered, distinct, and ordered", () => {
    fc.assert(
      fc.property(prefixArb, fc.integer({ min: 0, max: 8 }), fc.bigInt({ min: 0n }), (p, extra, seed) => {
        const length = Math.min(128, p.bits + extra);
        const count = p.count(length);
        const i = seed % count;
        const sub = p.nth(length, i);
        expect(p.covers(sub)).toBe(true);
        expect(sub.bits).toBe(length);
        if (i + 1n < count) expect(sub.compare(p.nth(length, i + 1n))).toBe(-1);
      }),
    );
  });

  it("withIid and iidOf are inverse inside the host part", () => {
    fc.assert(
      fc.property(prefixArb, fc.uint8Array({ minLength: 8, maxLength: 8 }), (p, iid) => {
        const address = p.withIid(iid);
        expect(p.contains(address)).toBe(true);
        expect(p.withIid(p.iidOf(address)).equals(address)).toBe(true);
      }),
    );
  });

  it("parse(toString) is the identity", () => {
    fc.assert(
      fc.property(prefixArb, (p) => {
        expect(Prefix.parse(p.toString()).equals(p)).toBe(true);
      }),
    );
  });
});
