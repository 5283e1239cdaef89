import { Effect } from "effect";
import { sipmodError } from "../../core/errors.ts";
import type { RpcMethod } from "../../core/module/define-module.ts";
import type { Json } from "../../core/module/values.ts";
import { strToInt } from "../../core/script/values.ts";
import type { HtItem, SharedTable } from "./shared-table.ts";
import { allTables, tableNamed } from "./tables.ts";

/** Management commands, named and shaped like Kamailio's htable RPC commands. */

const rpcError = (message: string) => Effect.fail(sipmodError("SM_RPC", message, { module: "htable" }));

const str = (params: readonly Json[], i: number, what: string, method: string) => {
  const v = params[i];
  if (typeof v === "string") return Effect.succeed(v);
  if (typeof v === "number") return Effect.succeed(String(v));
  return rpcError(`${method}: parameter ${i + 1} (${what}) must be a string`);
};

const int = (params: readonly Json[], i: number, what: string, method: string) => {
  const v = params[i];
  const n = typeof v === "number" ? v : typeof v === "string" ? strToInt(v) : undefined;
  if (n === undefined || !Number.isInteger(n)) return rpcError(`${method}: parameter ${i + 1} (${what}) must be an integer`);
  return Effect.succeed(n);
};

const table = (params: readonly Json[], method: string) =>
  Effect.flatMap(str(params, 0, "table", method), (name) => {
    const t = tableNamed(name);
    return t === undefined ? rpcError(`${method}: there is no hash table "${name}"`) : Effect.succeed(t);
  });

const full = (method: string, f: () => void) =>
  Effect.suspend(() => {
    try {
      f();
      return Effect.succeed<Json>(null);
    } catch (e) {
      return rpcError(`${method}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });

const itemJson = (i: HtItem, now: number): Json => ({
  name: i.key,
  value: i.value,
  ...(i.expires !== 0 ? { expires: Math.max(0, Math.ceil((i.expires - now) / 1000)) } : {}),
});

const flush = (method: string): RpcMethod => ({
  name: method,
  doc: "Remove every item of a hash table.",
  params: ["table"],
  run: (p) => Effect.map(table(p, method), (t) => (t.reset(), null)),
});

const tableInfo = (t: SharedTable): Json => {
  const b = t.behaviour;
  return {
    name: t.name,
    autoexpire: b.autoexpire,
    updateexpire: b.updateexpire ? 1 : 0,
    ...(b.initval !== undefined ? { initval: b.initval } : {}),
    items: t.stats().items,
  };
};

export const htableRpc: readonly RpcMethod[] = [
  {
    name: "htable.get",
    doc: "One item of a hash table: `{ name, value }`; an error when the key is missing.",
    params: ["table", "key"],
    run: (p) =>
      Effect.gen(function* () {
        const t = yield* table(p, "htable.get");
        const key = yield* str(p, 1, "key", "htable.get");
        const v = t.get(key);
        if (v === undefined) return yield* rpcError(`htable.get: no item "${key}" in hash table "${t.name}"`);
        return { name: key, value: v };
      }),
  },
  {
    name: "htable.delete",
    doc: "Remove one item of a hash table (nothing happens when it is missing).",
    params: ["table", "key"],
    run: (p) =>
      Effect.gen(function* () {
        const t = yield* table(p, "htable.delete");
        const key = yield* str(p, 1, "key", "htable.delete");
        t.delete(key);
        return null;
      }),
  },
  {
    name: "htable.sets",
    doc: "Set an item to a string value.",
    params: ["table", "key", "value"],
    run: (p) =>
      Effect.gen(function* () {
        const t = yield* table(p, "htable.sets");
        const key = yield* str(p, 1, "key", "htable.sets");
        const value = yield* str(p, 2, "value", "htable.sets");
        return yield* full("htable.sets", () => t.set(key, value));
      }),
  },
  {
    name: "htable.seti",
    doc: "Set an item to an integer value.",
    params: ["table", "key", "value"],
    run: (p) =>
      Effect.gen(function* () {
        const t = yield* table(p, "htable.seti");
        const key = yield* str(p, 1, "key", "htable.seti");
        const value = yield* int(p, 2, "value", "htable.seti");
        return yield* full("htable.seti", () => t.set(key, value | 0));
      }),
  },
  {
    name: "htable.setex",
    doc: "Make an item expire in the given number of seconds (0: never); only in a table with autoexpire.",
    params: ["table", "key", "expire"],
    run: (p) =>
      Effect.gen(function* () {
        const t = yield* table(p, "htable.setex");
        const key = yield* str(p, 1, "key", "htable.setex");
        const ex = yield* int(p, 2, "expire", "htable.setex");
        t.setExpire(key, ex);
        return null;
      }),
  },
  {
    name: "htable.setxs",
    doc: "Set an item to a string value and its expiry in seconds.",
    params: ["table", "key", "value", "expire"],
    run: (p) =>
      Effect.gen(function* () {
        const t = yield* table(p, "htable.setxs");
        const key = yield* str(p, 1, "key", "htable.setxs");
        const value = yield* str(p, 2, "value", "htable.setxs");
        const ex = yield* int(p, 3, "expire", "htable.setxs");
        return yield* full("htable.setxs", () => t.setWithExpire(key, value, ex));
      }),
  },
  {
    name: "htable.setxi",
    doc: "Set an item to an integer value and its expiry in seconds.",
    params: ["table", "key", "value", "expire"],
    run: (p) =>
      Effect.gen(function* () {
        const t = yield* table(p, "htable.setxi");
        const key = yield* str(p, 1, "key", "htable.setxi");
        const value = yield* int(p, 2, "value", "htable.setxi");
        const ex = yield* int(p, 3, "expire", "htable.setxi");
        return yield* full("htable.setxi", () => t.setWithExpire(key, value | 0, ex));
      }),
  },
  {
    name: "htable.dump",
    doc: "Every item of a hash table: `[{ name, value, expires? }]` (expires: seconds left, when the item expires).",
    params: ["table"],
    run: (p) =>
      Effect.map(table(p, "htable.dump"), (t) => {
        const now = Date.now();
        return t.items().map((i) => itemJson(i, now));
      }),
  },
  flush("htable.flush"),
  { ...flush("htable.reset"), doc: "The same as htable.flush." },
  {
    name: "htable.listTables",
    doc: "The hash tables: `[{ name, autoexpire, updateexpire, initval?, items }]`.",
    run: () => Effect.sync(() => allTables().map(tableInfo)),
  },
  {
    name: "htable.stats",
    doc: "Per table: index slots, items, the most items it can hold, and heap bytes (total, used, waiting for compaction).",
    run: () =>
      Effect.sync(() =>
        allTables().map((t): Json => {
          const s = t.stats();
          return { name: t.name, slots: s.slots, items: s.items, maxItems: s.maxItems, heapBytes: s.heapBytes, heapUsed: s.heapUsed, heapDead: s.heapDead };
        }),
      ),
  },
];
