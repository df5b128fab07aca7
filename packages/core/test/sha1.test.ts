import { _SHA1 } from "@noble/hashes/legacy.js";
import { describe, expect, it } from "vitest";
import { SHA1_IV, sha1Compress } from "../src/iid/sha1.js";
import { bigEndianWords } from "../src/iid/sha256.js";
import { fc } from "./support/fc.js";

// The linux generator runs own6's SHA-1 compression; these pin it to noble's bit for bit.

class NobleCompression extends _SHA1 {
  state(): number[] {
    return this.get();
  }
  run(state: readonly number[], block: Uint8Array): number[] {
    const [a = 0, b = 0, c = 0, d = 0, e = 0] = state;
    this.set(a, b, c, d, e);
    this.process(new DataView(block.buffer, block.byteOffset, 64), 0);
    return this.get();
  }
}

const words = fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 5, maxLength: 5 });

describe("own6's SHA-1 compression", () => {
  it("starts from noble's initial hash value", () => {
    expect(SHA1_IV.map((w) => w | 0)).toEqual(new NobleCompression().state());
  });

  it("hashes FIPS 180-4's one-block example, abc", () => {
    const block = new Uint8Array(64);
    block.set([0x61, 0x62, 0x63, 0x80]);
    block[63] = 24;
    const digest = sha1Compress(SHA1_IV, bigEndianWords(block)).map((w) => (w >>> 0).toString(16).padStart(8, "0"));
    expect(digest.join("")).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
  });

  it("matches noble's from any midstate for any block, and leaves its inputs as they were", () => {
    fc.assert(
      fc.property(words, fc.uint8Array({ minLength: 64, maxLength: 64 }), (midstate, bytes) => {
        const block = bigEndianWords(bytes);
        const before = Array.from(block);
        expect(sha1Compress(midstate, block)).toEqual(new NobleCompression().run(midstate, bytes));
        expect(Array.from(block)).toEqual(before);
      }),
    );
  });
});
