import { hmac } from "@noble/hashes/hmac.js";
import { _SHA256, sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { hmacSha256Words, sha256PaddedLength } from "../src/iid/hmac-sha256.js";
import { bigEndianWords, SHA256_IV, sha256Compress } from "../src/iid/sha256.js";
import { fc } from "./support/fc.js";

// own6 runs its own SHA-256 compression on the rfc7217 hot path; these pin it, and the HMAC
// built on it, to noble's bit for bit.

class NobleCompression extends _SHA256 {
  state(): number[] {
    return this.get();
  }
  run(state: Int32Array, block: DataView, offset: number): Int32Array {
    this.set(...(Array.from(state) as [number, number, number, number, number, number, number, number]));
    this.process(block, offset);
    return Int32Array.from(this.get());
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const words = fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 8, maxLength: 8 });

describe("own6's SHA-256 compression", () => {
  it("starts from noble's initial hash value", () => {
    expect(Array.from(SHA256_IV)).toEqual(new NobleCompression().state().map((w) => w | 0));
  });

  it("hashes FIPS 180-4's one-block example, abc", () => {
    const block = new Uint8Array(64);
    block.set([0x61, 0x62, 0x63, 0x80]);
    block[63] = 24;
    const state = SHA256_IV.slice();
    sha256Compress(state, state, bigEndianWords(block), 0);
    const digest = new DataView(new ArrayBuffer(32));
    for (const [i, w] of state.entries()) digest.setInt32(4 * i, w);
    expect(hex(new Uint8Array(digest.buffer))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("matches noble's from any midstate, for any block at any offset, in place or not", () => {
    fc.assert(
      fc.property(words, fc.uint8Array({ minLength: 64, maxLength: 200 }), fc.nat(), (midstate, bytes, at) => {
        const offset = at % ((bytes.length >> 2) - 15);
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
        const from = Int32Array.from(midstate);
        const expected = new NobleCompression().run(from, view, 4 * offset);
        const to = new Int32Array(8);
        const block = bigEndianWords(bytes);
        sha256Compress(to, from, block, offset);
        expect(Array.from(to)).toEqual(Array.from(expected));
        sha256Compress(from, from, block, offset);
        expect(Array.from(from)).toEqual(Array.from(expected));
      }),
    );
  });
});

describe("HMAC-SHA-256 on it", () => {
  it("gives noble's HMAC for any key and message, across block boundaries", () => {
    const key = fc.uint8Array({ maxLength: 150 });
    const message = fc.uint8Array({ maxLength: 300 });
    fc.assert(
      fc.property(key, message, fc.uint8Array({ minLength: 200, maxLength: 200 }), (k, m, junk) => {
        // Stale bytes after the message, as a reused buffer holds, must not leak into the MAC.
        const buffer = new Uint8Array(sha256PaddedLength(m.length));
        buffer.set(junk.subarray(0, buffer.length));
        buffer.set(m);
        const mac = hmacSha256Words(k)(bigEndianWords(buffer), m.length);
        expect(Array.from(mac)).toEqual(Array.from(bigEndianWords(hmac(sha256, k, m))));
      }),
    );
  });

  it("pads 55 bytes into one block and 56 into two", () => {
    expect(sha256PaddedLength(0)).toBe(64);
    expect(sha256PaddedLength(55)).toBe(64);
    expect(sha256PaddedLength(56)).toBe(128);
    expect(sha256PaddedLength(119)).toBe(128);
    expect(sha256PaddedLength(120)).toBe(192);
  });
});
