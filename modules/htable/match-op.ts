import { compilePosix } from "../../core/script/posix-regex.ts";

/** A test on an item's name or string value. */
export type Matcher = (s: string) => boolean;

export type MatchOp = "eq" | "ne" | "re" | "sw";

const regex = (re: string): Matcher | { readonly error: string } => {
  try {
    const r = compilePosix(re, false);
    return (s) => r.test(s);
  } catch (e) {
    return { error: `bad regular expression "${re}": ${e instanceof Error ? e.message : String(e)}` };
  }
};

/**
 * The match operators of sht_match_name, sht_rm_name ...: eq (equal), ne (not equal), re (POSIX
 * extended regular expression, case-sensitive, not anchored), sw (starts with). `allowed` lists
 * the operators the caller takes.
 */
export const opMatcher = (op: string, value: string, allowed: readonly MatchOp[]): Matcher | { readonly error: string } => {
  if (!(allowed as readonly string[]).includes(op)) return { error: `unknown operator "${op}" (use ${allowed.join(", ")})` };
  switch (op as MatchOp) {
    case "eq":
      return (s) => s === value;
    case "ne":
      return (s) => s !== value;
    case "sw":
      return (s) => s.startsWith(value);
    case "re":
      return regex(value);
  }
};

/**
 * The expression of $shtcn / $shtcv: a two-character operator prefix, or a bare regular expression.
 * `~~re` regular expression, `~%text` ends with text, `%~text` starts with text (the `%` stands
 * where the rest of the name may be, as in SQL's LIKE), `==text` equal, `**` everything.
 * (Checked against Kamailio 5.6: `eq` is not an operator there, `eqx` is the regular expression "eqx".)
 */
export const countMatcher = (expr: string): Matcher | { readonly error: string } => {
  const op = expr.slice(0, 2);
  const rest = expr.slice(2);
  switch (op) {
    case "~~":
      return regex(rest);
    case "~%":
      return (s) => s.endsWith(rest);
    case "%~":
      return (s) => s.startsWith(rest);
    case "==":
      return (s) => s === rest;
    case "**":
      return () => true;
    default:
      return regex(expr);
  }
};
