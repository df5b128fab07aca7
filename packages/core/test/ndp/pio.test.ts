import { describe, expect, it } from "vitest";
import { NdpDecodeError } from "../../src/ndp/errors.js";
import { decodePio, encodePio, INFINITE_LIFETIME, type Pio, pioPrefix } from "../../src/ndp/pio.js";
import { fc } from "../support/fc.js";
import { addr, hex, pioArb, plain } from "./arbitraries.js";

const pio: Pio = {
  prefixLength: 64,
  onLink: true,
  autonomous: true,
  routerAddress: false,
  pdPreferred: false,
  validLifetime: 2592000,
  preferredLifetime: 604800,
  prefix: addr("2001:db8:1::"),
};

describe("encodePio / decodePio", () => {
  it("writes the RFC 4861 §4.6.2 layout", () => {
    expect(encodePio(pio)).toEqual(hex("0304 40 c0 00278d00 00093a80 00000000 20010db8000100000000000000000000"));
  });

  it("writes each flag bit: L 0x80, A 0x40, R 0x20, P 0x10, reserved 0x0f", () => {
    const off = { ...pio, onLink: false, autonomous: false };
    expect(encodePio({ ...off, onLink: true })[3]).toBe(0x80);
    expect(encodePio({ ...off, autonomous: true })[3]).toBe(0x40);
    expect(encodePio({ ...off, routerAddress: true })[3]).toBe(0x20);
    expect(encodePio({ ...off, pdPreferred: true })[3]).toBe(0x10);
    expect(encodePio({ ...off, reservedFlags: 0x0f })[3]).toBe(0x0f);
  });

  it("round-trips arbitrary values, reserved flags and reserved2 included", () => {
    fc.assert(
      fc.property(pioArb, (p) => {
        expect(plain(decodePio(encodePio(p)))).toEqual(plain(p));
      }),
    );
  });

  it("round-trips arbitrary valid bytes", () => {
    const bytes = fc
      .tuple(fc.integer({ min: 0, max: 128 }), fc.uint8Array({ minLength: 29, maxLength: 29 }))
      .map(([len, rest]) => Uint8Array.of(3, 4, len, ...rest));
    fc.assert(
      fc.property(bytes, (b) => {
        expect(encodePio(decodePio(b))).toEqual(b);
      }),
    );
  });

  it("keeps infinite lifetimes as 0xFFFFFFFF", () => {
    const forever = { ...pio, validLifetime: INFINITE_LIFETIME, preferredLifetime: INFINITE_LIFETIME };
    expect(INFINITE_LIFETIME).toBe(0xffffffff);
    expect(Array.from(encodePio(forever).subarray(4, 12))).toEqual(Array(8).fill(0xff));
    expect(decodePio(encodePio(forever)).validLifetime).toBe(INFINITE_LIFETIME);
  });

  it("drops the zone of the prefix", () => {
    expect(decodePio(encodePio({ ...pio, prefix: addr("2001:db8:1::%eth0") })).prefix.zone).toBeUndefined();
  });

  it.each([
    ["31 bytes", `0304${"00".repeat(29)}`],
    ["33 bytes", `0304${"00".repeat(31)}`],
    ["type 1", `0104${"00".repeat(30)}`],
    ["length 3", `0303${"00".repeat(30)}`],
    ["prefix length 129", `030481${"00".repeat(29)}`],
    ["prefix length 255", `0304ff${"00".repeat(29)}`],
  ])("rejects %s as OPTION_MALFORMED", (_name, bytes) => {
    expect(() => decodePio(hex(bytes))).toThrow(expect.objectContaining({ reason: "OPTION_MALFORMED" }));
  });

  it("never throws anything but NdpDecodeError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        try {
          decodePio(b);
        } catch (e) {
          if (!(e instanceof NdpDecodeError)) throw e;
        }
      }),
    );
  });

  it.each<[string, Partial<Pio>]>([
    ["prefix length 129", { prefixLength: 129 }],
    ["a negative lifetime", { validLifetime: -1 }],
    ["a lifetime over 32 bits", { preferredLifetime: 2 ** 32 }],
    ["reserved flags over 4 bits", { reservedFlags: 0x10 }],
    ["reserved2 over 32 bits", { reserved2: 2 ** 32 }],
  ])("refuses %s", (_name, change) => {
    expect(() => encodePio({ ...pio, ...change })).toThrow(expect.objectContaining({ reason: "FIELD_OUT_OF_RANGE" }));
  });
});

describe("pioPrefix", () => {
  it("clears the bits after the prefix length, which receivers must ignore", () => {
    expect(pioPrefix({ ...pio, prefix: addr("2001:db8:1:0:ffff::1") }).toString()).toBe("2001:db8:1::/64");
    expect(pioPrefix({ ...pio, prefixLength: 48, prefix: addr("2001:db8:1:ff::") }).toString()).toBe("2001:db8:1::/48");
  });

  it("contains the advertised prefix address for every decoded PIO", () => {
    fc.assert(fc.property(pioArb, (p) => pioPrefix(decodePio(encodePio(p))).contains(p.prefix)));
  });
});
