import { describe, expect, it } from "vitest";
import type { Address } from "../../src/address.js";
import { icmpv6Checksum } from "../../src/ndp/checksum.js";
import { encodeNdp } from "../../src/ndp/codec.js";
import type {
  NdpMessage,
  NeighborAdvertisement,
  NeighborSolicitation,
  RouterAdvertisement,
  RouterSolicitation,
} from "../../src/ndp/messages.js";
import type { NdpOption } from "../../src/ndp/options.js";
import { type IpContext, validateNdp } from "../../src/ndp/validate.js";
import { fc } from "../support/fc.js";
import { addr, hex, messageArb, pairArb } from "./arbitraries.js";

const slla: NdpOption = { kind: "slla", linkLayerAddress: Uint8Array.of(2, 0, 0, 0, 0, 1) };
const nonce: NdpOption = { kind: "nonce", nonce: Uint8Array.of(1, 2, 3, 4, 5, 6) };
const target = addr("2001:db8::2");

const dadIp: IpContext = { source: addr("::"), destination: addr("ff02::1:ff00:2"), hopLimit: 255 };
const dadNs: NeighborSolicitation = { type: 135, target, options: [nonce] };
const na: NeighborAdvertisement = { type: 136, router: false, solicited: false, override: true, target, options: [] };
const naIp: IpContext = { source: target, destination: addr("ff02::1"), hopLimit: 255 };
const rs: RouterSolicitation = { type: 133, options: [] };
const rsIp: IpContext = { source: addr("::"), destination: addr("ff02::2"), hopLimit: 255 };
const ra: RouterAdvertisement = {
  type: 134,
  curHopLimit: 64,
  managed: false,
  otherConfig: false,
  routerLifetime: 1800,
  reachableTime: 0,
  retransTimer: 0,
  options: [],
};
const raIp: IpContext = { source: addr("fe80::1"), destination: addr("ff02::1"), hopLimit: 255 };

/** The reason, checked both on the value and on its encoding, which must agree. */
function reason(message: NdpMessage, ip: IpContext): string | undefined {
  const fromValue = validateNdp(message, ip);
  const fromBytes = validateNdp(encodeNdp(message, ip), ip);
  expect(fromBytes.valid).toBe(fromValue.valid);
  if (!fromValue.valid && !fromBytes.valid) expect(fromBytes.reason).toBe(fromValue.reason);
  return fromValue.valid ? undefined : fromValue.reason;
}

/** Bytes with a correct checksum for `ip`, so that only the rule under test can fail. */
function checksummed(text: string, ip: IpContext): Uint8Array {
  const bytes = hex(text);
  new DataView(bytes.buffer).setUint16(2, icmpv6Checksum(bytes, ip));
  return bytes;
}

function bytesReason(bytes: Uint8Array, ip: IpContext): string | undefined {
  const v = validateNdp(bytes, ip);
  return v.valid ? undefined : v.reason;
}

const withSource = (ip: IpContext, source: Address): IpContext => ({ ...ip, source });
const withDestination = (ip: IpContext, destination: Address): IpContext => ({ ...ip, destination });

describe("validateNdp, rules common to all four messages", () => {
  it.each<[string, NdpMessage, IpContext]>([
    ["NS", dadNs, dadIp],
    ["NA", na, naIp],
    ["RS", rs, rsIp],
    ["RA", ra, raIp],
  ])("%s: passes with hop limit 255 and code 0, fails otherwise", (_name, message, ip) => {
    expect(reason(message, ip)).toBeUndefined();
    expect(reason(message, { ...ip, hopLimit: 254 })).toBe("HOP_LIMIT_NOT_255");
    expect(reason(message, { ...ip, hopLimit: 1 })).toBe("HOP_LIMIT_NOT_255");
    expect(reason({ ...message, code: 1 }, ip)).toBe("CODE_NOT_ZERO");
  });

  it("returns the decoded message when bytes are valid", () => {
    const v = validateNdp(encodeNdp(dadNs, dadIp), dadIp);
    expect(v.valid && v.message.type === 135 && v.message.target.equals(target)).toBe(true);
  });

  it("fails bytes with a wrong checksum", () => {
    const bytes = encodeNdp(dadNs, dadIp);
    expect(bytesReason(bytes, dadIp)).toBeUndefined();
    expect(bytesReason(bytes, withDestination(dadIp, addr("ff02::1:ff00:3")))).toBe("BAD_CHECKSUM");
  });

  it.each([
    ["NS", 24, "87000000 00000000 20010db8000000000000000000000002"],
    ["NA", 24, "88000000 00000000 20010db8000000000000000000000002"],
    ["RA", 16, "86000000 40000708 00000000 00000000"],
    ["RS", 8, "85000000 00000000"],
  ])("%s: passes at %i bytes, fails one byte shorter as TOO_SHORT", (_name, size, text) => {
    const ip = text.startsWith("86") ? raIp : { ...naIp, destination: addr("2001:db8::1") };
    const full = checksummed(text, ip);
    expect(full.length).toBe(size);
    expect(bytesReason(full, ip)).toBeUndefined();
    const short = checksummed(text.replace(/\s/g, "").slice(0, 2 * (size - 1)), ip);
    expect(bytesReason(short, ip)).toBe("TOO_SHORT");
  });

  it("fails an option of length 0, passes one of length 1", () => {
    const ns = "87000000 00000000 20010db8000000000000000000000002";
    expect(bytesReason(checksummed(`${ns} 0e01 010203040506`, dadIp), dadIp)).toBeUndefined();
    expect(bytesReason(checksummed(`${ns} 0e00 010203040506`, dadIp), dadIp)).toBe("OPTION_LENGTH_ZERO");
  });

  it("ignores unknown options", () => {
    const unknown: NdpOption = { kind: "raw", type: 200, data: new Uint8Array(6) };
    expect(reason({ ...dadNs, options: [unknown, nonce] }, dadIp)).toBeUndefined();
    expect(reason({ ...ra, options: [unknown] }, raIp)).toBeUndefined();
  });

  it("never throws, whatever the bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), pairArb, fc.nat(255), (bytes, pair, hopLimit) => {
        expect(typeof validateNdp(bytes, { ...pair, hopLimit }).valid).toBe("boolean");
      }),
    );
  });

  it("agrees between a message and its encoding", () => {
    fc.assert(
      fc.property(messageArb, pairArb, (m, pair) => {
        reason(m, { ...pair, hopLimit: 255 });
      }),
    );
  });
});

describe("validateNdp, Neighbor Solicitation (RFC 4861 §7.1.1)", () => {
  it("fails a multicast target", () => {
    expect(reason({ ...dadNs, target: addr("ff02::1") }, dadIp)).toBe("TARGET_MULTICAST");
  });

  it("passes a DAD probe (source ::) to a solicited-node group, fails one to another destination", () => {
    expect(reason(dadNs, dadIp)).toBeUndefined();
    expect(reason(dadNs, withDestination(dadIp, addr("ff02::1")))).toBe("UNSPECIFIED_SOURCE_NOT_TO_SOLICITED_NODE");
    expect(reason(dadNs, withDestination(dadIp, target))).toBe("UNSPECIFIED_SOURCE_NOT_TO_SOLICITED_NODE");
  });

  it("fails a DAD probe carrying an SLLA option", () => {
    expect(reason({ ...dadNs, options: [nonce, slla] }, dadIp)).toBe("UNSPECIFIED_SOURCE_WITH_SLLA");
  });

  it("passes address resolution from a unicast source, with an SLLA, to any destination", () => {
    const ip = withSource(dadIp, addr("2001:db8::1"));
    expect(reason({ ...dadNs, options: [slla] }, ip)).toBeUndefined();
    expect(reason({ ...dadNs, options: [slla] }, withDestination(ip, target))).toBeUndefined();
  });
});

describe("validateNdp, Neighbor Advertisement (RFC 4861 §7.1.2)", () => {
  it("fails a multicast target", () => {
    expect(reason({ ...na, target: addr("ff02::1:ff00:2") }, naIp)).toBe("TARGET_MULTICAST");
  });

  it("fails S=1 to a multicast destination, passes S=0 there and S=1 to unicast", () => {
    expect(reason({ ...na, solicited: true }, naIp)).toBe("SOLICITED_FLAG_TO_MULTICAST");
    expect(reason(na, naIp)).toBeUndefined();
    expect(reason({ ...na, solicited: true }, withDestination(naIp, addr("2001:db8::1")))).toBeUndefined();
  });
});

describe("validateNdp, Router Solicitation (RFC 4861 §6.1.1)", () => {
  it("fails an SLLA from ::, passes it from a real source and passes :: without it", () => {
    expect(reason(rs, rsIp)).toBeUndefined();
    expect(reason({ ...rs, options: [slla] }, rsIp)).toBe("UNSPECIFIED_SOURCE_WITH_SLLA");
    expect(reason({ ...rs, options: [slla] }, withSource(rsIp, addr("fe80::2")))).toBeUndefined();
  });
});

describe("validateNdp, Router Advertisement (RFC 4861 §6.1.2)", () => {
  it("passes a link-local source, fails a global or unspecified one", () => {
    expect(reason(ra, raIp)).toBeUndefined();
    expect(reason(ra, withSource(raIp, addr("2001:db8::1")))).toBe("SOURCE_NOT_LINK_LOCAL");
    expect(reason(ra, withSource(raIp, addr("::")))).toBe("SOURCE_NOT_LINK_LOCAL");
  });
});
