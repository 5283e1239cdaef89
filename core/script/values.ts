import type { ScriptValue } from "../module/values.ts";

export type { ScriptValue } from "../module/values.ts";

/**
 * Kamailio's value typing, as the cfg interpreter applies it. Checked against Kamailio 5.6.3
 * (`src/core/rvalue.c` and runs of the real server); the examples are the results it gives.
 *
 * A value is an integer (32-bit, `number`), a string, or undefined (`null`: `$avp(x)` never set,
 * `$hdr(X)` absent, `$null`). A literal `1` is an int, `"1"` is a string; `$var(x) = 1` stores an
 * int, `$var(x) = "1"` a string, and the type travels with the value.
 *
 * Conversions (`toInt`, `toStr`):
 * - string -> int: optional `+`/`-` then decimal digits, or `0x`/`0X` hex; `""` is 0; anything else
 *   (`"abc"`, `" 12"`, `"12abc"`, `"1.5"`) converts to 0 (Kamailio logs a warning and goes on).
 * - int -> string: decimal. undefined -> int 0, undefined -> string `""`.
 *
 * Operators (`a OP b`):
 * - `+` takes the type of its LEFT operand: int left is integer addition (right converted to int),
 *   string or undefined left is concatenation (right converted to string):
 *   `1 + "2"` = 3, `"1" + 2` = "12", `"a" + "b" + 1 + 2` = "ab12", `"x" + 1 * 2` = "x2",
 *   `$var(abc) + 1` = "abc1", `1 + $var(abc)` = 1, `$null + 1` = "1".
 *   (`1 + "2"` written with two literals is refused at load time: "type mismatch".)
 * - `- * / % | & ^ << >> < > <= >= ieq ine` and unary `- ! ~` work on ints (both sides converted):
 *   `"1" - 2` = -1, `"10" < "9"` is false, `-"1"` = -1, `!"abc"` = 1, `7 / 2` = 3, `-7 / 2` = -3,
 *   `-7 mod 3` = -1. Division or modulo by 0 makes the whole expression fail (an `if` is then false,
 *   an assignment leaves the variable unchanged).
 * - `&&` `||` give 1 or 0 and evaluate the right side only when needed.
 * - `==` `!=` follow the LEFT operand: int left compares as ints (`0 == $var(abc)` is true since
 *   "abc" is 0), string left compares as strings (`$var(abc) == 0` is false; `"10" == 10` is true,
 *   `"" == 0` is false), undefined left takes the right side's type (`$null == 0` and
 *   `$null == ""` are true). Comparing with the constant `""` is a test for the empty string
 *   (`0 == ""` is false: Kamailio rewrites `x == ""` into `strempty(x)`); `!=` has no such rewrite
 *   (`0 != ""` is false too).
 * - `eq` `ne` always compare as strings; `=~` `!~` match the left side (as a string) against a POSIX
 *   extended regular expression, ignoring case, not anchored (`"ABC" =~ "abc"` is true).
 * - `strlen(x)` is the length in bytes of x as a string (`strlen(1)` = 1), `strempty(x)` is 1 when
 *   x as a string is empty (`strempty(0)` = 0, `strempty($null)` = 1), `defined x` is 0 only for a
 *   pseudo-variable whose value is undefined (`defined $var(x)` is always 1: $var defaults to 0).
 * - `(int)x`, `(str)x` convert. A function call used as a value is its return code
 *   (`$var(x) = is_method("INVITE")` stores -1 for an OPTIONS), `route(R)` is R's return value.
 * - Conditions (`if`, `switch` on ints) take the value as an int: true when > 0. `while` loops
 *   while the value is not 0 (a negative value keeps looping).
 */

/** The integer a string denotes (`-12`, `+12`, `0x1A`, `""` is 0); undefined when it denotes none. */
export const strToInt = (s: string): number | undefined => {
  const n = s.length;
  if (n === 0) return 0;
  let i = 0;
  let sign = 1;
  const c0 = s.charCodeAt(0);
  if (c0 === 45) {
    sign = -1;
    i = 1;
  } else if (c0 === 43) i = 1;
  let v = 0;
  let ok = true;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) {
      ok = false;
      break;
    }
    v = v * 10 + (c - 48);
  }
  if (ok) return (sign * v) | 0;
  if (n > 2 && c0 === 48 && (s.charCodeAt(1) | 0x20) === 120) {
    let h = 0;
    for (let j = 2; j < n; j++) {
      const c = s.charCodeAt(j);
      const d = c >= 48 && c <= 57 ? c - 48 : (c | 0x20) >= 97 && (c | 0x20) <= 102 ? (c | 0x20) - 87 : -1;
      if (d < 0) return undefined;
      h = h * 16 + d;
    }
    return h | 0;
  }
  return undefined;
};

/** A static integer parameter as written in the config (`"4"`, `"-1"`): decimal only, like Kamailio's fixups. */
export const staticIntText = (s: string): number | undefined => {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = Number(s);
  return Number.isSafeInteger(v) ? v : undefined;
};

/** Value as an int: strings by `strToInt` (0 when not a number), undefined is 0. */
export const toInt = (v: ScriptValue): number => {
  if (typeof v === "number") return v;
  if (v === null) return 0;
  return strToInt(v) ?? 0;
};

/** Value as a string: ints in decimal, undefined is "". */
export const toStr = (v: ScriptValue): string => (typeof v === "string" ? v : v === null ? "" : String(v));

/** Value as printed by xlog and other formats: undefined is `<null>`. */
export const toText = (v: ScriptValue): string => (typeof v === "string" ? v : v === null ? "<null>" : String(v));

/** True when every char is ASCII, so the UTF-16 length equals the UTF-8 length. */
const isAscii = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
};

/** Length in bytes (UTF-8), as Kamailio counts string lengths. */
export const byteLength = (s: string): number => (isAscii(s) ? s.length : Buffer.byteLength(s, "utf8"));
