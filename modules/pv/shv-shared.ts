import { lockWord, unlockWord } from "../../core/module/shared-lock.ts";
import type { ScriptValue } from "../../core/module/values.ts";
import type { ShvStore } from "./shv-store.ts";

/**
 * A $shv store in a SharedArrayBuffer: every thread that attaches the same buffer sees the same
 * values at once, as Kamailio's shared memory does. The buffer is created once (main thread) and
 * handed to each worker thread (workerData or a message); `new SharedShvStore(sab)` attaches.
 *
 * Layout (little-endian int32 words): a header (lock, slot count, heap top, magic), a hash table
 * of fixed slots (state, name offset, name length, int value, string offset, string length,
 * string capacity, name hash), then a heap for names and string values. Names are never removed.
 * A string that outgrows its space gets new space; the old space is not reused, so a store whose
 * strings keep growing fills up (then set() throws and the assignment fails with a log). One lock
 * (Atomics compare-exchange + wait/notify) guards every access; critical sections are short.
 */

const MAGIC = 0x53485631; // "SHV1"
const H_LOCK = 0;
const H_SLOTS = 1;
const H_TOP = 2;
const H_MAGIC = 3;
const HEADER_BYTES = 64;
const SLOT_WORDS = 8;
const S_STATE = 0; // 0 empty, 1 int, 2 string
const S_NAME_OFF = 1;
const S_NAME_LEN = 2;
const S_INT = 3;
const S_STR_OFF = 4;
const S_STR_LEN = 5;
const S_STR_CAP = 6;
const S_HASH = 7;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const fnv1a = (b: Uint8Array): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) {
    h ^= b[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
};

export class SharedShvStore implements ShvStore {
  private readonly i32: Int32Array;
  private readonly u8: Uint8Array;
  private readonly slots: number;
  /** name -> slot index, for names this thread has looked up (slots never move). */
  private readonly known = new Map<string, number>();

  /** A new buffer for `slots` names and `bytes` in total (names and string values share the rest). */
  static allocate(bytes = 1 << 20, slots = 4096): SharedArrayBuffer {
    return SharedShvStore.format(new SharedArrayBuffer(bytes), slots);
  }

  /** Lay out a zeroed buffer (from SharedMemory) as a store; a buffer already laid out is left as it is. */
  static format(sab: SharedArrayBuffer, slots = 4096): SharedArrayBuffer {
    const i32 = new Int32Array(sab);
    if (Atomics.load(i32, H_MAGIC) === MAGIC) return sab;
    const heapStart = HEADER_BYTES + slots * SLOT_WORDS * 4;
    if (sab.byteLength < heapStart + 1024) throw new RangeError(`a $shv store of ${slots} slots needs more than ${heapStart + 1024} bytes`);
    i32[H_SLOTS] = slots;
    i32[H_TOP] = heapStart;
    Atomics.store(i32, H_MAGIC, MAGIC);
    return sab;
  }

  constructor(readonly buffer: SharedArrayBuffer) {
    this.i32 = new Int32Array(buffer);
    this.u8 = new Uint8Array(buffer);
    if (Atomics.load(this.i32, H_MAGIC) !== MAGIC) throw new RangeError("not a $shv store buffer (use SharedShvStore.allocate)");
    this.slots = this.i32[H_SLOTS]!;
  }

  private lock(): void {
    lockWord(this.i32, H_LOCK);
  }

  private unlock(): void {
    unlockWord(this.i32, H_LOCK);
  }

  private alloc(n: number): number {
    const top = this.i32[H_TOP]!;
    if (top + n > this.u8.length) throw new RangeError(`the $shv store is full (${this.u8.length} bytes)`);
    this.i32[H_TOP] = top + n;
    return top;
  }

  private nameAt(slot: number, bytes: Uint8Array, hash: number): boolean {
    const base = slot * SLOT_WORDS + HEADER_BYTES / 4;
    if (this.i32[base + S_HASH] !== hash || this.i32[base + S_NAME_LEN] !== bytes.length) return false;
    const off = this.i32[base + S_NAME_OFF]!;
    for (let i = 0; i < bytes.length; i++) if (this.u8[off + i] !== bytes[i]) return false;
    return true;
  }

  /** Slot of `name` (inserting it when `insert`), -1 when absent; call with the lock held. */
  private find(name: string, insert: boolean): number {
    const cached = this.known.get(name);
    if (cached !== undefined) return cached;
    const bytes = encoder.encode(name);
    const hash = fnv1a(bytes);
    let s = (hash >>> 0) % this.slots;
    for (let n = 0; n < this.slots; n++, s = (s + 1) % this.slots) {
      const base = s * SLOT_WORDS + HEADER_BYTES / 4;
      if (this.i32[base + S_STATE] === 0) {
        if (!insert) return -1;
        const off = this.alloc(bytes.length);
        this.u8.set(bytes, off);
        this.i32[base + S_NAME_OFF] = off;
        this.i32[base + S_NAME_LEN] = bytes.length;
        this.i32[base + S_HASH] = hash;
        this.i32[base + S_INT] = 0;
        this.i32[base + S_STATE] = 1;
        this.known.set(name, s);
        return s;
      }
      if (this.nameAt(s, bytes, hash)) {
        this.known.set(name, s);
        return s;
      }
    }
    if (insert) throw new RangeError(`the $shv store has no free slot for "${name}" (${this.slots} names)`);
    return -1;
  }

  get(name: string): ScriptValue {
    this.lock();
    try {
      const s = this.find(name, false);
      if (s < 0) return 0;
      const base = s * SLOT_WORDS + HEADER_BYTES / 4;
      if (this.i32[base + S_STATE] === 1) return this.i32[base + S_INT]!;
      const off = this.i32[base + S_STR_OFF]!;
      return decoder.decode(this.u8.slice(off, off + this.i32[base + S_STR_LEN]!));
    } finally {
      this.unlock();
    }
  }

  set(name: string, value: ScriptValue): void {
    // $null stores "" (Kamailio 5.6 prints such a $shv as an empty string)
    const bytes = typeof value === "string" ? encoder.encode(value) : value === null ? new Uint8Array(0) : undefined;
    this.lock();
    try {
      const s = this.find(name, true);
      const base = s * SLOT_WORDS + HEADER_BYTES / 4;
      if (bytes === undefined) {
        this.i32[base + S_INT] = (value as number) | 0;
        this.i32[base + S_STATE] = 1;
        return;
      }
      let off = this.i32[base + S_STR_OFF]!;
      if (this.i32[base + S_STR_CAP]! < bytes.length || off === 0) {
        const cap = Math.max(32, bytes.length + (bytes.length >> 1));
        off = this.alloc(cap);
        this.i32[base + S_STR_OFF] = off;
        this.i32[base + S_STR_CAP] = cap;
      }
      this.u8.set(bytes, off);
      this.i32[base + S_STR_LEN] = bytes.length;
      this.i32[base + S_STATE] = 2;
    } finally {
      this.unlock();
    }
  }
}
