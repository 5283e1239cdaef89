import type { ScriptValue, TaskData } from "./values.ts";

/**
 * Where the script's variables live.
 * - `VarStore` (`$var(x)`): private to one process (thread), kept across the messages that process
 *   handles, default int 0, never undefined. One per engine.
 * - `AvpStore` (`$avp(x)`): per message context (later per transaction); each name holds a stack
 *   of values, the newest on top; assignment adds a value, `$null` removes the top one.
 * - `XavpStore` (`$xavp(root=>field)`): per message context; each root name holds a list of items
 *   (newest first), an item is either a plain value or a set of fields, each field a stack of values.
 */

/** $var names to array slots, assigned once per name in this thread (bind time), shared by its engines. */
const varSlots = new Map<string, number>();

/** The slot of a $var name (assigned on first use). */
export const varSlot = (name: string): number => {
  let i = varSlots.get(name);
  if (i === undefined) {
    i = varSlots.size;
    varSlots.set(name, i);
  }
  return i;
};

export class VarStore {
  private readonly vals: (string | number)[] = [];

  /** By slot (see varSlot): what $var uses, resolved when the config is bound. */
  getAt(slot: number): ScriptValue {
    return slot < this.vals.length ? this.vals[slot]! : 0;
  }

  /** `$null` resets the variable to int 0, as Kamailio does. */
  setAt(slot: number, v: ScriptValue): void {
    const vals = this.vals;
    while (vals.length < slot) vals.push(0);
    vals[slot] = v === null ? 0 : v;
  }

  get(name: string): ScriptValue {
    return this.getAt(varSlot(name));
  }

  set(name: string, v: ScriptValue): void {
    this.setAt(varSlot(name), v);
  }
}

/** Index into a stack: 0 the newest, -1 the oldest; "all" for `[*]`. */
export type StackIndex = number | "all";

/** What an empty store reads from (never written: writes make the store's own map first). */
const NO_AVPS: ReadonlyMap<string, ScriptValue[]> = new Map();
const NO_XAVPS: ReadonlyMap<string, XavpItem[]> = new Map();

export class AvpStore {
  /** Values per name, oldest first (the newest is the last element); made on the first write. */
  private store: Map<string, ScriptValue[]> | undefined;
  private get m(): Map<string, ScriptValue[]> {
    return this.store ?? (NO_AVPS as Map<string, ScriptValue[]>);
  }
  private get w(): Map<string, ScriptValue[]> {
    return (this.store ??= new Map());
  }

  /** The value at `index` (0 = newest, negative from the oldest); "all" joins every value with ", " (newest first). */
  get(name: string, index: StackIndex = 0): ScriptValue {
    const s = this.m.get(name);
    if (s === undefined || s.length === 0) return null;
    if (index === "all") {
      let out = "";
      for (let i = s.length - 1; i >= 0; i--) out += (i === s.length - 1 ? "" : ", ") + String(s[i]);
      return out;
    }
    const k = index >= 0 ? s.length - 1 - index : -index - 1;
    return k >= 0 && k < s.length ? s[k]! : null;
  }

  /** Add a value on top. */
  push(name: string, v: string | number): void {
    const s = this.m.get(name);
    if (s === undefined) this.w.set(name, [v]);
    else s.push(v);
  }

  /** Replace the value at `index` (0 = newest); false when there is none. */
  replace(name: string, index: number, v: string | number): boolean {
    const s = this.m.get(name);
    if (s === undefined) return false;
    const k = index >= 0 ? s.length - 1 - index : -index - 1;
    if (k < 0 || k >= s.length) return false;
    s[k] = v;
    return true;
  }

  /** Remove the value at `index` (0 = newest), or all values. */
  remove(name: string, index: StackIndex = 0): void {
    const s = this.m.get(name);
    if (s === undefined) return;
    if (index === "all") {
      this.store?.delete(name);
      return;
    }
    const k = index >= 0 ? s.length - 1 - index : -index - 1;
    if (k >= 0 && k < s.length) s.splice(k, 1);
    if (s.length === 0) this.store?.delete(name);
  }

  count(name: string): number {
    return this.m.get(name)?.length ?? 0;
  }

  names(): IterableIterator<string> {
    return this.m.keys();
  }

  /** Plain data for a continuation (another thread): `[name, values oldest first]` pairs. */
  toData(): TaskData {
    return [...this.m].map(([name, values]) => [name, values.slice()] as TaskData);
  }

  /** The store `toData` described. */
  static fromData(d: TaskData): AvpStore {
    const s = new AvpStore();
    if (!Array.isArray(d)) return s;
    for (const pair of d as readonly TaskData[]) {
      const [name, values] = pair as readonly [string, readonly ScriptValue[]];
      if (typeof name === "string" && Array.isArray(values)) s.w.set(name, values.slice() as ScriptValue[]);
    }
    return s;
  }
}

/** One item of an xavp list: a plain value or fields (each a stack, newest first). */
export interface XavpItem {
  value: ScriptValue;
  readonly fields: Map<string, ScriptValue[]>;
}

export class XavpStore {
  /** Items per root name, newest first; made on the first write. */
  private store: Map<string, XavpItem[]> | undefined;
  private get m(): Map<string, XavpItem[]> {
    return this.store ?? (NO_XAVPS as Map<string, XavpItem[]>);
  }

  private item(root: string, index: number): XavpItem | undefined {
    const list = this.m.get(root);
    if (list === undefined) return undefined;
    const k = index >= 0 ? index : list.length + index;
    return list[k];
  }

  /** `$xavp(root[i])`: the plain value of item i (undefined for an item with fields). */
  getRoot(root: string, index = 0): ScriptValue {
    return this.item(root, index)?.value ?? null;
  }

  /** `$xavp(root[i]=>field[j])`. */
  getField(root: string, index: number, field: string, fieldIndex: number): ScriptValue {
    const it = this.item(root, index);
    const s = it?.fields.get(field);
    if (s === undefined) return null;
    const k = fieldIndex >= 0 ? fieldIndex : s.length + fieldIndex;
    return s[k] ?? null;
  }

  /** `$xavp(root) = v`: a new item with a plain value, put first. */
  addRoot(root: string, v: string | number): void {
    this.list(root).unshift({ value: v, fields: new Map() });
  }

  /** `$xavp(root=>field) = v`: a new item holding only this field, put first. */
  addItemWithField(root: string, field: string, v: string | number): void {
    this.list(root).unshift({ value: null, fields: new Map([[field, [v]]]) });
  }

  /** `$xavp(root[i]=>field) = v`: add the value on top of the field in item i; false when there is no item i. */
  addField(root: string, index: number, field: string, v: string | number): boolean {
    const it = this.item(root, index);
    if (it === undefined) return false;
    const s = it.fields.get(field);
    if (s === undefined) it.fields.set(field, [v]);
    else s.unshift(v);
    return true;
  }

  /** Remove item i (or all items of the root). */
  removeRoot(root: string, index: number | "all"): void {
    const list = this.m.get(root);
    if (list === undefined) return;
    if (index === "all") {
      this.store?.delete(root);
      return;
    }
    const k = index >= 0 ? index : list.length + index;
    if (k >= 0 && k < list.length) list.splice(k, 1);
    if (list.length === 0) this.store?.delete(root);
  }

  /** Remove a field (one value of it, or all) in item i. */
  removeField(root: string, index: number, field: string, fieldIndex: number | "all"): void {
    const it = this.item(root, index);
    const s = it?.fields.get(field);
    if (it === undefined || s === undefined) return;
    if (fieldIndex === "all") {
      it.fields.delete(field);
      return;
    }
    const k = fieldIndex >= 0 ? fieldIndex : s.length + fieldIndex;
    if (k >= 0 && k < s.length) s.splice(k, 1);
    if (s.length === 0) it.fields.delete(field);
  }

  count(root: string): number {
    return this.m.get(root)?.length ?? 0;
  }

  /** Plain data for a continuation: `[root, [[value, [[field, values]...]]...]]`. */
  toData(): TaskData {
    return [...this.m].map(([root, items]) => [
      root,
      items.map((it) => [it.value, [...it.fields].map(([f, vs]) => [f, vs.slice()] as TaskData)] as TaskData),
    ] as TaskData);
  }

  /** The store `toData` described. */
  static fromData(d: TaskData): XavpStore {
    const s = new XavpStore();
    if (!Array.isArray(d)) return s;
    for (const pair of d as readonly TaskData[]) {
      const [root, items] = pair as readonly [string, readonly (readonly [ScriptValue, readonly (readonly [string, readonly ScriptValue[]])[]])[]];
      if (typeof root !== "string" || !Array.isArray(items)) continue;
      const list = s.list(root);
      for (const [value, fields] of items) list.push({ value, fields: new Map(fields.map(([f, vs]: readonly [string, readonly ScriptValue[]]) => [f, vs.slice() as ScriptValue[]] as const)) });
    }
    return s;
  }

  private list(root: string): XavpItem[] {
    const m = (this.store ??= new Map());
    let l = m.get(root);
    if (l === undefined) {
      l = [];
      m.set(root, l);
    }
    return l;
  }
}
