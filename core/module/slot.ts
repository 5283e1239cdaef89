/**
 * A typed key for per-message (or per-transaction) state that a module keeps on a context.
 * `const T = new Slot<Transaction>("tm.t"); ctx.set(T, t); ctx.get(T)`.
 */
export class Slot<T> {
  declare readonly _type: T;
  constructor(readonly name: string) {}
}

/** Something that holds slot values: a message context, a transaction. */
export interface SlotHolder {
  get<T>(slot: Slot<T>): T | undefined;
  set<T>(slot: Slot<T>, value: T): void;
  delete(slot: Slot<unknown>): void;
}

/** A plain Map-backed SlotHolder. */
export class SlotMap implements SlotHolder {
  private readonly m = new Map<Slot<unknown>, unknown>();
  get<T>(slot: Slot<T>): T | undefined {
    return this.m.get(slot) as T | undefined;
  }
  set<T>(slot: Slot<T>, value: T): void {
    this.m.set(slot, value);
  }
  delete(slot: Slot<unknown>): void {
    this.m.delete(slot);
  }
}
