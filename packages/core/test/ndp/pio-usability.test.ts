import { describe, expect, it } from "vitest";
import type { Pio } from "../../src/ndp/pio.js";
import { pioUsability } from "../../src/ndp/pio-usability.js";
import { fc } from "../support/fc.js";
import { addr, pioArb } from "./arbitraries.js";

const pio: Pio = {
  prefixLength: 64,
  onLink: true,
  autonomous: true,
  routerAddress: false,
  pdPreferred: false,
  validLifetime: 86400,
  preferredLifetime: 14400,
  prefix: addr("2001:db8:1::"),
};

describe("pioUsability (RFC 4862 §5.5.3)", () => {
  it("accepts an autonomous global /64 with preferred <= valid", () => {
    expect(pioUsability(pio)).toEqual({ usable: true });
    expect(pioUsability({ ...pio, preferredLifetime: pio.validLifetime })).toEqual({ usable: true });
    expect(pioUsability({ ...pio, onLink: false })).toEqual({ usable: true });
  });

  it("(a) ignores a PIO whose A flag is clear", () => {
    expect(pioUsability({ ...pio, autonomous: false })).toEqual({ usable: false, reason: "AUTONOMOUS_FLAG_CLEAR" });
  });

  it("(b) ignores a link-local prefix, even with junk past the length", () => {
    expect(pioUsability({ ...pio, prefix: addr("fe80::") })).toEqual({ usable: false, reason: "LINK_LOCAL_PREFIX" });
    expect(pioUsability({ ...pio, prefix: addr("febf:0:0:1::") })).toEqual({
      usable: false,
      reason: "LINK_LOCAL_PREFIX",
    });
    expect(pioUsability({ ...pio, prefix: addr("fec0::") }).usable).toBe(true);
  });

  it("(c) ignores a preferred lifetime longer than the valid one", () => {
    expect(pioUsability({ ...pio, preferredLifetime: pio.validLifetime + 1 })).toEqual({
      usable: false,
      reason: "PREFERRED_EXCEEDS_VALID",
    });
  });

  it("(d) ignores a prefix whose length plus the IID length is not 128", () => {
    expect(pioUsability({ ...pio, prefixLength: 56 })).toEqual({ usable: false, reason: "PREFIX_LENGTH_MISMATCH" });
    expect(pioUsability({ ...pio, prefixLength: 80 })).toEqual({ usable: false, reason: "PREFIX_LENGTH_MISMATCH" });
    expect(pioUsability({ ...pio, prefixLength: 56 }, 72)).toEqual({ usable: true });
    expect(pioUsability(pio, 72)).toEqual({ usable: false, reason: "PREFIX_LENGTH_MISMATCH" });
  });

  it("reports the first rule that fails, in RFC order", () => {
    const everythingWrong = {
      ...pio,
      autonomous: false,
      prefix: addr("fe80::"),
      preferredLifetime: 1e6,
      prefixLength: 48,
    };
    expect(pioUsability(everythingWrong)).toMatchObject({ reason: "AUTONOMOUS_FLAG_CLEAR" });
    expect(pioUsability({ ...everythingWrong, autonomous: true })).toMatchObject({ reason: "LINK_LOCAL_PREFIX" });
  });

  it("is usable exactly when all four rules pass", () => {
    fc.assert(
      fc.property(pioArb, (p) => {
        const linkLocal =
          p.prefixLength >= 10 && p.prefix.toBytes()[0] === 0xfe && ((p.prefix.toBytes()[1] ?? 0) & 0xc0) === 0x80;
        const expected = p.autonomous && !linkLocal && p.preferredLifetime <= p.validLifetime && p.prefixLength === 64;
        expect(pioUsability(p).usable).toBe(expected);
      }),
    );
  });
});
