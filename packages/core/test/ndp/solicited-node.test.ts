import { describe, expect, it } from "vitest";
import { isSolicitedNodeAddress, solicitedNodeAddress } from "../../src/ndp/solicited-node.js";
import { fc } from "../support/fc.js";
import { addr, addressArb } from "./arbitraries.js";

describe("solicitedNodeAddress", () => {
  it.each([
    ["2001:db8::2", "ff02::1:ff00:2"],
    ["2001:db8::2:abcd:ef01", "ff02::1:ffcd:ef01"],
    ["fe80::211:22ff:fe33:4455", "ff02::1:ff33:4455"],
    ["::", "ff02::1:ff00:0"],
  ])("of %s is %s", (input, expected) => {
    expect(solicitedNodeAddress(addr(input)).toString()).toBe(expected);
  });

  it("keeps the zone, since the group is on the address's link", () => {
    expect(solicitedNodeAddress(addr("fe80::1%eth0")).toString()).toBe("ff02::1:ff00:1%eth0");
  });

  it("is a link-scope multicast address in ff02::1:ff00:0/104", () => {
    fc.assert(
      fc.property(addressArb, (a) => {
        const group = solicitedNodeAddress(a);
        expect(group.kind).toBe("multicast");
        expect(isSolicitedNodeAddress(group)).toBe(true);
        expect((group.toBytes()[1] ?? 0) & 0x0f).toBe(2);
      }),
    );
  });

  it("keeps exactly the low 24 bits", () => {
    fc.assert(
      fc.property(addressArb, (a) => {
        expect(Array.from(solicitedNodeAddress(a).toBytes().subarray(13))).toEqual(
          Array.from(a.toBytes().subarray(13)),
        );
      }),
    );
  });

  it("maps addresses that share their low 24 bits to the same group, and others apart", () => {
    fc.assert(
      fc.property(addressArb, addressArb, (a, b) => {
        const sameLow = a
          .toBytes()
          .subarray(13)
          .every((x, i) => x === b.toBytes()[13 + i]);
        expect(solicitedNodeAddress(a).equals(solicitedNodeAddress(b))).toBe(sameLow);
      }),
    );
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(addressArb, (a) => solicitedNodeAddress(solicitedNodeAddress(a)).equals(solicitedNodeAddress(a))),
    );
  });
});

describe("isSolicitedNodeAddress", () => {
  it.each([
    ["ff02::1:ff00:2", true],
    ["ff02::1:ffff:ffff", true],
    ["ff02::1", false],
    ["ff02::1:fe00:2", false],
    ["ff05::1:ff00:2", false],
    ["2001:db8::1:ff00:2", false],
  ])("%s -> %s", (text, expected) => {
    expect(isSolicitedNodeAddress(addr(text))).toBe(expected);
  });
});
