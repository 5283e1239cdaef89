/**
 * FNV-1a (32 bit) over the UTF-16 code units of `s`, continuing from `h` (the FNV offset basis when
 * left out), so several strings hash as one: `fnv1a(b, fnv1a(a))`. Stable across runtimes and
 * runs; not a security hash.
 */
export const FNV1A_BASIS = 0x811c9dc5;

export const fnv1a = (s: string, h: number = FNV1A_BASIS): number => {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
};
