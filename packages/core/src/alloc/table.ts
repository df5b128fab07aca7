import { utf8ToBytes } from "@noble/hashes/utils.js";
import { LeaseTableLimitError } from "./errors.js";

// Layout (rfc.md §11): a lease is a row in struct-of-arrays typed columns, and two open-addressing
// indexes (linear probing, backward-shift deletion, so no tombstones) map an address and an
// owner to its row. Keys are compared in the columns, so an index slot is just `row + 1`.
// Owners live as UTF-8 in 1 MiB arena chunks, outside the garbage-collected heap. At a million
// leases that is about 46 bytes a lease (28 in the columns, 2 x 4 in indexes kept at most 70 %
// full, both sized in powers of two) plus the owner's bytes and one; a Map of lease objects
// takes about 370 (bench/alloc.bench.ts measures both).

/** How many prefix slots a table can tell apart (12 bits of the meta word). */
export const TABLE_MAX_PREFIXES = 4096;
/** How many distinct tags a table can hold (11 bits of the meta word). */
export const TABLE_MAX_TAGS = 2048;
/** The longest owner a table stores, in UTF-8 bytes (a two-byte length prefix). */
export const TABLE_MAX_OWNER_BYTES = 0x3fff;
/** Returned by {@link LeaseTable.insert} when another row holds the address. */
export const TABLE_ADDRESS_TAKEN = -1;

const CHUNK_BITS = 20;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const OFFSET_MASK = CHUNK_SIZE - 1;
// Chunk 4095 is never used, so no owner reference can equal FREE.
const MAX_CHUNKS = 4095;
const FREE = 0xffffffff;
const MAX_LOAD = 0.7;
const INITIAL_ROWS = 1024;
const EMPTY = new Uint8Array(0);

// The meta word: prefix slot (bits 0-11), DAD counter (12-19), tentative (20), tag (21-31).
const SLOT_MASK = 0xfff;
const COUNTER_SHIFT = 12;
const TENTATIVE = 1 << 20;
const TAG_SHIFT = 21;

// Until-times are stored as whole seconds after the table's epoch (Uint32, so 136 years) plus
// the milliseconds (10 bits each, both in one Uint32): 12 bytes for two times instead of 16.
const FOREVER = 0xffffffff;
const MAX_FINITE_MS = (FOREVER - 1) * 1000;

/**
 * One lease as a {@link LeaseTable} stores it. The table knows nothing of prefixes or
 * algorithms: `prefixSlot` and `tag` are small numbers its user maps to them.
 *
 * @example
 * ```ts
 * const row: LeaseRow = { owner: "ctr-1/eth0", prefixSlot: 0, iidHi: 0x1234, iidLo: 0x5678,
 *   dadCounter: 0, tag: 0, tentative: false, preferredUntil: Infinity, validUntil: Infinity };
 * ```
 */
export interface LeaseRow {
  /** The lease holder; one row per (owner, prefixSlot). */
  readonly owner: string;
  /** 0 to {@link TABLE_MAX_PREFIXES} - 1. */
  readonly prefixSlot: number;
  /** The high 32 bits of the interface identifier. */
  readonly iidHi: number;
  /** The low 32 bits of the interface identifier. */
  readonly iidLo: number;
  /** 0 to 255. */
  readonly dadCounter: number;
  /** 0 to {@link TABLE_MAX_TAGS} - 1; the allocator keeps (algorithm, networkId) here. */
  readonly tag: number;
  /** Claimed while DAD runs, not yet handed out. */
  readonly tentative: boolean;
  /** When the lease stops being preferred, in clock milliseconds (kept to the ms, rounded up). */
  readonly preferredUntil: number;
  /** When the lease stops being valid, in clock milliseconds; Infinity for never. */
  readonly validUntil: number;
}

/**
 * A compact in-memory lease table: about 46 bytes a lease plus the owner's UTF-8 bytes, with
 * lookups by address (prefix slot and 64-bit identifier) and by (owner, prefix slot) in a few
 * tens of nanoseconds. Rows are addressed by a handle (a small integer) that stays valid until
 * the row is removed. Synchronous and single-threaded: claim and check happen in one call.
 *
 * @example
 * ```ts
 * const table = new LeaseTable();
 * const h = table.insert(row);          // or TABLE_ADDRESS_TAKEN
 * table.findAddress(0, row.iidHi, row.iidLo) === h; // true
 * table.findOwner("ctr-1/eth0", 0) === h;          // true
 * table.remove(h);
 * ```
 */
export class LeaseTable {
  readonly #epoch: number;
  #rows = INITIAL_ROWS;
  #used = 0;
  #size = 0;
  #freeHead = 0; // row + 1 of the first free row; the chain runs through #lo
  #hi: Uint32Array = new Uint32Array(INITIAL_ROWS);
  #lo: Uint32Array = new Uint32Array(INITIAL_ROWS);
  #meta: Uint32Array = new Uint32Array(INITIAL_ROWS);
  #ownerRef: Uint32Array = new Uint32Array(INITIAL_ROWS);
  #seconds: Uint32Array = new Uint32Array(INITIAL_ROWS * 2);
  #millis: Uint32Array = new Uint32Array(INITIAL_ROWS);
  #byAddress: Uint32Array = new Uint32Array(INITIAL_ROWS * 2);
  #byOwner: Uint32Array = new Uint32Array(INITIAL_ROWS * 2);
  #chunks: Uint8Array[] = [new Uint8Array(CHUNK_SIZE)];
  #chunkUsed = 0;
  #garbage = 0;
  #scratch: Uint8Array = new Uint8Array(256);

  /**
   * @param epoch The clock reading until-times are stored relative to (the allocator's first
   *   `now()`); times before it read back as the epoch.
   */
  constructor(epoch = 0) {
    this.#epoch = epoch;
  }

  /**
   * How many rows the table holds, tentative ones included.
   *
   * @example
   * ```ts
   * new LeaseTable().size; // 0
   * ```
   */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds a row and returns its handle, or {@link TABLE_ADDRESS_TAKEN} when another row holds the
   * same address (prefix slot and identifier); checking and claiming are one step.
   *
   * @throws {@link LeaseTableLimitError} when a field is out of range or the owner already has a
   * row in this prefix slot (remove it first).
   * @example
   * ```ts
   * if (table.insert(row) === TABLE_ADDRESS_TAKEN) tryNextCandidate();
   * ```
   */
  insert(row: LeaseRow): number {
    checkRow(row);
    const bytes = this.#encode(row.owner);
    if (this.#size + 1 > this.#byAddress.length * MAX_LOAD) this.#growIndexes();
    const addressPos = this.#addressPosition(row.prefixSlot, row.iidHi >>> 0, row.iidLo >>> 0);
    if (addressPos < 0) return TABLE_ADDRESS_TAKEN;
    const ownerPos = this.#ownerPosition(bytes, row.prefixSlot);
    if (ownerPos < 0) throw new LeaseTableLimitError(`owner ${JSON.stringify(row.owner)} already has a row here`);
    const handle = this.#newRow();
    this.#hi[handle] = row.iidHi;
    this.#lo[handle] = row.iidLo;
    this.#meta[handle] = packMeta(row);
    this.#ownerRef[handle] = this.#storeOwner(bytes);
    this.#setUntil(handle, row.preferredUntil, row.validUntil);
    this.#byAddress[addressPos] = handle + 1;
    this.#byOwner[ownerPos] = handle + 1;
    this.#size++;
    return handle;
  }

  /**
   * The handle of the row holding this address, or -1.
   *
   * @example
   * ```ts
   * table.findAddress(0, 0x12345678, 0x9abcdef0); // -1 when free
   * ```
   */
  findAddress(prefixSlot: number, iidHi: number, iidLo: number): number {
    const pos = this.#addressPosition(prefixSlot, iidHi >>> 0, iidLo >>> 0);
    return pos < 0 ? -pos - 2 : -1;
  }

  /**
   * The handle of `owner`'s row in `prefixSlot`, or -1.
   *
   * @example
   * ```ts
   * table.findOwner("ctr-1/eth0", 0);
   * ```
   */
  findOwner(owner: string, prefixSlot: number): number {
    const pos = this.#ownerPosition(this.#encode(owner), prefixSlot);
    return pos < 0 ? -pos - 2 : -1;
  }

  /**
   * Removes a row; its handle may be reused by a later insert.
   *
   * @example
   * ```ts
   * table.remove(table.findOwner("ctr-1/eth0", 0));
   * ```
   */
  remove(handle: number): void {
    this.#checkHandle(handle);
    const slot = this.prefixSlot(handle);
    this.#unindex(this.#byAddress, handle, (h) => iidHash(this.#hi[h] ?? 0, this.#lo[h] ?? 0, slot));
    this.#unindex(this.#byOwner, handle, (h) => this.#ownerHash(h));
    this.#garbage += this.#ownerEntrySize(handle);
    this.#ownerRef[handle] = FREE;
    this.#lo[handle] = this.#freeHead;
    this.#freeHead = handle + 1;
    this.#size--;
    if (this.#garbage > CHUNK_SIZE && this.#garbage > this.#arenaBytes() / 2) this.#compact();
  }

  /**
   * Marks a tentative row as handed out and sets its until-times.
   *
   * @example
   * ```ts
   * table.bind(h, now + 7 * 86_400_000, now + 30 * 86_400_000);
   * ```
   */
  bind(handle: number, preferredUntil: number, validUntil: number): void {
    this.#checkHandle(handle);
    this.#meta[handle] = (this.#meta[handle] ?? 0) & ~TENTATIVE;
    this.#setUntil(handle, preferredUntil, validUntil);
  }

  /**
   * The live handles in row order (a snapshot: removing rows while iterating is safe).
   *
   * @example
   * ```ts
   * for (const h of table.handles()) console.log(table.owner(h));
   * ```
   */
  handles(): number[] {
    const out: number[] = [];
    for (let h = 0; h < this.#used; h++) if (this.#ownerRef[h] !== FREE) out.push(h);
    return out;
  }

  /**
   * The row's owner.
   *
   * @example
   * ```ts
   * table.owner(h); // "ctr-1/eth0"
   * ```
   */
  owner(handle: number): string {
    this.#checkHandle(handle);
    const ref = this.#ownerRef[handle] ?? 0;
    const chunk = this.#chunks[ref >>> CHUNK_BITS] ?? EMPTY;
    const at = ref & OFFSET_MASK;
    const length = entryLength(chunk, at);
    return decodeUtf8(chunk.subarray(at + headerSize(length), at + headerSize(length) + length));
  }

  /**
   * The row as a plain object.
   *
   * @example
   * ```ts
   * table.row(h).dadCounter; // 0
   * ```
   */
  row(handle: number): LeaseRow {
    this.#checkHandle(handle);
    const meta = this.#meta[handle] ?? 0;
    return {
      owner: this.owner(handle),
      prefixSlot: meta & SLOT_MASK,
      iidHi: this.#hi[handle] ?? 0,
      iidLo: this.#lo[handle] ?? 0,
      dadCounter: (meta >>> COUNTER_SHIFT) & 0xff,
      tag: meta >>> TAG_SHIFT,
      tentative: (meta & TENTATIVE) !== 0,
      preferredUntil: this.#until(handle, 0),
      validUntil: this.#until(handle, 1),
    };
  }

  /**
   * The row's prefix slot, without building the whole row.
   *
   * @example
   * ```ts
   * table.prefixSlot(h); // 0
   * ```
   */
  prefixSlot(handle: number): number {
    return (this.#meta[handle] ?? 0) & SLOT_MASK;
  }

  /**
   * Whether the row is still tentative, without building the whole row.
   *
   * @example
   * ```ts
   * table.isTentative(h); // true while DAD runs
   * ```
   */
  isTentative(handle: number): boolean {
    return ((this.#meta[handle] ?? 0) & TENTATIVE) !== 0;
  }

  /**
   * When the row stops being valid, without building the whole row.
   *
   * @example
   * ```ts
   * table.validUntil(h) <= now; // expired
   * ```
   */
  validUntil(handle: number): number {
    return this.#until(handle, 1);
  }

  #checkHandle(handle: number): void {
    if (!(handle >= 0 && handle < this.#used && this.#ownerRef[handle] !== FREE)) {
      throw new RangeError(`no row with handle ${handle}`);
    }
  }

  // Index probing returns the empty position for the key (>= 0) or, when the key is present,
  // -(row + 2): one walk serves both lookup and insert.
  #addressPosition(slot: number, hi: number, lo: number): number {
    const index = this.#byAddress;
    const mask = index.length - 1;
    for (let pos = iidHash(hi, lo, slot) & mask; ; pos = (pos + 1) & mask) {
      const entry = index[pos] ?? 0;
      if (entry === 0) return pos;
      const h = entry - 1;
      if (this.#lo[h] === lo && this.#hi[h] === hi && ((this.#meta[h] ?? 0) & SLOT_MASK) === slot) return -h - 2;
    }
  }

  #ownerPosition(length: number, slot: number): number {
    const index = this.#byOwner;
    const mask = index.length - 1;
    for (let pos = bytesHash(this.#scratch, 0, length, slot) & mask; ; pos = (pos + 1) & mask) {
      const entry = index[pos] ?? 0;
      if (entry === 0) return pos;
      const h = entry - 1;
      if (((this.#meta[h] ?? 0) & SLOT_MASK) === slot && this.#ownerEquals(h, length)) return -h - 2;
    }
  }

  #ownerEquals(handle: number, length: number): boolean {
    const ref = this.#ownerRef[handle] ?? 0;
    const chunk = this.#chunks[ref >>> CHUNK_BITS] ?? EMPTY;
    const at = ref & OFFSET_MASK;
    if (entryLength(chunk, at) !== length) return false;
    const start = at + headerSize(length);
    const scratch = this.#scratch;
    for (let i = 0; i < length; i++) if (chunk[start + i] !== scratch[i]) return false;
    return true;
  }

  #ownerHash(handle: number): number {
    const ref = this.#ownerRef[handle] ?? 0;
    const chunk = this.#chunks[ref >>> CHUNK_BITS] ?? EMPTY;
    const at = ref & OFFSET_MASK;
    const length = entryLength(chunk, at);
    return bytesHash(chunk, at + headerSize(length), length, this.prefixSlot(handle));
  }

  /** Backward-shift deletion: later entries of the cluster move up, so probes never see holes. */
  #unindex(index: Uint32Array, handle: number, home: (h: number) => number): void {
    const mask = index.length - 1;
    let hole = home(handle) & mask;
    while (index[hole] !== handle + 1) hole = (hole + 1) & mask;
    for (let pos = (hole + 1) & mask; index[pos] !== 0; pos = (pos + 1) & mask) {
      const entry = index[pos] ?? 0;
      const start = home(entry - 1) & mask;
      if (((pos - start) & mask) >= ((pos - hole) & mask)) {
        index[hole] = entry;
        hole = pos;
      }
    }
    index[hole] = 0;
  }

  #growIndexes(): void {
    const capacity = this.#byAddress.length * 2;
    this.#byAddress = new Uint32Array(capacity);
    this.#byOwner = new Uint32Array(capacity);
    const mask = capacity - 1;
    for (const h of this.handles()) {
      place(this.#byAddress, iidHash(this.#hi[h] ?? 0, this.#lo[h] ?? 0, this.prefixSlot(h)) & mask, h);
      place(this.#byOwner, this.#ownerHash(h) & mask, h);
    }
  }

  #newRow(): number {
    if (this.#freeHead !== 0) {
      const handle = this.#freeHead - 1;
      this.#freeHead = this.#lo[handle] ?? 0;
      return handle;
    }
    if (this.#used === this.#rows) this.#growRows();
    return this.#used++;
  }

  #growRows(): void {
    this.#rows *= 2;
    this.#hi = grow(this.#hi, this.#rows);
    this.#lo = grow(this.#lo, this.#rows);
    this.#meta = grow(this.#meta, this.#rows);
    this.#ownerRef = grow(this.#ownerRef, this.#rows);
    this.#seconds = grow(this.#seconds, this.#rows * 2);
    this.#millis = grow(this.#millis, this.#rows);
  }

  #setUntil(handle: number, preferredUntil: number, validUntil: number): void {
    const [ps, pm] = this.#encodeUntil(preferredUntil);
    const [vs, vm] = this.#encodeUntil(validUntil);
    this.#seconds[2 * handle] = ps;
    this.#seconds[2 * handle + 1] = vs;
    this.#millis[handle] = pm | (vm << 10);
  }

  #encodeUntil(until: number): [number, number] {
    const ms = Math.ceil(until - this.#epoch);
    if (ms >= MAX_FINITE_MS) return [FOREVER, 0];
    if (!(ms > 0)) return [0, 0];
    const seconds = Math.floor(ms / 1000);
    return [seconds, ms - seconds * 1000];
  }

  #until(handle: number, which: 0 | 1): number {
    const seconds = this.#seconds[2 * handle + which] ?? 0;
    if (seconds === FOREVER) return Number.POSITIVE_INFINITY;
    return this.#epoch + seconds * 1000 + (((this.#millis[handle] ?? 0) >>> (10 * which)) & 0x3ff);
  }

  /** Encodes `owner` as UTF-8 into the scratch buffer and returns its length. */
  #encode(owner: string): number {
    const n = owner.length;
    // Every UTF-16 unit takes at least one UTF-8 byte, so this bound holds before encoding.
    if (n > TABLE_MAX_OWNER_BYTES) throw ownerTooLong(n);
    if (this.#scratch.length < n) this.#scratch = new Uint8Array(Math.max(n, 2 * this.#scratch.length));
    const scratch = this.#scratch;
    for (let i = 0; i < n; i++) {
      const c = owner.charCodeAt(i);
      if (c >= 0x80) return this.#encodeSlow(owner);
      scratch[i] = c;
    }
    return n;
  }

  #encodeSlow(owner: string): number {
    const bytes = utf8ToBytes(owner);
    if (bytes.length > TABLE_MAX_OWNER_BYTES) throw ownerTooLong(bytes.length);
    if (this.#scratch.length < bytes.length) this.#scratch = new Uint8Array(bytes.length);
    this.#scratch.set(bytes);
    return bytes.length;
  }

  /** Appends the scratch owner (a 1- or 2-byte length, then the bytes) and returns its reference. */
  #storeOwner(length: number): number {
    const size = headerSize(length) + length;
    if (this.#chunkUsed + size > CHUNK_SIZE) this.#newChunk();
    const index = this.#chunks.length - 1;
    const chunk = this.#chunks[index] ?? EMPTY;
    let at = this.#chunkUsed;
    if (length < 0x80) chunk[at++] = length;
    else {
      chunk[at++] = 0x80 | (length >>> 8);
      chunk[at++] = length & 0xff;
    }
    chunk.set(this.#scratch.subarray(0, length), at);
    const ref = ((index << CHUNK_BITS) | this.#chunkUsed) >>> 0;
    this.#chunkUsed += size;
    return ref;
  }

  #newChunk(): void {
    if (this.#chunks.length >= MAX_CHUNKS) throw new LeaseTableLimitError("the owner arena is full (4 GiB)");
    this.#chunks.push(new Uint8Array(CHUNK_SIZE));
    this.#chunkUsed = 0;
  }

  #ownerEntrySize(handle: number): number {
    const ref = this.#ownerRef[handle] ?? 0;
    const length = entryLength(this.#chunks[ref >>> CHUNK_BITS] ?? EMPTY, ref & OFFSET_MASK);
    return headerSize(length) + length;
  }

  #arenaBytes(): number {
    return (this.#chunks.length - 1) * CHUNK_SIZE + this.#chunkUsed;
  }

  /** Copies the live owners into fresh chunks, dropping the bytes of removed rows. */
  #compact(): void {
    const old = this.#chunks;
    this.#chunks = [new Uint8Array(CHUNK_SIZE)];
    this.#chunkUsed = 0;
    this.#garbage = 0;
    for (const h of this.handles()) {
      const ref = this.#ownerRef[h] ?? 0;
      const chunk = old[ref >>> CHUNK_BITS] ?? EMPTY;
      const at = ref & OFFSET_MASK;
      const length = entryLength(chunk, at);
      const start = at + headerSize(length);
      this.#scratch.set(chunk.subarray(start, start + length));
      this.#ownerRef[h] = this.#storeOwner(length);
    }
  }
}

function checkRow(row: LeaseRow): void {
  const ok =
    Number.isInteger(row.prefixSlot) &&
    row.prefixSlot >= 0 &&
    row.prefixSlot < TABLE_MAX_PREFIXES &&
    Number.isInteger(row.tag) &&
    row.tag >= 0 &&
    row.tag < TABLE_MAX_TAGS &&
    Number.isInteger(row.dadCounter) &&
    row.dadCounter >= 0 &&
    row.dadCounter <= 0xff;
  if (!ok) {
    throw new LeaseTableLimitError(
      `prefix slot ${row.prefixSlot}, tag ${row.tag} or DAD counter ${row.dadCounter} is out of range`,
    );
  }
}

function packMeta(row: LeaseRow): number {
  const tentative = row.tentative ? TENTATIVE : 0;
  return (row.prefixSlot | (row.dadCounter << COUNTER_SHIFT) | tentative | (row.tag << TAG_SHIFT)) >>> 0;
}

function ownerTooLong(bytes: number): LeaseTableLimitError {
  return new LeaseTableLimitError(`an owner of ${bytes} UTF-8 bytes is over the ${TABLE_MAX_OWNER_BYTES}-byte limit`);
}

function place(index: Uint32Array, home: number, handle: number): void {
  const mask = index.length - 1;
  let pos = home;
  while (index[pos] !== 0) pos = (pos + 1) & mask;
  index[pos] = handle + 1;
}

function grow(column: Uint32Array, length: number): Uint32Array {
  const out = new Uint32Array(length);
  out.set(column);
  return out;
}

// MurmurHash3's finaliser: identifiers from custom algorithms (EUI-64, counters) are not
// uniformly spread, so the index position must not come from raw bits.
function fmix(x: number): number {
  let h = x ^ (x >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function iidHash(hi: number, lo: number, slot: number): number {
  return fmix(lo ^ fmix(hi ^ Math.imul(slot + 1, 0x9e3779b1)));
}

/** FNV-1a over the bytes, seeded with the prefix slot, then mixed. */
function bytesHash(bytes: Uint8Array, start: number, length: number, slot: number): number {
  let h = 0x811c9dc5 ^ slot;
  for (let i = start; i < start + length; i++) h = Math.imul(h ^ (bytes[i] ?? 0), 0x01000193);
  return fmix(h);
}

/** Owner entries start with their length: one byte below 0x80, else two with the top bit set. */
function headerSize(length: number): number {
  return length < 0x80 ? 1 : 2;
}

function entryLength(chunk: Uint8Array, at: number): number {
  const first = chunk[at] ?? 0;
  return first < 0x80 ? first : ((first & 0x7f) << 8) | (chunk[at + 1] ?? 0);
}

/** UTF-8 back to a string. ASCII (the usual owner) is copied directly. */
function decodeUtf8(bytes: Uint8Array): string {
  if (bytes.every((b) => b < 0x80)) return String.fromCharCode(...bytes);
  // The core has no TextDecoder (no DOM or Node types); percent-decoding is the standard
  // library's UTF-8 decoder, and the bytes are well-formed because the table encoded them.
  return decodeURIComponent(Array.from(bytes, (b) => `%${b.toString(16).padStart(2, "0")}`).join(""));
}
