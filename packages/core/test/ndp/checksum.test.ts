import { describe, expect, it } from "vitest";
import { Address } from "../../src/address.js";
import { icmpv6Checksum, verifyIcmpv6Checksum } from "../../src/ndp/checksum.js";
import { decodeNdp, encodeNdp } from "../../src/ndp/codec.js";
import { NdpDecodeError } from "../../src/ndp/errors.js";
import type { NeighborAdvertisement, NeighborSolicitation } from "../../src/ndp/messages.js";
import { fc } from "../support/fc.js";
import { addr, hex, messageArb, pairArb, plain } from "./arbitraries.js";

// Expected bytes computed once, independently of this codec, with Python 3 (struct.pack for the
// fields, socket.inet_pton for the addresses, a textbook RFC 1071 sum over pseudo-header + message):
//   ph = inet_pton(src) + inet_pton(dst) + struct.pack("!I3xB", len(msg), 58)
//   s = sum(struct.unpack("!%dH" % (len(ph + msg) // 2), ph + msg)); fold; ~s & 0xffff
const DAD_NS_HEX = "870035d6 00000000 20010db8000000000000000000000002 0e01010203040506";
const DAD_NA_HEX = "8800f927 20000000 20010db8000000000000000000000002 0201020000000002";

const dadNs: NeighborSolicitation = {
  type: 135,
  target: addr("2001:db8::2"),
  options: [{ kind: "nonce", nonce: Uint8Array.of(1, 2, 3, 4, 5, 6) }],
};
const dadPair = { source: addr("::"), destination: addr("ff02::1:ff00:2") };

// The defender's answer to a DAD probe: S=0, O=1, to all-nodes (RFC 4861 §7.2.4).
const dadNa: NeighborAdvertisement = {
  type: 136,
  router: false,
  solicited: false,
  override: true,
  target: addr("2001:db8::2"),
  options: [{ kind: "tlla", linkLayerAddress: Uint8Array.of(2, 0, 0, 0, 0, 2) }],
};
const naPair = { source: addr("2001:db8::2"), destination: addr("ff02::1") };

describe("ICMPv6 checksum, known answers", () => {
  it("encodes a DAD NS with a nonce to the independently computed bytes (checksum 0x35d6)", () => {
    expect(encodeNdp(dadNs, dadPair)).toEqual(hex(DAD_NS_HEX));
    expect(icmpv6Checksum(hex(DAD_NS_HEX), dadPair)).toBe(0x35d6);
  });

  it("encodes an NA answering DAD to the independently computed bytes (checksum 0xf927)", () => {
    expect(encodeNdp(dadNa, naPair)).toEqual(hex(DAD_NA_HEX));
    expect(icmpv6Checksum(hex(DAD_NA_HEX), naPair)).toBe(0xf927);
  });

  it("decodes the known bytes back, checksum verified", () => {
    expect(plain(decodeNdp(hex(DAD_NS_HEX), dadPair))).toEqual(plain({ ...dadNs, code: 0, reserved: 0 }));
    expect(plain(decodeNdp(hex(DAD_NA_HEX), naPair))).toEqual(plain({ ...dadNa, code: 0, reserved: 0 }));
  });

  it("rejects the known NS checked against another destination", () => {
    expect(verifyIcmpv6Checksum(hex(DAD_NS_HEX), { ...dadPair, destination: addr("ff02::1:ff00:3") })).toBe(false);
  });

  it("ignores whatever bytes 2-3 hold when computing", () => {
    const bytes = hex(DAD_NS_HEX);
    bytes[2] = 0xaa;
    bytes[3] = 0x55;
    expect(icmpv6Checksum(bytes, dadPair)).toBe(0x35d6);
  });

  it("pads an odd-length message with a zero byte", () => {
    const even = Uint8Array.of(1, 0, 0, 0, 7, 0);
    const odd = Uint8Array.of(1, 0, 0, 0, 7);
    // Same words once padded; only the length in the pseudo-header differs (6 vs 5).
    expect(icmpv6Checksum(odd, dadPair)).toBe((icmpv6Checksum(even, dadPair) + 1) & 0xffff);
  });
});

describe("ICMPv6 checksum, properties", () => {
  it("every encoded message verifies against its own addresses", () => {
    fc.assert(fc.property(messageArb, pairArb, (m, pair) => verifyIcmpv6Checksum(encodeNdp(m, pair), pair)));
  });

  it("flipping bits in any one byte of the message fails verification and decoding", () => {
    const arb = fc.tuple(messageArb, pairArb).chain(([m, pair]) => {
      const bytes = encodeNdp(m, pair);
      return fc.tuple(
        fc.constant(bytes),
        fc.constant(pair),
        fc.nat(bytes.length - 1),
        fc.integer({ min: 1, max: 255 }),
      );
    });
    fc.assert(
      fc.property(arb, ([bytes, pair, index, mask]) => {
        const flipped = Uint8Array.from(bytes);
        flipped[index] = (flipped[index] ?? 0) ^ mask;
        expect(verifyIcmpv6Checksum(flipped, pair)).toBe(false);
        expect(() => decodeNdp(flipped, pair)).toThrow(expect.objectContaining({ reason: "BAD_CHECKSUM" }));
      }),
    );
  });

  it("flipping bits in any one byte of the source or destination fails verification", () => {
    fc.assert(
      fc.property(
        messageArb,
        pairArb,
        fc.boolean(),
        fc.nat(15),
        fc.integer({ min: 1, max: 255 }),
        (m, pair, inSource, index, mask) => {
          const bytes = encodeNdp(m, pair);
          const raw = (inSource ? pair.source : pair.destination).toBytes();
          raw[index] = (raw[index] ?? 0) ^ mask;
          const changed = inSource
            ? { ...pair, source: Address.fromBytes(raw) }
            : { ...pair, destination: Address.fromBytes(raw) };
          expect(verifyIcmpv6Checksum(bytes, changed)).toBe(false);
          expect(() => decodeNdp(bytes, changed)).toThrow(NdpDecodeError);
        },
      ),
    );
  });
});
