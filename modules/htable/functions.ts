import { Effect } from "effect";
import { sipmodError } from "../../core/errors.ts";
import { fn, type FixupSite } from "../../core/module/define-module.ts";
import { KAMAILIO_LEVELS, logAtLevel } from "../../core/script/log-level.ts";
import { opMatcher, type Matcher, type MatchOp } from "./match-op.ts";
import type { HtValue, SharedTable } from "./shared-table.ts";
import { allTables, tableNamed } from "./tables.ts";

/** The config functions of htable. Every parameter may contain pseudo-variables, as in Kamailio. */

const noTable = (fname: string, name: string) =>
  Effect.as(Effect.logWarning(`htable: ${fname}(): there is no hash table "${name}"`), -1);

const withTable = (fname: string, name: string, f: (t: SharedTable) => number | Effect.Effect<number>): number | Effect.Effect<number> => {
  const t = tableNamed(name);
  return t === undefined ? noTable(fname, name) : f(t);
};

const staticText = (site: FixupSite, i: number): string | undefined => {
  const a = site.args[i];
  return a?.kind === "static" ? String(a.value) : undefined;
};

const fixupError = (site: FixupSite, message: string, hint?: string) =>
  Effect.fail(sipmodError("SM_CFG_FIXUP", message, { pos: site.pos, module: "htable", ...(hint !== undefined ? { hint } : {}) }));

/** `table=>text` as sht_rm_name_re and sht_rm_value_re take it. */
const splitTableText = (s: string): { readonly table: string; readonly text: string } | undefined => {
  const arrow = s.indexOf("=>");
  if (arrow <= 0) return undefined;
  return { table: s.slice(0, arrow).trim(), text: s.slice(arrow + 2) };
};

/** A matcher prepared at load time when the operator (and value) are fixed. */
interface Prepared {
  readonly matcher: Matcher | undefined;
}

const prepareOp = (fname: string, allowed: readonly MatchOp[], opAt: number, valueAt: number) => (site: FixupSite) => {
  const op = staticText(site, opAt);
  const value = staticText(site, valueAt);
  if (op === undefined) return Effect.succeed<Prepared>({ matcher: undefined });
  const m = opMatcher(op, value ?? "", allowed);
  if (typeof m !== "function") return fixupError(site, `${fname}(): ${m.error}`, `Use one of: ${allowed.join(", ")}.`);
  return Effect.succeed<Prepared>({ matcher: value !== undefined ? m : undefined });
};

const prepareRe = (fname: string) => (site: FixupSite) => {
  const text = staticText(site, 0);
  if (text === undefined) return Effect.succeed<Prepared>({ matcher: undefined });
  const parts = splitTableText(text);
  if (parts === undefined) return fixupError(site, `${fname}("${text}"): write "table=>regular expression"`);
  const m = opMatcher("re", parts.text, ["re"]);
  if (typeof m !== "function") return fixupError(site, `${fname}("${text}"): ${m.error}`);
  return Effect.succeed<Prepared>({ matcher: m });
};

const matcherOf = (fixed: Prepared, op: string, value: string, allowed: readonly MatchOp[]): Matcher | undefined => {
  if (fixed.matcher !== undefined) return fixed.matcher;
  const m = opMatcher(op, value, allowed);
  return typeof m === "function" ? m : undefined;
};

const removeBy = (fname: string, name: string, m: Matcher | undefined, onValue: boolean) => {
  if (m === undefined) return Effect.as(Effect.logWarning(`htable: ${fname}(): bad operator or regular expression`), -1);
  return withTable(fname, name, (t) => {
    t.removeWhere(onValue ? (_k, v) => typeof v === "string" && m(v) : (k) => m(k));
    return 1;
  });
};

const setWithExpire = (fname: string, name: string, key: string, value: HtValue, expire: number) =>
  withTable(fname, name, (t) => {
    try {
      t.setWithExpire(key, value, expire);
      return 1;
    } catch (e) {
      return Effect.as(Effect.logError(`htable: ${fname}(): ${e instanceof Error ? e.message : String(e)}`), -1);
    }
  });

const tableParam = { name: "htable", kind: "string-pv", doc: "Name of the hash table." } as const;
const keyParam = { name: "key", kind: "string-pv", doc: "Name of the item." } as const;
const opParam = (ops: readonly MatchOp[]) => ({ name: "op", kind: "string-pv", doc: `Operator: ${ops.join(", ")}.` }) as const;
const valParam = { name: "value", kind: "string-pv", doc: "What to match against." } as const;

const RM_OPS = ["re", "sw"] as const satisfies readonly MatchOp[];
const MATCH_OPS = ["eq", "ne", "re", "sw"] as const satisfies readonly MatchOp[];
const OPS_DOC =
  "`eq` equal, `ne` not equal, `re` POSIX extended regular expression (case-sensitive, not anchored), `sw` starts with";

const matchFn = (name: string, onValue: boolean, doc: string) =>
  fn({
    name,
    params: [tableParam, opParam(MATCH_OPS), valParam] as const,
    routes: "any",
    doc,
    returns: "1 (true) when at least one item matches, -1 (false) when none does or the table does not exist.",
    fixup: prepareOp(name, MATCH_OPS, 1, 2),
    run: (_ctx, [tbl, op, value], fixed: Prepared) => {
      const m = matcherOf(fixed, op, value, MATCH_OPS);
      if (m === undefined) return Effect.as(Effect.logWarning(`htable: ${name}(): bad operator or regular expression`), -1);
      return withTable(name, tbl, (t) =>
        t.count(onValue ? (_k, v) => typeof v === "string" && m(v) : (k) => m(k)) > 0 ? 1 : -1,
      );
    },
  });

const dumpText = (t: SharedTable): string => {
  const items = t.items();
  const lines = items.map((i) => `  ${i.key} => ${typeof i.value === "string" ? JSON.stringify(i.value) : i.value}`);
  return `htable "${t.name}": ${items.length} item(s)${lines.length > 0 ? `\n${lines.join("\n")}` : ""}`;
};

export const htableFunctions = [
  fn({
    name: "sht_print",
    params: [] as const,
    routes: "any",
    doc: "Write every item of every hash table to the log at L_ERR. Meant for debugging.",
    returns: "Always 1.",
    run: () => Effect.forEach(allTables(), (t) => logAtLevel(KAMAILIO_LEVELS.L_ERR, dumpText(t))).pipe(Effect.as(1)),
  }),
  fn({
    name: "sht_rm",
    params: [tableParam, keyParam] as const,
    routes: "any",
    doc: 'Remove the item `key` from the table; the same as `$sht(htable=>key) = $null`.',
    returns: "1 (true), also when the item did not exist; -1 (false) when the table does not exist.",
    run: (_ctx, [tbl, key]) =>
      withTable("sht_rm", tbl, (t) => {
        t.delete(key);
        return 1;
      }),
  }),
  fn({
    name: "sht_rm_name_re",
    params: [{ name: "spec", kind: "string-pv", doc: '"table=>regular expression".' }] as const,
    routes: "any",
    doc: "Remove every item of the table whose name matches the POSIX extended regular expression (case-sensitive).",
    returns: "1 (true); -1 (false) when the table does not exist or the expression is invalid.",
    fixup: prepareRe("sht_rm_name_re"),
    run: (_ctx, [spec], fixed: Prepared) => {
      const parts = splitTableText(spec);
      if (parts === undefined) return Effect.as(Effect.logWarning(`htable: sht_rm_name_re("${spec}"): write "table=>regexp"`), -1);
      return removeBy("sht_rm_name_re", parts.table, matcherOf(fixed, "re", parts.text, ["re"]), false);
    },
  }),
  fn({
    name: "sht_rm_value_re",
    params: [{ name: "spec", kind: "string-pv", doc: '"table=>regular expression".' }] as const,
    routes: "any",
    doc:
      "Remove every item of the table whose string value matches the POSIX extended regular expression " +
      "(case-sensitive); items with integer values are kept.",
    returns: "1 (true); -1 (false) when the table does not exist or the expression is invalid.",
    fixup: prepareRe("sht_rm_value_re"),
    run: (_ctx, [spec], fixed: Prepared) => {
      const parts = splitTableText(spec);
      if (parts === undefined) return Effect.as(Effect.logWarning(`htable: sht_rm_value_re("${spec}"): write "table=>regexp"`), -1);
      return removeBy("sht_rm_value_re", parts.table, matcherOf(fixed, "re", parts.text, ["re"]), true);
    },
  }),
  fn({
    name: "sht_rm_name",
    params: [tableParam, opParam(RM_OPS), valParam] as const,
    routes: "any",
    doc: "Remove every item whose name matches `value` with the operator: `re` regular expression, `sw` starts with.",
    returns: "1 (true); -1 (false) when the table does not exist or the operator or expression is invalid.",
    fixup: prepareOp("sht_rm_name", RM_OPS, 1, 2),
    run: (_ctx, [tbl, op, value], fixed: Prepared) => removeBy("sht_rm_name", tbl, matcherOf(fixed, op, value, RM_OPS), false),
  }),
  fn({
    name: "sht_rm_value",
    params: [tableParam, opParam(RM_OPS), valParam] as const,
    routes: "any",
    doc:
      "Remove every item whose string value matches `value` with the operator: `re` regular expression, `sw` starts " +
      "with. Items with integer values are kept.",
    returns: "1 (true); -1 (false) when the table does not exist or the operator or expression is invalid.",
    fixup: prepareOp("sht_rm_value", RM_OPS, 1, 2),
    run: (_ctx, [tbl, op, value], fixed: Prepared) => removeBy("sht_rm_value", tbl, matcherOf(fixed, op, value, RM_OPS), true),
  }),
  fn({
    name: "sht_setxs",
    params: [tableParam, keyParam, { name: "value", kind: "string-pv", doc: "String value." }, { name: "expire", kind: "int-pv", doc: "Seconds until the item expires (0: never)." }] as const,
    routes: "any",
    doc:
      "Set the item to a string value and make it expire `expire` seconds from now. In a table without `autoexpire` " +
      "items never expire and only the value is set.",
    returns: "1 (true); -1 (false) when the table does not exist or is full.",
    run: (_ctx, [tbl, key, value, expire]) => setWithExpire("sht_setxs", tbl, key, value, expire),
  }),
  fn({
    name: "sht_setxi",
    params: [tableParam, keyParam, { name: "value", kind: "int-pv", doc: "Integer value." }, { name: "expire", kind: "int-pv", doc: "Seconds until the item expires (0: never)." }] as const,
    routes: "any",
    doc: "Like sht_setxs, with an integer value.",
    returns: "1 (true); -1 (false) when the table does not exist or is full.",
    run: (_ctx, [tbl, key, value, expire]) => setWithExpire("sht_setxi", tbl, key, value | 0, expire),
  }),
  fn({
    name: "sht_reset",
    params: [tableParam] as const,
    routes: "any",
    doc: "Remove every item of the table.",
    returns: "1 (true); -1 (false) when the table does not exist.",
    run: (_ctx, [tbl]) =>
      withTable("sht_reset", tbl, (t) => {
        t.reset();
        return 1;
      }),
  }),
  matchFn("sht_match_name", false, `Check whether an item name matches \`value\` with the operator: ${OPS_DOC}.`),
  matchFn("sht_has_name", false, "The same as sht_match_name."),
  matchFn("sht_match_str_value", true, `Check whether an item's string value matches \`value\` with the operator: ${OPS_DOC}.`),
  matchFn("sht_has_str_value", true, "The same as sht_match_str_value."),
];
