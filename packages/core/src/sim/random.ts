import type { RandomBytes } from "../iid/random.js";

/**
 * A small seeded generator (sfc32, seeded through splitmix32) for simulations: the same seed gives
 * the same stream on every platform. Not for secrets.
 *
 * @example
 * ```ts
 * const random = new SeededRandom(42);
 * random.chance(0.1); // the same answer for seed 42, every run
 * ```
 */
export class SeededRandom {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const mix = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let t = s ^ (s >>> 16);
      t = Math.imul(t, 0x21f0aaad);
      t ^= t >>> 15;
      t = Math.imul(t, 0x735a2d97);
      return (t ^ (t >>> 15)) >>> 0;
    };
    this.#a = mix();
    this.#b = mix();
    this.#c = mix();
    this.#d = mix();
  }

  /**
   * The next 32 random bits as an unsigned integer.
   *
   * @example
   * ```ts
   * new SeededRandom(1).u32() < 2 ** 32; // true
   * ```
   */
  u32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (((this.#c << 21) | (this.#c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /**
   * A float in [0, 1).
   *
   * @example
   * ```ts
   * const x = random.float();
   * ```
   */
  float(): number {
    return this.u32() / 2 ** 32;
  }

  /**
   * An integer in [min, max], both included.
   *
   * @example
   * ```ts
   * random.between(1, 6); // a die
   * ```
   */
  between(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /**
   * True with probability `p`.
   *
   * @example
   * ```ts
   * if (random.chance(0.3)) dropPacket();
   * ```
   */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /**
   * `n` random bytes.
   *
   * @example
   * ```ts
   * random.bytes(6).length; // 6
   * ```
   */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const word = this.u32();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
    }
    return out;
  }

  /**
   * This generator as the {@link RandomBytes} function the DAD driver takes.
   *
   * @example
   * ```ts
   * startDad({ target, probe, clock, random: new SeededRandom(7).asRandomBytes() });
   * ```
   */
  asRandomBytes(): RandomBytes {
    return (n) => this.bytes(n);
  }

  /**
   * An independent generator seeded from this one, so that adding draws to one stream does not
   * shift another.
   *
   * @example
   * ```ts
   * const perNode = link.random.fork();
   * ```
   */
  fork(): SeededRandom {
    return new SeededRandom(this.u32());
  }
}
