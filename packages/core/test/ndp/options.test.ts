import { describe, expect, it } from "vitest";
import { NdpEncodeError } from "../../src/ndp/errors.js";
import { decodeOptions, encodeOptions, NDP_OPTION_TYPE, type NdpOption } from "../../src/ndp/options.js";
import { fc } from "../support/fc.js";
import { hex, optionArb, plain } from "./arbitraries.js";

describe("options", () => {
  it("round-trip in order, whatever their mix", () => {
    fc.assert(
      fc.property(fc.array(optionArb, { maxLength: 8 }), (options) => {
        expect(plain(decodeOptions(encodeOptions(options)))).toEqual(plain(options));
      }),
    );
  });

  it("encode to whole 8-octet units with the length in byte 1", () => {
    fc.assert(
      fc.property(optionArb, (option) => {
        const bytes = encodeOptions([option]);
        expect(bytes.length % 8).toBe(0);
        expect(bytes[1]).toBe(bytes.length / 8);
      }),
    );
  });

  it("write an Ethernet SLLA as type 1, length 1", () => {
    const mac = Uint8Array.of(0x02, 0x42, 0xac, 0x11, 0x00, 0x02);
    expect(encodeOptions([{ kind: "slla", linkLayerAddress: mac }])).toEqual(hex("0101 0242ac110002"));
    expect(encodeOptions([{ kind: "tlla", linkLayerAddress: mac }])).toEqual(hex("0201 0242ac110002"));
  });

  it("write a 6-byte nonce as type 14, length 1 (RFC 3971 §5.3.2)", () => {
    expect(encodeOptions([{ kind: "nonce", nonce: Uint8Array.of(1, 2, 3, 4, 5, 6) }])).toEqual(
      hex("0e01 010203040506"),
    );
  });

  it("write the MTU in bytes 4-7 after 2 reserved bytes", () => {
    expect(encodeOptions([{ kind: "mtu", mtu: 1500 }])).toEqual(hex("0501 0000 000005dc"));
  });

  it("keep an unknown option as raw type and data", () => {
    expect(decodeOptions(hex("c801 aabbccddeeff"))).toEqual([{ kind: "raw", type: 200, data: hex("aabbccddeeff") }]);
  });

  it("name the type numbers", () => {
    expect(NDP_OPTION_TYPE).toEqual({
      sourceLinkLayerAddress: 1,
      targetLinkLayerAddress: 2,
      prefixInformation: 3,
      mtu: 5,
      nonce: 14,
    });
  });

  it("decode copies, so later changes to the packet buffer do not leak in", () => {
    const bytes = hex("0e01 010203040506");
    const [opt] = decodeOptions(bytes);
    bytes[2] = 0xff;
    expect(opt).toEqual({ kind: "nonce", nonce: Uint8Array.of(1, 2, 3, 4, 5, 6) });
  });

  it.each<[string, NdpOption]>([
    ["a 5-byte link-layer address", { kind: "slla", linkLayerAddress: new Uint8Array(5) }],
    ["a 7-byte link-layer address", { kind: "tlla", linkLayerAddress: new Uint8Array(7) }],
    ["a 4-byte nonce", { kind: "nonce", nonce: new Uint8Array(4) }],
    ["an empty raw option", { kind: "raw", type: 200, data: new Uint8Array(0) }],
    ["a raw option over 255 units", { kind: "raw", type: 200, data: new Uint8Array(256 * 8 - 2) }],
  ])("refuse %s as OPTION_SIZE", (_name, option) => {
    expect(() => encodeOptions([option])).toThrow(expect.objectContaining({ reason: "OPTION_SIZE" }));
    expect(() => encodeOptions([option])).toThrow(NdpEncodeError);
  });

  it.each<[string, NdpOption]>([
    ["a raw type of 256", { kind: "raw", type: 256, data: new Uint8Array(6) }],
    ["an MTU over 32 bits", { kind: "mtu", mtu: 2 ** 32 }],
    ["an MTU reserved over 16 bits", { kind: "mtu", mtu: 1500, reserved: 65536 }],
  ])("refuse %s as FIELD_OUT_OF_RANGE", (_name, option) => {
    expect(() => encodeOptions([option])).toThrow(expect.objectContaining({ reason: "FIELD_OUT_OF_RANGE" }));
  });

  it("accept the largest option, 255 units", () => {
    const data = new Uint8Array(255 * 8 - 2);
    expect(encodeOptions([{ kind: "raw", type: 200, data }])[1]).toBe(255);
  });
});
