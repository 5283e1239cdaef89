import type { CallContext } from "../../core/module/call-context.ts";
import { pv, type AnyPvSpec } from "../../core/module/define-module.ts";
import type { ScriptValue } from "../../core/module/values.ts";
import { strToInt } from "../../core/script/values.ts";
import { countMatcher, type Matcher } from "./match-op.ts";
import type { HtValue, SharedTable } from "./shared-table.ts";
import { parseTableAndText, type PvParseTools, type ShtName } from "./sht-name.ts";
import { tableNamed } from "./tables.ts";

/** The pseudo-variables of htable: $sht, $shtex, $shtinc, $shtdec, $shtcn, $shtcv. */

const table = (n: ShtName): SharedTable | undefined => tableNamed(n.table);

const mustTable = (n: ShtName, what: string): SharedTable => {
  const t = table(n);
  if (t === undefined) throw new Error(`$${what}(${n.table}=>${n.text}): there is no hash table "${n.table}" (define it with modparam("htable", "htable", "${n.table}=>size=8"))`);
  return t;
};

const nameParser =
  (what: string) =>
  (inner: string | undefined, tools?: PvParseTools): ShtName | { readonly error: string } =>
    parseTableAndText(inner, what, tools);

const getItem = (ctx: CallContext, n: ShtName): ScriptValue => {
  const t = table(n);
  if (t === undefined) return null;
  const v = t.get(n.key(ctx));
  return v !== undefined ? v : (t.behaviour.initval ?? null);
};

const setItem = (ctx: CallContext, n: ShtName, v: ScriptValue): void => {
  const t = mustTable(n, "sht");
  const key = n.key(ctx);
  if (v === null) t.delete(key);
  else t.set(key, v as HtValue);
};

const seconds = (v: ScriptValue, what: string): number => {
  if (typeof v === "number") return v;
  const n = v === null ? 0 : strToInt(v);
  if (n === undefined) throw new Error(`$${what}: the expiry must be a number of seconds, not "${String(v)}"`);
  return n;
};

/** `table=>expression` of $shtcn/$shtcv: the matcher compiled once when the text is fixed. */
interface CountName extends ShtName {
  readonly matcher: Matcher | undefined;
}

/** `**` counts every item, also for $shtcv (whose other operators only look at string values). */
const isAll = (expr: string): boolean => expr.startsWith("**");

const countParser =
  (what: string) =>
  (inner: string | undefined, tools?: PvParseTools): CountName | { readonly error: string } => {
    const n = parseTableAndText(inner, what, tools);
    if ("error" in n) return n;
    if (n.dynamic) return { ...n, matcher: undefined };
    const m = countMatcher(n.text);
    if (typeof m !== "function") return { error: m.error };
    return { ...n, matcher: m };
  };

const countItems = (ctx: CallContext, n: CountName, values: boolean): ScriptValue => {
  const t = table(n);
  if (t === undefined) return null;
  let m = n.matcher;
  if (m === undefined) {
    const d = countMatcher(n.key(ctx));
    if (typeof d !== "function") return null;
    m = d;
  }
  const match = m;
  if (values && !isAll(n.dynamic ? n.key(ctx) : n.text)) return t.count((_k, v) => typeof v === "string" && match(v));
  return t.count((k) => match(k));
};

export const htablePvs: readonly AnyPvSpec[] = [
  pv<ShtName>({
    name: "sht",
    inner: "required",
    doc:
      "`$sht(table=>key)`: the item `key` of hash table `table`, shared by every process. Reads the value (an int or a " +
      "string), the table's `initval` when the key is missing and the table has one, else $null. Assigning an int or " +
      "a string stores it with that type; assigning $null removes the item. In a table with `autoexpire` a new item " +
      "expires that many seconds later, and an update restarts that time unless the table has `updateexpire=0`.",
    parse: nameParser("sht"),
    get: getItem,
    set: setItem,
  }),
  pv<ShtName>({
    name: "shtex",
    inner: "required",
    doc:
      "`$shtex(table=>key)`: seconds until the item expires; 0 when it never does, when it is missing, and always in a " +
      "table without `autoexpire`. Assigning N makes the item expire N seconds from now (0: never); in a table without " +
      "`autoexpire` the assignment is ignored, as in Kamailio.",
    parse: nameParser("shtex"),
    get: (ctx, n) => {
      const t = table(n);
      return t === undefined ? null : (t.expiresIn(n.key(ctx)) ?? 0);
    },
    set: (ctx, n, v) => {
      mustTable(n, "shtex").setExpire(n.key(ctx), seconds(v, "shtex"));
    },
  }),
  pv<ShtName>({
    name: "shtinc",
    inner: "required",
    doc:
      "`$shtinc(table=>key)`: add 1 to the item's integer value, atomically for all processes, and read the result. " +
      "A missing item is created from the table's `initval`; without `initval`, or when the value is a string, nothing " +
      "changes and the result is $null.",
    parse: nameParser("shtinc"),
    get: (ctx, n) => {
      const t = table(n);
      return t === undefined ? null : (t.add(n.key(ctx), 1) ?? null);
    },
  }),
  pv<ShtName>({
    name: "shtdec",
    inner: "required",
    doc: "`$shtdec(table=>key)`: like $shtinc, subtracting 1.",
    parse: nameParser("shtdec"),
    get: (ctx, n) => {
      const t = table(n);
      return t === undefined ? null : (t.add(n.key(ctx), -1) ?? null);
    },
  }),
  pv<CountName>({
    name: "shtcn",
    inner: "required",
    doc:
      "`$shtcn(table=>expression)`: how many item names match. The expression is a POSIX extended regular expression, " +
      "or starts with an operator: `~~re` regular expression, `%~text` names starting with text, `~%text` names " +
      "ending with text, `==text` the name equal to text, `**` every item.",
    parse: countParser("shtcn"),
    get: (ctx, n) => countItems(ctx, n, false),
  }),
  pv<CountName>({
    name: "shtcv",
    inner: "required",
    doc:
      "`$shtcv(table=>expression)`: how many string values match the expression (same operators as $shtcn; integer " +
      "values are not matched, but `**` counts every item).",
    parse: countParser("shtcv"),
    get: (ctx, n) => countItems(ctx, n, true),
  }),
];
