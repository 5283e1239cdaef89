/**
 * FNV-1a (32 bit) over the UTF-16 code units of `key`: a stable, cheap hash that gives the same
 * number on every runtime and every run, so the same dialog key (Call-ID) always picks the same
 * worker of a group. Not a security hash: keys come from the network, but a skewed spread costs
 * load balance only, never correctness.
 */
export const keyHash = (key: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
};

/** The worker index (rank) a key maps to in a group of `size` workers. */
export const keyRank = (key: string, size: number): number => keyHash(key) % size;
