import { fnv1a } from "../../core/sip/fnv1a.ts";
import type { SipMessage } from "../../core/sip/message.ts";
import { MAX_OWNER, OWNER_BITS } from "./identity.ts";

/** The SharedMemory segment of the table (created in tm's init). */
export const OWNER_TABLE_SEGMENT = "tm.owners";
const SLOTS = 1 << 17;
const MASK = SLOTS - 1;
const PROBES = 8;
export const OWNER_TABLE_BYTES = SLOTS * 4;

/**
 * Which thread owns the server transaction a request belongs to, shared by every thread (a
 * SharedArrayBuffer): so that a CANCEL, an ACK for a negative reply or a retransmission reaches
 * the thread that holds the transaction even when it arrives elsewhere (another receiver, a
 * sworker worker). Key: the request's top Via branch and Call-ID (RFC 3261), or its Call-ID and
 * CSeq number (RFC 2543); CANCEL and ACK share their INVITE's branch, so they share its key.
 *
 * Open addressing over 131 072 slots of 32 bits: 24 bits of the key's hash (the check) and the 8
 * bits of the owner's process id; 8 probes. An entry is written with compare-and-swap when the
 * transaction is created and cleared (only if it is still its own) when the transaction ends. A
 * full neighbourhood or a stale entry (a thread that crashed) costs a lookup miss or a wrong
 * owner, which then handles the message as any thread would: the table is a routing hint, never
 * the transaction itself.
 */
export class OwnerTable {
  private readonly slots: Uint32Array;
  constructor(buffer: SharedArrayBuffer) {
    this.slots = new Uint32Array(buffer, 0, SLOTS);
  }

  /** The key hash of a request (throws on a malformed Via or Call-ID, as the parser's getters do). */
  static keyOf(msg: SipMessage): number {
    const callId = msg.callId();
    const branch = msg.via().branch;
    if (branch !== undefined && branch.startsWith("z9hG4bK")) return fnv1a(branch, fnv1a(callId));
    return fnv1a(String(msg.cseq().seq), fnv1a(callId)) ^ 0x2543;
  }

  set(key: number, owner: number): void {
    const entry = this.entry(key, owner);
    const start = key & MASK;
    for (let i = 0; i < PROBES; i++) {
      const at = (start + i) & MASK;
      const old = Atomics.load(this.slots, at);
      if (old === entry) return;
      if (old === 0 && Atomics.compareExchange(this.slots, at, 0, entry) === 0) return;
    }
    Atomics.store(this.slots, start, entry); // a crowded neighbourhood: the oldest guess goes
  }

  clear(key: number, owner: number): void {
    const entry = this.entry(key, owner);
    const start = key & MASK;
    for (let i = 0; i < PROBES; i++) {
      const at = (start + i) & MASK;
      if (Atomics.compareExchange(this.slots, at, entry, 0) === entry) return;
    }
  }

  /** The owner recorded for `key`, if any. */
  find(key: number): number | undefined {
    const check = this.check(key);
    const start = key & MASK;
    for (let i = 0; i < PROBES; i++) {
      const v = Atomics.load(this.slots, (start + i) & MASK);
      if (v !== 0 && v >>> OWNER_BITS === check) return v & MAX_OWNER;
    }
    return undefined;
  }

  private check(key: number): number {
    return ((key >>> 8) & 0xffffff) || 1;
  }

  private entry(key: number, owner: number): number {
    return ((this.check(key) << OWNER_BITS) | owner) >>> 0;
  }
}
