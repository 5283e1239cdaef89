/**
 * One hash table in a SharedArrayBuffer, so that every thread that attaches the same buffer sees
 * the same items at once (Kamailio keeps its tables in shared memory for the same reason).
 *
 * Layout (little-endian; int32 words unless said otherwise):
 * - header, 64 bytes: lock, magic, index slot count, live items, used slots (live + deleted),
 *   heap start, heap top, dead heap bytes;
 * - index: one (record offset, key hash) pair per slot, open addressing with linear probing;
 *   offset 0 is an empty slot, -1 a deleted one;
 * - heap: one record per item, 8-byte aligned: size, key length, type (1 int, 2 string), int value
 *   or string length, expiry time (float64, ms since the epoch, 0 = never), then the key and the
 *   string bytes (UTF-8).
 *
 * A value that no longer fits its record moves to a new record at the heap top; the old space is
 * counted as dead and taken back by compaction when the heap is full. Deleted index slots are
 * cleared by rehashing in place when they fill the index. The index holds at most 3/4 of its
 * slots, so a probe always ends on an empty slot. One lock per table (a futex-style mutex on
 * Atomics) guards every operation; the critical sections are short and never call out.
 */

import { withLockWord } from "../../core/module/shared-lock.ts";

const MAGIC = 0x48544231; // "HTB1"
const H_LOCK = 0;
const H_MAGIC = 1;
const H_SLOTS = 2;
const H_LIVE = 3;
const H_USED = 4;
const H_HEAP = 5;
const H_TOP = 6;
const H_DEAD = 7;
const HEADER_BYTES = 64;
const IDX = HEADER_BYTES / 4;
const REC_HEAD = 24;
const T_INT = 1;
const T_STR = 2;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const align8 = (n: number): number => (n + 7) & ~7;

const fnv1a = (b: Uint8Array): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) {
    h ^= b[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
};

/** A value a table holds: Kamailio's int (32-bit) or string. */
export type HtValue = string | number;

export interface HtItem {
  readonly key: string;
  readonly value: HtValue;
  /** When the item expires (ms since the epoch), 0 for never. */
  readonly expires: number;
}

/** How a table behaves (from its `htable` definition); the same in every thread. */
export interface TableBehaviour {
  readonly name: string;
  /** Seconds without update after which an item is removed; 0 = never. */
  readonly autoexpire: number;
  /** Value read for a missing key (and the start of $shtinc), undefined = $null. */
  readonly initval: number | undefined;
  /** Whether an update restarts the item's expiry time. */
  readonly updateexpire: boolean;
}

export interface TableStats {
  readonly items: number;
  readonly slots: number;
  readonly maxItems: number;
  readonly heapBytes: number;
  readonly heapUsed: number;
  readonly heapDead: number;
}

/** Index slots for a table of `bytes`: a power of two, about one slot per 64 bytes. */
const slotsFor = (bytes: number): number => {
  let s = 16;
  while (s * 2 * 64 <= bytes) s *= 2;
  return s;
};

export class SharedTable {
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly u8: Uint8Array;
  private readonly slots: number;
  private readonly maxUsed: number;

  /** The segment size for a table of about `bytes`: a multiple of 8, at least 4 KiB. */
  static sizeFor(bytes: number): number {
    return align8(Math.max(4096, Math.floor(bytes)));
  }

  /** A new, empty table buffer of about `bytes` (see sizeFor). */
  static allocate(bytes: number): SharedArrayBuffer {
    return SharedTable.format(new SharedArrayBuffer(SharedTable.sizeFor(bytes)));
  }

  /**
   * Lay out a zeroed buffer (a shared-memory segment) as an empty table; a buffer that already
   * holds a table is left as it is. Throws RangeError for a buffer of the wrong size.
   */
  static format(sab: SharedArrayBuffer): SharedArrayBuffer {
    const size = sab.byteLength;
    if (size < 4096 || size % 8 !== 0) throw new RangeError(`a hash table needs a buffer of at least 4096 bytes, a multiple of 8 (got ${size})`);
    const i32 = new Int32Array(sab);
    if (Atomics.load(i32, H_MAGIC) === MAGIC) return sab;
    const slots = slotsFor(size);
    const heap = HEADER_BYTES + slots * 8;
    i32[H_SLOTS] = slots;
    i32[H_HEAP] = heap;
    i32[H_TOP] = heap;
    Atomics.store(i32, H_MAGIC, MAGIC);
    return sab;
  }

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly behaviour: TableBehaviour,
    private readonly clock: () => number = Date.now,
  ) {
    if (buffer.byteLength < 4096 || buffer.byteLength % 8 !== 0) throw new RangeError("not a hash table buffer (use SharedTable.allocate)");
    this.i32 = new Int32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.u8 = new Uint8Array(buffer);
    if (Atomics.load(this.i32, H_MAGIC) !== MAGIC) throw new RangeError("not a hash table buffer (use SharedTable.allocate)");
    this.slots = this.i32[H_SLOTS]!;
    this.maxUsed = (this.slots * 3) >>> 2;
  }

  get name(): string {
    return this.behaviour.name;
  }

  /** Run `f` with the table's lock held (core/module/shared-lock.ts). */
  private locked<A>(f: () => A): A {
    return withLockWord(this.i32, H_LOCK, f);
  }

  // ---------------------------------------------------------------- records

  private keyEquals(off: number, kb: Uint8Array): boolean {
    if (this.i32[(off >> 2) + 1] !== kb.length) return false;
    const u8 = this.u8;
    const base = off + REC_HEAD;
    for (let i = 0; i < kb.length; i++) if (u8[base + i] !== kb[i]) return false;
    return true;
  }

  private keyAt(off: number): string {
    const start = off + REC_HEAD;
    return decoder.decode(this.u8.slice(start, start + this.i32[(off >> 2) + 1]!));
  }

  private valueAt(off: number): HtValue {
    const w = off >> 2;
    if (this.i32[w + 2] === T_INT) return this.i32[w + 3]!;
    const start = off + REC_HEAD + this.i32[w + 1]!;
    return decoder.decode(this.u8.slice(start, start + this.i32[w + 3]!));
  }

  private expiresAt(off: number): number {
    return this.f64[(off + 16) >> 3]!;
  }

  private setExpiresAt(off: number, t: number): void {
    this.f64[(off + 16) >> 3] = t;
  }

  private isExpired(off: number, now: number): boolean {
    const e = this.expiresAt(off);
    return e !== 0 && e <= now;
  }

  /** Write the value part of the record at `off` (it has room). */
  private writeValue(off: number, value: HtValue, vb: Uint8Array | undefined): void {
    const w = off >> 2;
    if (vb === undefined) {
      this.i32[w + 2] = T_INT;
      this.i32[w + 3] = (value as number) | 0;
    } else {
      this.i32[w + 2] = T_STR;
      this.i32[w + 3] = vb.length;
      this.u8.set(vb, off + REC_HEAD + this.i32[w + 1]!);
    }
  }

  // ---------------------------------------------------------------- index

  /** The slot holding `kb`, or -1 - (the slot where it would go). */
  private probe(kb: Uint8Array, hash: number): number {
    const i32 = this.i32;
    const mask = this.slots - 1;
    let s = hash & mask;
    let tomb = -1;
    for (;;) {
      const w = IDX + 2 * s;
      const off = i32[w]!;
      if (off === 0) return -1 - (tomb >= 0 ? tomb : s);
      if (off === -1) {
        if (tomb < 0) tomb = s;
      } else if (i32[w + 1] === hash && this.keyEquals(off, kb)) return s;
      s = (s + 1) & mask;
    }
  }

  private removeSlot(s: number): void {
    const w = IDX + 2 * s;
    const off = this.i32[w]!;
    this.i32[H_DEAD] = this.i32[H_DEAD]! + this.i32[off >> 2]!;
    this.i32[w] = -1;
    this.i32[H_LIVE] = this.i32[H_LIVE]! - 1;
  }

  /** Re-insert every live item into a cleared index (drops the deleted markers). */
  private rehash(): void {
    const i32 = this.i32;
    const live: number[] = [];
    for (let s = 0; s < this.slots; s++) {
      const w = IDX + 2 * s;
      const off = i32[w]!;
      if (off > 0) live.push(off, i32[w + 1]!);
    }
    i32.fill(0, IDX, IDX + 2 * this.slots);
    const mask = this.slots - 1;
    for (let k = 0; k < live.length; k += 2) {
      let s = live[k + 1]! & mask;
      while (i32[IDX + 2 * s] !== 0) s = (s + 1) & mask;
      i32[IDX + 2 * s] = live[k]!;
      i32[IDX + 2 * s + 1] = live[k + 1]!;
    }
    i32[H_USED] = live.length / 2;
  }

  /** Move the live records to the start of the heap, in address order. */
  private compact(): void {
    const i32 = this.i32;
    const order: number[] = [];
    for (let s = 0; s < this.slots; s++) if (i32[IDX + 2 * s]! > 0) order.push(s);
    order.sort((a, b) => i32[IDX + 2 * a]! - i32[IDX + 2 * b]!);
    let dst = i32[H_HEAP]!;
    for (const s of order) {
      const off = i32[IDX + 2 * s]!;
      const size = i32[off >> 2]!;
      if (off !== dst) this.u8.copyWithin(dst, off, off + size);
      i32[IDX + 2 * s] = dst;
      dst += size;
    }
    i32[H_TOP] = dst;
    i32[H_DEAD] = 0;
  }

  /** Heap space for a record of `n` bytes (aligned); may compact (which moves records). */
  private alloc(n: number): number {
    const size = align8(Math.max(REC_HEAD, n));
    const i32 = this.i32;
    if (i32[H_TOP]! + size > this.u8.length && i32[H_DEAD]! > 0) this.compact();
    const top = i32[H_TOP]!;
    if (top + size > this.u8.length) {
      throw new RangeError(`hash table "${this.name}" is full (${this.u8.length} bytes): raise the htable "table_memory" parameter`);
    }
    i32[H_TOP] = top + size;
    i32[top >> 2] = size;
    return top;
  }

  private freshExpiry(now: number): number {
    return this.behaviour.autoexpire > 0 ? now + this.behaviour.autoexpire * 1000 : 0;
  }

  /** Store (key, value) in the slot found by probe `p`, creating or replacing the record. */
  private store(kb: Uint8Array, hash: number, p: number, value: HtValue, expires: (old: number | undefined) => number): void {
    const i32 = this.i32;
    const vb = typeof value === "string" ? encoder.encode(value) : undefined;
    const need = REC_HEAD + kb.length + (vb?.length ?? 0);
    if (p >= 0) {
      const w = IDX + 2 * p;
      let off = i32[w]!;
      const exp = expires(this.expiresAt(off));
      if (need <= i32[off >> 2]!) {
        this.writeValue(off, value, vb);
        this.setExpiresAt(off, exp);
        return;
      }
      const fresh = this.alloc(need + (vb !== undefined ? vb.length >> 2 : 0));
      off = i32[w]!; // compaction may have moved the old record
      i32[(fresh >> 2) + 1] = kb.length;
      this.u8.copyWithin(fresh + REC_HEAD, off + REC_HEAD, off + REC_HEAD + kb.length);
      this.writeValue(fresh, value, vb);
      this.setExpiresAt(fresh, exp);
      i32[H_DEAD] = i32[H_DEAD]! + i32[off >> 2]!;
      i32[w] = fresh;
      return;
    }
    let at = -1 - p;
    if (i32[IDX + 2 * at] === 0 && i32[H_USED]! + 1 > this.maxUsed) {
      if (i32[H_LIVE]! + 1 > this.maxUsed) {
        throw new RangeError(`hash table "${this.name}" is full (${this.maxUsed} items): raise the htable "table_memory" parameter`);
      }
      this.rehash();
      at = -1 - this.probe(kb, hash);
    }
    const fresh = this.alloc(need + (vb !== undefined ? vb.length >> 2 : 0));
    i32[(fresh >> 2) + 1] = kb.length;
    this.u8.set(kb, fresh + REC_HEAD);
    this.writeValue(fresh, value, vb);
    this.setExpiresAt(fresh, expires(undefined));
    const w = IDX + 2 * at;
    if (i32[w] === 0) i32[H_USED] = i32[H_USED]! + 1;
    i32[w] = fresh;
    i32[w + 1] = hash;
    i32[H_LIVE] = i32[H_LIVE]! + 1;
  }

  /** The slot of a live, unexpired `key` (an expired one is removed on the way), else -1. */
  private liveSlot(kb: Uint8Array, hash: number, now: number): number {
    const s = this.probe(kb, hash);
    if (s < 0) return -1;
    if (this.isExpired(this.i32[IDX + 2 * s]!, now)) {
      this.removeSlot(s);
      return -1;
    }
    return s;
  }

  // ---------------------------------------------------------------- operations

  /** The value of `key`; undefined when missing or expired (initval is the caller's business). */
  get(key: string): HtValue | undefined {
    const kb = encoder.encode(key);
    const hash = fnv1a(kb);
    return this.locked(() => {
      const s = this.liveSlot(kb, hash, this.clock());
      return s < 0 ? undefined : this.valueAt(this.i32[IDX + 2 * s]!);
    });
  }

  /**
   * Set `key` to `value`. A new item expires after autoexpire seconds; an updated one gets a new
   * expiry time when updateexpire is on. Throws RangeError when the table is full.
   */
  set(key: string, value: HtValue): void {
    const kb = encoder.encode(key);
    const hash = fnv1a(kb);
    this.locked(() => {
      const now = this.clock();
      const p = this.liveSlotOrInsert(kb, hash, now);
      this.store(kb, hash, p, value, (old) =>
        old === undefined || this.behaviour.updateexpire ? this.freshExpiry(now) : old,
      );
    });
  }

  /** Like probe, but an expired item counts as missing (and is removed). */
  private liveSlotOrInsert(kb: Uint8Array, hash: number, now: number): number {
    const s = this.probe(kb, hash);
    if (s >= 0 && this.isExpired(this.i32[IDX + 2 * s]!, now)) {
      this.removeSlot(s);
      return this.probe(kb, hash);
    }
    return s;
  }

  /**
   * Set `key` to `value` and its expiry to `seconds` from now (0 = never). In a table without
   * autoexpire items never expire, so only the value is set (as Kamailio does).
   */
  setWithExpire(key: string, value: HtValue, seconds: number): void {
    const kb = encoder.encode(key);
    const hash = fnv1a(kb);
    this.locked(() => {
      const now = this.clock();
      const p = this.liveSlotOrInsert(kb, hash, now);
      const exp = this.behaviour.autoexpire > 0 ? (seconds > 0 ? now + seconds * 1000 : 0) : 0;
      this.store(kb, hash, p, value, () => exp);
    });
  }

  /** Remove `key`; true when it was there. */
  delete(key: string): boolean {
    const kb = encoder.encode(key);
    const hash = fnv1a(kb);
    return this.locked(() => {
      const s = this.liveSlot(kb, hash, this.clock());
      if (s < 0) return false;
      this.removeSlot(s);
      return true;
    });
  }

  /**
   * Add `delta` to the integer value of `key` and return the result ($shtinc / $shtdec). A
   * missing key starts from initval (and is created); without initval, or when the value is a
   * string, nothing changes and the result is undefined.
   */
  add(key: string, delta: number): number | undefined {
    const kb = encoder.encode(key);
    const hash = fnv1a(kb);
    return this.locked(() => {
      const now = this.clock();
      const p = this.liveSlotOrInsert(kb, hash, now);
      const init = this.behaviour.initval;
      if (p >= 0) {
        const off = this.i32[IDX + 2 * p]!;
        const w = off >> 2;
        if (this.i32[w + 2] !== T_INT) return undefined;
        const v = (this.i32[w + 3]! + delta) | 0;
        this.i32[w + 3] = v;
        if (this.behaviour.autoexpire > 0 && this.behaviour.updateexpire) this.setExpiresAt(off, this.freshExpiry(now));
        return v;
      }
      if (init === undefined) return undefined;
      const v = (init + delta) | 0;
      this.store(kb, hash, p, v, () => this.freshExpiry(now));
      return v;
    });
  }

  /**
   * Seconds until `key` expires: 0 when it never does (always 0 in a table without autoexpire),
   * undefined when the key is missing.
   */
  expiresIn(key: string): number | undefined {
    if (this.behaviour.autoexpire <= 0) return 0;
    const kb = encoder.encode(key);
    const hash = fnv1a(kb);
    return this.locked(() => {
      const now = this.clock();
      const s = this.liveSlot(kb, hash, now);
      if (s < 0) return undefined;
      const e = this.expiresAt(this.i32[IDX + 2 * s]!);
      return e === 0 ? 0 : Math.ceil((e - now) / 1000);
    });
  }

  /**
   * Make `key` expire `seconds` from now (0 = never). Ignored in a table without autoexpire, as
   * in Kamailio. True when the item exists and was changed.
   */
  setExpire(key: string, seconds: number): boolean {
    if (this.behaviour.autoexpire <= 0) return false;
    const kb = encoder.encode(key);
    const hash = fnv1a(kb);
    return this.locked(() => {
      const now = this.clock();
      const s = this.liveSlot(kb, hash, now);
      if (s < 0) return false;
      this.setExpiresAt(this.i32[IDX + 2 * s]!, seconds > 0 ? now + seconds * 1000 : 0);
      return true;
    });
  }

  /** Remove every item. */
  reset(): void {
    this.locked(() => {
      const i32 = this.i32;
      i32.fill(0, IDX, IDX + 2 * this.slots);
      i32[H_LIVE] = 0;
      i32[H_USED] = 0;
      i32[H_TOP] = i32[H_HEAP]!;
      i32[H_DEAD] = 0;
    });
  }

  /** Visit each live item (expired ones are removed first); `f` returns true to delete the item. */
  private scan(f: (off: number) => boolean): void {
    const i32 = this.i32;
    const now = this.clock();
    for (let s = 0; s < this.slots; s++) {
      const off = i32[IDX + 2 * s]!;
      if (off <= 0) continue;
      if (this.isExpired(off, now) || f(off)) this.removeSlot(s);
    }
  }

  /** Remove the items for which `match(key, value)` is true; returns how many. */
  removeWhere(match: (key: string, value: HtValue) => boolean): number {
    return this.locked(() => {
      let n = 0;
      this.scan((off) => {
        const hit = match(this.keyAt(off), this.valueAt(off));
        if (hit) n++;
        return hit;
      });
      return n;
    });
  }

  /** How many items satisfy `match(key, value)`. */
  count(match: (key: string, value: HtValue) => boolean): number {
    return this.locked(() => {
      let n = 0;
      this.scan((off) => {
        if (match(this.keyAt(off), this.valueAt(off))) n++;
        return false;
      });
      return n;
    });
  }

  /** Every live item (a copy). */
  items(): HtItem[] {
    return this.locked(() => {
      const out: HtItem[] = [];
      this.scan((off) => {
        out.push({ key: this.keyAt(off), value: this.valueAt(off), expires: this.expiresAt(off) });
        return false;
      });
      return out;
    });
  }

  /** Remove the expired items; returns how many. */
  sweep(): number {
    if (this.behaviour.autoexpire <= 0) return 0;
    return this.locked(() => {
      const before = this.i32[H_LIVE]!;
      this.scan(() => false);
      return before - this.i32[H_LIVE]!;
    });
  }

  stats(): TableStats {
    return this.locked(() => {
      const i32 = this.i32;
      return {
        items: i32[H_LIVE]!,
        slots: this.slots,
        maxItems: this.maxUsed,
        heapBytes: this.u8.length - i32[H_HEAP]!,
        heapUsed: i32[H_TOP]! - i32[H_HEAP]! - i32[H_DEAD]!,
        heapDead: i32[H_DEAD]!,
      };
    });
  }
}
