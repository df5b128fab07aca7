// Shared fast-check arbitraries and helpers for the NDP tests.

import { Address } from "../../src/address.js";
import { toHex } from "../../src/bytes.js";
import type { AddressPair } from "../../src/ndp/checksum.js";
import type { NdpMessage } from "../../src/ndp/messages.js";
import type { NdpOption } from "../../src/ndp/options.js";
import type { Pio } from "../../src/ndp/pio.js";
import { fc } from "../support/fc.js";

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

export const addressArb: fc.Arbitrary<Address> = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .map((b) => Address.fromBytes(b));

export const pairArb: fc.Arbitrary<AddressPair> = fc.record({ source: addressArb, destination: addressArb });

/** Option data that fills whole 8-octet units once the 2-byte header is added. */
function unitData(maxUnits = 3): fc.Arbitrary<Uint8Array> {
  return fc
    .integer({ min: 1, max: maxUnits })
    .chain((u) => fc.uint8Array({ minLength: u * 8 - 2, maxLength: u * 8 - 2 }));
}

export const pioArb: fc.Arbitrary<Pio> = fc.record({
  prefixLength: fc.integer({ min: 0, max: 128 }),
  onLink: fc.boolean(),
  autonomous: fc.boolean(),
  routerAddress: fc.boolean(),
  pdPreferred: fc.boolean(),
  reservedFlags: fc.integer({ min: 0, max: 15 }),
  validLifetime: u32,
  preferredLifetime: u32,
  reserved2: u32,
  prefix: addressArb,
});

const KNOWN_TYPES = new Set([1, 2, 3, 5, 14]);

export const optionArb: fc.Arbitrary<NdpOption> = fc.oneof(
  fc.record({ kind: fc.constant("slla"), linkLayerAddress: unitData() }),
  fc.record({ kind: fc.constant("tlla"), linkLayerAddress: unitData() }),
  pioArb.map((p) => ({ kind: "pio" as const, ...p })),
  fc.record({ kind: fc.constant("mtu"), mtu: u32, reserved: u16 }),
  fc.record({ kind: fc.constant("nonce"), nonce: unitData() }),
  fc.record({ kind: fc.constant("raw"), type: u8.filter((t) => !KNOWN_TYPES.has(t)), data: unitData() }),
);

const optionsArb = fc.array(optionArb, { maxLength: 5 });

/** Every message field set, reserved ones included, so that decode(encode(m)) must equal m. */
export const messageArb: fc.Arbitrary<NdpMessage> = fc.oneof(
  fc.record({ type: fc.constant(133), code: u8, reserved: u32, options: optionsArb }),
  fc.record({
    type: fc.constant(134),
    code: u8,
    curHopLimit: u8,
    managed: fc.boolean(),
    otherConfig: fc.boolean(),
    reservedFlags: fc.integer({ min: 0, max: 0x3f }),
    routerLifetime: u16,
    reachableTime: u32,
    retransTimer: u32,
    options: optionsArb,
  }),
  fc.record({ type: fc.constant(135), code: u8, reserved: u32, target: addressArb, options: optionsArb }),
  fc.record({
    type: fc.constant(136),
    code: u8,
    router: fc.boolean(),
    solicited: fc.boolean(),
    override: fc.boolean(),
    reserved: fc.integer({ min: 0, max: 0x1fffffff }),
    target: addressArb,
    options: optionsArb,
  }),
);

/** A structural copy with addresses as text and bytes as hex, so toEqual compares real content. */
export function plain(value: unknown): unknown {
  if (value instanceof Address) return value.toString();
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** Bytes from lowercase hex; fails the test on bad input. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export const addr = (text: string): Address => Address.parse(text);
