import type { ScriptValue } from "../../core/module/values.ts";

/**
 * Where `$shv(name)` values live. Kamailio keeps them in shared memory, so every process sees the
 * same value at once. The pv module's init and childInit install a SharedShvStore over the
 * server's shared-memory segment "pv.shv" in every thread (shv-init.ts); the in-process store below
 * is what a thread uses before that (tools, tests). A value never set reads as int 0.
 */
export interface ShvStore {
  get(name: string): ScriptValue;
  /** `$null` stores an empty string: Kamailio 5.6 then prints the value as "" (checked against it). */
  set(name: string, value: ScriptValue): void;
}

/** In-process store: one Map per thread. */
export class LocalShvStore implements ShvStore {
  private readonly m = new Map<string, string | number>();

  get(name: string): ScriptValue {
    return this.m.get(name) ?? 0;
  }

  set(name: string, value: ScriptValue): void {
    this.m.set(name, value === null ? "" : value);
  }
}

let current: ShvStore = new LocalShvStore();

/** The store $shv uses in this thread. */
export const shvStore = (): ShvStore => current;

/** Install the store (a cross-thread one) for this thread; returns the previous one. */
export const setShvStore = (s: ShvStore): ShvStore => {
  const prev = current;
  current = s;
  return prev;
};

/** A `modparam("pv", "shvset", "name=i:1")` / `"name=s:text"` line. */
export interface ShvInit {
  readonly name: string;
  readonly value: string | number;
}

export const parseShvset = (text: string): ShvInit | { readonly error: string } => {
  const m = /^\s*([^=\s]+)\s*=\s*([is]):(.*)$/s.exec(text);
  if (m === null) return { error: `shvset "${text}": write name=i:<integer> or name=s:<text>` };
  const [, name, type, raw] = m as unknown as [string, string, "i" | "s", string];
  if (type === "s") return { name, value: raw };
  if (!/^\s*-?[0-9]+\s*$/.test(raw)) return { error: `shvset "${text}": "${raw}" is not an integer` };
  return { name, value: Number(raw.trim()) | 0 };
};
