import { Effect } from "effect";
import { sipmodError, type SipmodError } from "../../core/errors.ts";
import { SharedMemory } from "../../core/module/core-services.ts";
import { SharedTable } from "./shared-table.ts";
import type { TableSpec } from "./table-spec.ts";

/**
 * The hash tables of this thread, by name. Each table is a segment of the server's shared memory
 * ("htable.<name>"): the main thread lays it out in init, and every process (main and each group
 * worker) attaches the same segment in childInit, so all of them read and write the same items.
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

/** New, empty tables for the definitions, in buffers of this thread only (tests, tools). */
export const createTables = (specs: readonly TableSpec[], bytes: number): ReadonlyMap<string, SharedTable> =>
  new Map(specs.map((s) => [s.name, new SharedTable(SharedTable.allocate(bytes), s)]));

/** The shared-memory segment name of a table. */
export const segmentName = (table: string): string => `htable.${table}`;

/**
 * The tables of the definitions in the server's shared memory, `bytes` each: laid out on first
 * use (main thread, init), attached as they are afterwards (every childInit).
 */
export const sharedTables = (
  specs: readonly TableSpec[],
  bytes: number,
): Effect.Effect<ReadonlyMap<string, SharedTable>, SipmodError, SharedMemory> =>
  Effect.gen(function* () {
    const mem = yield* SharedMemory;
    const out = new Map<string, SharedTable>();
    for (const s of specs) {
      const sab = yield* mem.segment(segmentName(s.name), SharedTable.sizeFor(bytes));
      const table = yield* Effect.try({
        try: () => new SharedTable(SharedTable.format(sab), s),
        catch: (e) => sipmodError("SM_INIT_FAILED", `hash table "${s.name}": ${e instanceof Error ? e.message : String(e)}`, { module: "htable" }),
      });
      out.set(s.name, table);
    }
    return out;
  });
