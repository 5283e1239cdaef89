import type { TaskData } from "../../core/module/values.ts";
import { SharedTable } from "./shared-table.ts";
import type { TableSpec } from "./table-spec.ts";

/**
 * The hash tables of this thread, by name. The main thread creates them (module init) in
 * SharedArrayBuffers; another thread attaches the same buffers from `sharedData()` (a Uint8Array
 * over a SharedArrayBuffer keeps sharing its memory when it is structured-cloned to a worker), so
 * every thread reads and writes the same items.
 */

let current: ReadonlyMap<string, SharedTable> = new Map();

/** The table named `name` in this thread, if defined. */
export const tableNamed = (name: string): SharedTable | undefined => current.get(name);

/** Every table of this thread, in definition order. */
export const allTables = (): readonly SharedTable[] => [...current.values()];

/** Make `tables` the ones this thread uses; returns the previous set. */
export const installTables = (tables: ReadonlyMap<string, SharedTable>): ReadonlyMap<string, SharedTable> => {
  const prev = current;
  current = tables;
  return prev;
};

/** New, empty tables for the definitions, `bytes` of shared memory each. */
export const createTables = (specs: readonly TableSpec[], bytes: number): ReadonlyMap<string, SharedTable> =>
  new Map(specs.map((s) => [s.name, new SharedTable(SharedTable.allocate(bytes), s)]));

/** What another thread needs to attach the tables: `{ tables: { name: Uint8Array } }`. */
export const sharedData = (tables: ReadonlyMap<string, SharedTable> = current): TaskData => {
  const out: Record<string, Uint8Array> = {};
  for (const [name, t] of tables) out[name] = new Uint8Array(t.buffer);
  return { tables: out };
};

/**
 * Attach the tables `sharedData()` described, with the behaviour of `specs` (the same definitions
 * in every thread). An error text when the data does not hold a buffer for every table.
 */
export const attachTables = (
  specs: readonly TableSpec[],
  data: TaskData,
): ReadonlyMap<string, SharedTable> | { readonly error: string } => {
  const tables =
    typeof data === "object" && data !== null && !Array.isArray(data) && !(data instanceof Uint8Array)
      ? (data as { readonly [k: string]: TaskData })["tables"]
      : undefined;
  if (typeof tables !== "object" || tables === null || Array.isArray(tables) || tables instanceof Uint8Array) {
    return { error: "the shared htable data has no table list" };
  }
  const byName = tables as { readonly [k: string]: TaskData };
  const out = new Map<string, SharedTable>();
  for (const s of specs) {
    const view = byName[s.name];
    if (!(view instanceof Uint8Array) || !(view.buffer instanceof SharedArrayBuffer)) {
      return { error: `the shared htable data has no shared buffer for table "${s.name}"` };
    }
    try {
      out.set(s.name, new SharedTable(view.buffer, s));
    } catch (e) {
      return { error: `table "${s.name}": ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  return out;
};
