import { describe, expect, it } from "vitest";
import { icmpv6Checksum } from "../../src/ndp/checksum.js";
import { decodeNdp, encodeNdp } from "../../src/ndp/codec.js";
import { NdpDecodeError, NdpEncodeError } from "../../src/ndp/errors.js";
import type { NdpMessage, RouterAdvertisement } from "../../src/ndp/messages.js";
import { fc } from "../support/fc.js";
import { addr, hex, messageArb, pairArb, plain } from "./arbitraries.js";

const pair = { source: addr("fe80::1"), destination: addr("ff02::1") };

/** Decoding must either succeed or throw NdpDecodeError; anything else is a bug. */
function decodesOrThrowsTyped(bytes: Uint8Array, withPair?: typeof pair): boolean {
  try {
    decodeNdp(bytes, withPair);
  } catch (e) {
    if (!(e instanceof NdpDecodeError)) throw e;
  }
  return true;
}

function reasonOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof NdpDecodeError || e instanceof NdpEncodeError) return e.reason;
    throw e;
  }
  return undefined;
}

describe("encodeNdp / decodeNdp round trips", () => {
  it("decode(encode(m)) gives m back for arbitrary messages and options", () => {
    fc.assert(
      fc.property(messageArb, pairArb, (m, p) => {
        expect(plain(decodeNdp(encodeNdp(m, p), p))).toEqual(plain(m));
      }),
    );
  });

  it("encode(decode(bytes)) gives the same bytes back", () => {
    fc.assert(
      fc.property(messageArb, pairArb, (m, p) => {
        const bytes = encodeNdp(m, p);
        expect(encodeNdp(decodeNdp(bytes, p), p)).toEqual(bytes);
      }),
    );
  });

  it("fills absent code and reserved fields with 0", () => {
    const ra: RouterAdvertisement = {
      type: 134,
      curHopLimit: 64,
      managed: true,
      otherConfig: false,
      routerLifetime: 1800,
      reachableTime: 30000,
      retransTimer: 1000,
      options: [],
    };
    const bytes = encodeNdp(ra, pair);
    expect(bytes.length).toBe(16);
    expect(Array.from(bytes.subarray(4))).toEqual([64, 0x80, 0x07, 0x08, 0, 0, 0x75, 0x30, 0, 0, 0x03, 0xe8]);
    expect(decodeNdp(bytes, pair)).toMatchObject({ code: 0, reservedFlags: 0 });
  });

  it("writes the NA flags R 0x80, S 0x40, O 0x20 in byte 4", () => {
    const base = { type: 136, target: addr("2001:db8::1"), options: [] } as const;
    const flagByte = (router: boolean, solicited: boolean, override: boolean) =>
      encodeNdp({ ...base, router, solicited, override }, pair)[4];
    expect([flagByte(true, false, false), flagByte(false, true, false), flagByte(false, false, true)]).toEqual([
      0x80, 0x40, 0x20,
    ]);
  });

  it("returns frozen values", () => {
    const m = decodeNdp(hex("85000000 00000000 0e01010203040506"));
    expect(Object.isFrozen(m)).toBe(true);
    expect(Object.isFrozen(m.options)).toBe(true);
  });

  it("decodes without a pair by skipping the checksum", () => {
    const bytes = encodeNdp({ type: 133, options: [] }, pair);
    bytes[2] = (bytes[2] ?? 0) ^ 0xff;
    expect(decodeNdp(bytes).type).toBe(133);
  });
});

describe("decodeNdp on bad input", () => {
  it("never throws anything but NdpDecodeError on random bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 128 }), (b) => decodesOrThrowsTyped(b)));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 128 }), (b) => decodesOrThrowsTyped(b, pair)));
  });

  it("never throws anything but NdpDecodeError on random bytes of an NDP type", () => {
    const arb = fc
      .tuple(fc.constantFrom(133, 134, 135, 136), fc.uint8Array({ maxLength: 96 }))
      .map(([t, rest]) => Uint8Array.of(t, ...rest));
    fc.assert(
      fc.property(arb, (b) => decodesOrThrowsTyped(b)),
      { numRuns: 2000 },
    );
  });

  it("never throws anything but NdpDecodeError on well-framed options with random content", () => {
    // Random type and a length that mostly fits, so the option decoders themselves see junk.
    const option = fc
      .tuple(fc.constantFrom(1, 2, 3, 5, 14, 200), fc.integer({ min: 0, max: 5 }), fc.uint8Array({ maxLength: 40 }))
      .map(([t, units, body]) => Uint8Array.of(t, units, ...body.subarray(0, Math.max(0, units * 8 - 2))));
    const arb = fc.tuple(fc.constantFrom(133, 134, 135, 136), fc.array(option, { maxLength: 4 })).map(([t, opts]) => {
      const fixed = new Uint8Array(t === 133 ? 8 : t === 134 ? 16 : 24);
      fixed[0] = t;
      return Uint8Array.from([...fixed, ...opts.flatMap((o) => Array.from(o))]);
    });
    fc.assert(
      fc.property(arb, (b) => decodesOrThrowsTyped(b)),
      { numRuns: 2000 },
    );
  });

  it("never throws anything but NdpDecodeError on corrupted or cut valid messages", () => {
    const arb = fc.tuple(messageArb, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat());
    fc.assert(
      fc.property(arb, ([m, at, at2, mask, cut]) => {
        const bytes = encodeNdp(m, pair);
        const i = at % bytes.length;
        bytes[i] = (bytes[i] ?? 0) ^ mask;
        bytes[at2 % bytes.length] = mask;
        return decodesOrThrowsTyped(bytes.subarray(0, cut % (bytes.length + 1)));
      }),
    );
  });

  it.each([
    ["empty", "", "TOO_SHORT"],
    ["3 bytes", "870000", "TOO_SHORT"],
    ["NS of 23 bytes", `87000000${"00".repeat(19)}`, "TOO_SHORT"],
    ["RA of 15 bytes", `86000000${"00".repeat(11)}`, "TOO_SHORT"],
    ["RS of 7 bytes", "85000000000000", "TOO_SHORT"],
    ["Redirect (137)", `89000000${"00".repeat(36)}`, "UNKNOWN_TYPE"],
    ["echo request", "80000000", "UNKNOWN_TYPE"],
    ["option length 0", "85000000 00000000 0100000000000000", "OPTION_LENGTH_ZERO"],
    ["option past the end", "85000000 00000000 01020000000000000000", "OPTION_TRUNCATED"],
    ["lone trailing byte", "85000000 00000000 01", "OPTION_TRUNCATED"],
    ["MTU option of 16 bytes", `85000000 00000000 0502${"00".repeat(14)}`, "OPTION_MALFORMED"],
    ["PIO of 24 bytes", `85000000 00000000 0303${"00".repeat(22)}`, "OPTION_MALFORMED"],
    ["PIO prefix length 129", `85000000 00000000 030481${"00".repeat(29)}`, "OPTION_MALFORMED"],
  ])("rejects %s as %s", (_name, bytes, reason) => {
    expect(reasonOf(() => decodeNdp(hex(bytes)))).toBe(reason);
  });

  it("reports a wrong checksum as BAD_CHECKSUM, with code NDP_INVALID", () => {
    const bytes = encodeNdp({ type: 133, options: [] }, pair);
    const err = (() => {
      try {
        decodeNdp(bytes, { ...pair, source: addr("fe80::2") });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(NdpDecodeError);
    expect(err).toMatchObject({ code: "NDP_INVALID", reason: "BAD_CHECKSUM", name: "NdpDecodeError" });
  });

  it("checks the length after the checksum, so a short message with a good checksum is TOO_SHORT", () => {
    const bytes = hex("87000000 0000");
    new DataView(bytes.buffer).setUint16(2, icmpv6Checksum(bytes, pair));
    expect(reasonOf(() => decodeNdp(bytes, pair))).toBe("TOO_SHORT");
  });
});

describe("encodeNdp on bad values", () => {
  const ns = { type: 135, target: addr("2001:db8::1"), options: [] } as const;
  it.each<[string, NdpMessage]>([
    ["a code of 256", { ...ns, code: 256 }],
    ["a negative reserved", { ...ns, reserved: -1 }],
    ["a fractional reserved", { ...ns, reserved: 0.5 }],
    [
      "NA reserved over 29 bits",
      {
        type: 136,
        router: false,
        solicited: false,
        override: false,
        reserved: 2 ** 29,
        target: addr("::1"),
        options: [],
      },
    ],
    [
      "a router lifetime over 65535",
      {
        type: 134,
        curHopLimit: 0,
        managed: false,
        otherConfig: false,
        routerLifetime: 65536,
        reachableTime: 0,
        retransTimer: 0,
        options: [],
      },
    ],
    [
      "RA reserved flags over 6 bits",
      {
        type: 134,
        curHopLimit: 0,
        managed: false,
        otherConfig: false,
        reservedFlags: 64,
        routerLifetime: 0,
        reachableTime: 0,
        retransTimer: 0,
        options: [],
      },
    ],
    [
      "a retrans timer over 32 bits",
      {
        type: 134,
        curHopLimit: 0,
        managed: false,
        otherConfig: false,
        routerLifetime: 0,
        reachableTime: 0,
        retransTimer: 2 ** 32,
        options: [],
      },
    ],
  ])("refuses %s as FIELD_OUT_OF_RANGE", (_name, message) => {
    expect(reasonOf(() => encodeNdp(message, pair))).toBe("FIELD_OUT_OF_RANGE");
  });

  it("refuses an unknown message type", () => {
    const bogus = { type: 137, options: [] } as unknown as NdpMessage;
    expect(reasonOf(() => encodeNdp(bogus, pair))).toBe("UNKNOWN_TYPE");
  });
});
