/**
 * `#!subst "/regex/replacement/flags"` rules: applied, in the order they were declared, to every
 * string literal and pseudo-variable read after them. The first character is the delimiter (a
 * backslash before it makes it literal). Flags: `g` (every match), `i` (ignore case).
 * In the replacement `\1`..`\9` are groups, `\0` the whole match, `\\` a backslash.
 */
export interface SubstRule {
  readonly re: RegExp;
  readonly pattern: string;
  readonly replacement: string;
}

export type SubstParse = { readonly ok: true; readonly rule: SubstRule } | { readonly ok: false; readonly message: string };

export const parseSubst = (spec: string): SubstParse => {
  if (spec.length < 3) return { ok: false, message: `"${spec}" is too short: expected /regex/replacement/flags` };
  const delim = spec[0]!;
  const parts: string[] = [];
  let cur = "";
  for (let i = 1; i < spec.length; i++) {
    const ch = spec[i]!;
    if (ch === "\\" && i + 1 < spec.length && spec[i + 1] === delim) {
      cur += delim;
      i++;
    } else if (ch === delim && parts.length < 2) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (parts.length < 2) {
    return { ok: false, message: `"${spec}" has fewer than three '${delim}' delimiters: expected ${delim}regex${delim}replacement${delim}flags` };
  }
  const [pattern, replacement] = parts as [string, string];
  const flags = cur;
  let jsFlags = "";
  for (const f of flags) {
    if (f === "g" || f === "i") {
      if (!jsFlags.includes(f)) jsFlags += f;
    } else return { ok: false, message: `unknown flag '${f}' in "${spec}" (use g and/or i)` };
  }
  if (pattern === "") return { ok: false, message: `empty regular expression in "${spec}"` };
  try {
    return { ok: true, rule: { re: new RegExp(pattern, jsFlags), pattern, replacement } };
  } catch (e) {
    return { ok: false, message: `invalid regular expression /${pattern}/: ${e instanceof Error ? e.message : String(e)}` };
  }
};

const expandReplacement = (replacement: string, groups: readonly (string | undefined)[]): string => {
  let out = "";
  for (let i = 0; i < replacement.length; i++) {
    const ch = replacement[i]!;
    if (ch === "\\" && i + 1 < replacement.length) {
      const d = replacement[i + 1]!;
      if (d >= "0" && d <= "9") out += groups[Number(d)] ?? "";
      else out += d;
      i++;
    } else out += ch;
  }
  return out;
};

export const applySubst = (rule: SubstRule, text: string): string =>
  text.replace(rule.re, (...m: unknown[]) => {
    // m = [match, g1..gN, offset, input, (named groups)]
    const groups: (string | undefined)[] = [];
    for (const x of m) {
      if (typeof x !== "string" && x !== undefined) break;
      groups.push(x);
    }
    return expandReplacement(rule.replacement, groups);
  });

export const applySubsts = (rules: readonly SubstRule[], text: string): string => {
  let out = text;
  for (const r of rules) out = applySubst(r, out);
  return out;
};
