// siphash24 ships no type declarations; this is the part of its API own6 uses.
declare module "siphash24" {
  /** SipHash-2-4 of `data` under a 16-byte `key`; returns the 8 output bytes. */
  function siphash24(data: Uint8Array, key: Uint8Array, out?: Uint8Array): Uint8Array;
  export default siphash24;
}
