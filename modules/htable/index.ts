import { Effect, Schema } from "effect";
import { setInterval, clearInterval } from "node:timers";
import { sipmodError } from "../../core/errors.ts";
import { defineModule } from "../../core/module/define-module.ts";
import { CORE_MAJOR } from "../../core/version.ts";
import { htableFunctions } from "./functions.ts";
import { htablePvs } from "./pvs.ts";
import { htableRpc } from "./rpc.ts";
import { parseTableSpecs, type TableSpec } from "./table-spec.ts";
import { allTables, installTables, sharedTables } from "./tables.ts";

/** One definition or a list of them (plugins.json may give a single string). */
const Definitions = Schema.transform(Schema.Union(Schema.String, Schema.Array(Schema.String)), Schema.Array(Schema.String), {
  strict: true,
  decode: (v) => (typeof v === "string" ? [v] : v),
  encode: (v) => v,
}).pipe(
  Schema.filter((defs) => {
    const r = parseTableSpecs(defs);
    return "error" in r ? r.error : true;
  }),
);

const HtableParams = Schema.Struct({
  htable: Schema.optionalWith(Definitions, { default: () => [] }).annotations({
    description: 'A hash table: "name=>size=8;autoexpire=0;initval=0;updateexpire=1"; repeat for more tables.',
  }),
  table_memory: Schema.optionalWith(Schema.Int.pipe(Schema.between(4096, 1 << 30)), { default: () => 4 << 20 }).annotations({
    description: "Bytes of shared memory for each table (index and items).",
  }),
  timer_interval: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 86400)), { default: () => 20 }).annotations({
    description: "Seconds between two sweeps that remove expired items.",
  }),
});

type Params = typeof HtableParams.Type;

const specsOf = (p: Params): Effect.Effect<readonly TableSpec[], ReturnType<typeof sipmodError>> => {
  const r = parseTableSpecs(p.htable);
  return "error" in r
    ? Effect.fail(sipmodError("SM_PARAM_INVALID", r.error, { module: "htable", hint: 'Write modparam("htable", "htable", "name=>size=8;autoexpire=600").' }))
    : Effect.succeed(r);
};

/** Main thread: a timer that removes expired items (reads never see them anyway). */
const sweeper = (seconds: number) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const t = setInterval(() => {
        for (const table of allTables()) table.sweep();
      }, seconds * 1000);
      t.unref();
      return t;
    }),
    (t) => Effect.sync(() => clearInterval(t)),
  );

/** htable: named hash tables shared by every process of the server ($sht). */
export default defineModule({
  name: "htable",
  version: "0.1.0",
  core: CORE_MAJOR,
  doc: {
    overview:
      "Named hash tables in shared memory: every process of the server (the main thread and every worker thread) reads " +
      "and writes the same items through `$sht(table=>key)`. An item holds an integer or a string. A table can remove " +
      "items that were not updated for some time (`autoexpire`), give a start value for missing keys (`initval`), and " +
      "count or increment items atomically ($shtcn, $shtinc). Typical uses: a cache in front of a slow lookup, counters " +
      "per source address, a ban list.\n\n" +
      "Each table is a segment of `table_memory` bytes of the server's shared memory, laid out when the server starts " +
      "and attached by every worker thread; the index " +
      "holds up to 3/4 of `table_memory / 64` items (49152 with the default 4 MiB). A table that is full refuses new " +
      "items: the assignment fails with a logged error and the functions return -1. Expired items are never read; a " +
      "timer in the main thread removes them every `timer_interval` seconds.\n\n" +
      "```\n" +
      'modparam("htable", "htable", "ipban=>size=8;autoexpire=300;")\n' +
      'modparam("htable", "htable", "calls=>size=4;initval=0;")\n' +
      "...\n" +
      "if ($sht(ipban=>blocked) == 1) { sl_send_reply(\"403\", \"Blocked\"); exit; }\n" +
      "$sht(calls=>total) = $shtinc(calls=>total);\n" +
      "```",
    params: {
      htable: {
        doc:
          "Defines a hash table; repeat the parameter for more tables. The value is the table name, `=>`, then " +
          "attributes separated by `;`: `size` (Kamailio's bucket count, 2^size: checked but memory comes from " +
          "`table_memory`), `autoexpire` (seconds without update after which an item is removed; 0, the default, keeps " +
          "items forever), `initval` (the integer read for a missing key instead of $null, and the start of " +
          "$shtinc/$shtdec), `updateexpire` (1, the default: an update restarts the item's expiry time; 0: it does " +
          "not). Kamailio's database and replication attributes (`dbtable`, `dbmode`, `cols`, `dmqreplicate`) are " +
          "refused at start-up, since sipmod has no database or replication backend.",
        example: '"ipban=>size=8;autoexpire=300;"',
      },
      table_memory: {
        doc:
          "Bytes of shared memory reserved for each table, for its index and its items (keys and string values). " +
          "The index has one slot per 64 bytes (a power of two) and is filled to 3/4 at most.",
        example: "16777216",
      },
      timer_interval: { doc: "Seconds between two sweeps of the tables with `autoexpire` that remove expired items.", example: "10" },
    },
    differences: [
      "Tables have a fixed size (`table_memory` each) instead of drawing on Kamailio's shared memory pool; `size` " +
        "does not change how much a table holds.",
      "Loading from and saving to a database (`dbtable`, `dbmode`, `cols`, the db_* parameters, htable.reload, " +
        "htable.store) and DMQ replication are not available; those attributes stop start-up with an explanation.",
      "sht_lock/sht_unlock, the sht_iterator_* functions with $shtitkey/$shtitval, $shtrecord and the event routes " +
        "htable:mod-init and htable:expired:<table> are not provided.",
      "A `$` that does not start a pseudo-variable is a plain character of a key (`$shtcn(t=>~~x[0-9]$)`); Kamailio " +
        "refuses such a key at start-up.",
      "sht_setxi returns 1 when it sets the item; Kamailio 5.6 returns 0 there, which ends the script after the call.",
      "htable.dump lists `{ name, value, expires? }` items instead of Kamailio's slot-by-slot structure; htable.reset " +
        "is an alias of htable.flush.",
    ],
  },
  params: HtableParams,
  pvs: htablePvs,
  functions: htableFunctions,
  rpc: htableRpc,
  // The tables live in shared-memory segments: the main thread lays them out in init (and sweeps
  // them); every process attaches the same segments in childInit.
  init: (p) =>
    Effect.gen(function* () {
      const specs = yield* specsOf(p);
      const prev = installTables(yield* sharedTables(specs, p.table_memory));
      yield* Effect.addFinalizer(() => Effect.sync(() => installTables(prev)));
      if (specs.some((s) => s.autoexpire > 0)) yield* sweeper(p.timer_interval);
    }),
  childInit: (p) =>
    Effect.gen(function* () {
      const specs = yield* specsOf(p);
      const prev = installTables(yield* sharedTables(specs, p.table_memory));
      yield* Effect.addFinalizer(() => Effect.sync(() => installTables(prev)));
    }),
});
