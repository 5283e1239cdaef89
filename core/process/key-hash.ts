import { fnv1a } from "../sip/fnv1a.ts";

/**
 * FNV-1a (32 bit) over the UTF-16 code units of `key`: a stable, cheap hash that gives the same
 * number on every runtime and every run, so the same dialog key (Call-ID) always picks the same
 * worker of a group. Not a security hash: keys come from the network, but a skewed spread costs
 * load balance only, never correctness.
 */
export const keyHash = (key: string): number => fnv1a(key);

/** The worker index (rank) a key maps to in a group of `size` workers. */
export const keyRank = (key: string, size: number): number => keyHash(key) % size;
