import { _SHA256, sha256 } from "@noble/hashes/sha2.js";

// HMAC-SHA-256 over noble's own SHA-256 compression, for the rfc7217 generator's hot path. The
// keyed pads are compressed once per key; each message then costs only its own blocks and one
// outer block, with no objects, views or digests allocated per call. noble's HMAC class does the
// same work but allocates and validates on every digest, which was most of an identifier's cost.

const BLOCK = 64;
const IPAD = 0x36;
const OPAD = 0x5c;

class Sha256Compression extends _SHA256 {
  load(state: readonly number[]): void {
    this.set(
      state[0] ?? 0,
      state[1] ?? 0,
      state[2] ?? 0,
      state[3] ?? 0,
      state[4] ?? 0,
      state[5] ?? 0,
      state[6] ?? 0,
      state[7] ?? 0,
    );
  }
  state(): number[] {
    return this.get();
  }
  compress(view: DataView, offset: number): void {
    this.process(view, offset);
  }
}

function padKey(key: Uint8Array, pad: number): Uint8Array {
  const block = new Uint8Array(BLOCK);
  block.set(key.length > BLOCK ? sha256(key) : key);
  for (let i = 0; i < BLOCK; i++) block[i] = (block[i] ?? 0) ^ pad;
  return block;
}

/** HMAC-SHA-256 keyed with `key`, returning the last 8 bytes of the MAC (what an IID needs). */
export function hmacSha256Tail(key: Uint8Array): (message: Uint8Array) => Uint8Array {
  const core = new Sha256Compression();
  const iv = core.state();
  const keyed = (pad: number) => {
    core.load(iv);
    const block = padKey(key, pad);
    core.compress(new DataView(block.buffer), 0);
    return core.state();
  };
  const inner = keyed(IPAD);
  const outer = keyed(OPAD);
  let buffer = new Uint8Array(4 * BLOCK);
  let view = new DataView(buffer.buffer);
  const outerBlock = new Uint8Array(BLOCK);
  const outerView = new DataView(outerBlock.buffer);
  outerBlock[32] = 0x80;
  outerView.setUint32(BLOCK - 4, (BLOCK + 32) * 8);
  const tail = new Uint8Array(8);
  const tailView = new DataView(tail.buffer);
  return (message) => {
    const blocks = Math.ceil((message.length + 9) / BLOCK);
    if (blocks * BLOCK > buffer.length) {
      buffer = new Uint8Array(blocks * BLOCK);
      view = new DataView(buffer.buffer);
    }
    buffer.fill(0, 0, blocks * BLOCK);
    buffer.set(message);
    buffer[message.length] = 0x80;
    // The key block came first, so the inner hash covers BLOCK + message.length bytes.
    const bits = (BLOCK + message.length) * 8;
    view.setUint32(blocks * BLOCK - 8, Math.floor(bits / 2 ** 32));
    view.setUint32(blocks * BLOCK - 4, bits >>> 0);
    core.load(inner);
    for (let b = 0; b < blocks; b++) core.compress(view, b * BLOCK);
    const innerDigest = core.state();
    for (let i = 0; i < 8; i++) outerView.setUint32(i * 4, (innerDigest[i] ?? 0) >>> 0);
    core.load(outer);
    core.compress(outerView, 0);
    const mac = core.state();
    tailView.setUint32(0, (mac[6] ?? 0) >>> 0);
    tailView.setUint32(4, (mac[7] ?? 0) >>> 0);
    return tail;
  };
}
