import { fnv1a } from "../../core/sip/fnv1a.ts";

/**
 * Transaction identity, as Kamailio's `$T(id_index)`/`$T(id_label)`:
 * - index: a hash of the Call-ID and the CSeq number, 0..65535 (Kamailio's bucket);
 * - label: a per-process counter (starting at a random value) shifted left by OWNER_BITS, with the
 *   owning process's id (ProcessInfo.id) in the low bits.
 * So any process can tell from an identity, or from the Via branch tm puts on the requests it
 * relays (which carries index and label), which process owns the transaction.
 */
export const OWNER_BITS = 8;
export const MAX_OWNER = (1 << OWNER_BITS) - 1;
const COUNTER_MASK = (1 << (31 - OWNER_BITS)) - 1;

/** The Via branch prefix of the requests tm sends: RFC 3261 magic cookie, then "smt". */
export const TM_BRANCH_PREFIX = "z9hG4bKsmt";

export const hashIndex = (callId: string, cseqNumber: string): number => {
  const h = fnv1a(cseqNumber, fnv1a(callId));
  return (h ^ (h >>> 16)) & 0xffff;
};

export class LabelSource {
  private counter: number;
  constructor(private readonly owner: number) {
    if (!Number.isInteger(owner) || owner < 0 || owner > MAX_OWNER) throw new RangeError(`process id ${owner} does not fit in a tm label`);
    this.counter = Math.floor(Math.random() * COUNTER_MASK);
  }
  next(): number {
    this.counter = (this.counter + 1) & COUNTER_MASK;
    return (this.counter << OWNER_BITS) | this.owner;
  }
}

/** The process that owns the transaction with this label. */
export const ownerOfLabel = (label: number): number => label & MAX_OWNER;

/** The Via branch of branch number `b` of transaction (index, label). */
export const tmBranch = (index: number, label: number, b: number): string =>
  `${TM_BRANCH_PREFIX}${index.toString(16)}.${label.toString(16)}.${b}`;

export interface BranchId {
  readonly index: number;
  readonly label: number;
  readonly branch: number;
}

/** Decode a Via branch tm made; undefined for any other branch. */
export const parseTmBranch = (branch: string | undefined): BranchId | undefined => {
  if (branch === undefined || !branch.startsWith(TM_BRANCH_PREFIX)) return undefined;
  const rest = branch.slice(TM_BRANCH_PREFIX.length);
  const d1 = rest.indexOf(".");
  const d2 = d1 < 0 ? -1 : rest.indexOf(".", d1 + 1);
  if (d1 <= 0 || d2 <= d1 + 1 || d2 === rest.length - 1) return undefined;
  const index = parseInt(rest.slice(0, d1), 16);
  const label = parseInt(rest.slice(d1 + 1, d2), 16);
  const b = Number(rest.slice(d2 + 1));
  if (!Number.isInteger(index) || !Number.isInteger(label) || !Number.isInteger(b) || b < 0) return undefined;
  if (index < 0 || index > 0xffff || label < 0 || label > 0x7fffffff) return undefined;
  return { index, label, branch: b };
};
