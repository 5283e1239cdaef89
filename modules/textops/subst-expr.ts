import { asBytes, compileRe, type ReOptions } from "./regex.ts";

/**
 * sed-like substitutions as subst_uri, subst_user and subst_body take them: `/re/repl/flags`.
 * The first character is the separator (any punctuation); `\` followed by the separator stands
 * for the separator itself. In `repl`, `\0`..`\9` insert what the whole match and its groups
 * matched, `\u` the current Request-URI, `\n` `\r` `\t` `\\` the usual characters. Flags: `i`
 * ignore case, `g` replace every match (else the first), `s` let `.` and `$` cross line breaks.
 * Pseudo-variables in `repl` are replaced before the expression is read.
 */

export type ReplPart =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "group"; readonly n: number }
  | { readonly kind: "uri" };

export interface SubstExpr {
  readonly re: string;
  readonly repl: readonly ReplPart[];
  readonly global: boolean;
  readonly options: ReOptions;
}

const isSeparator = (c: string): boolean => /^[!-/:-@[-`{-~]$/.test(c) && c !== "\\";

/** The regular expression part: up to the first separator not escaped; [text, index of that separator]. */
const readRe = (text: string, sep: string): [string, number] | undefined => {
  let re = "";
  for (let i = 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\" && i + 1 < text.length) {
      re += text[i + 1] === sep ? sep : `\\${text[i + 1]}`;
      i++;
      continue;
    }
    if (c === sep) return [re, i];
    re += c;
  }
  return undefined;
};

const parseRepl = (raw: string, sep: string): readonly ReplPart[] | { readonly error: string } => {
  const parts: ReplPart[] = [];
  let text = "";
  const flush = () => {
    if (text.length > 0) parts.push({ kind: "text", text });
    text = "";
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== "\\") {
      text += c;
      continue;
    }
    const d = raw[i + 1];
    i++;
    if (d === undefined) return { error: "the replacement ends with a lone backslash" };
    if (d >= "0" && d <= "9") {
      flush();
      parts.push({ kind: "group", n: d.charCodeAt(0) - 48 });
    } else if (d === "u") {
      flush();
      parts.push({ kind: "uri" });
    } else if (d === "n") text += "\n";
    else if (d === "r") text += "\r";
    else if (d === "t") text += "\t";
    else if (d === "\\" || d === sep) text += d;
    else return { error: `unknown escape \\${d} in the replacement (use \\0..\\9, \\u, \\n, \\r, \\t, \\\\ or \\${sep})` };
  }
  flush();
  return parts;
};

/** How many groups a regular expression has (it must compile). */
const groupCount = (re: RegExp): number => new RegExp(`${re.source}|`, re.flags.replace("g", "")).exec("")!.length - 1;

/**
 * Read `/re/repl/flags`. `lastSeparator`: the replacement runs to the LAST separator (for text
 * whose replacement came from pseudo-variables and may hold the separator); otherwise to the first
 * separator that is not escaped, and the rest must be flags.
 */
export const parseSubst = (text: string, lastSeparator = false): SubstExpr | { readonly error: string } => {
  const sep = text[0];
  if (sep === undefined || !isSeparator(sep)) return { error: `"${text}" does not start with a separator such as /` };
  const r = readRe(text, sep);
  if (r === undefined) return { error: `"${text}": the regular expression has no closing ${sep}` };
  const [re, reEnd] = r;
  let replEnd: number;
  if (lastSeparator) replEnd = text.lastIndexOf(sep);
  else {
    replEnd = -1;
    for (let i = reEnd + 1; i < text.length; i++) {
      if (text[i] === "\\") i++;
      else if (text[i] === sep) {
        replEnd = i;
        break;
      }
    }
  }
  if (replEnd <= reEnd) return { error: `"${text}": write ${sep}re${sep}replacement${sep}flags (the replacement has no closing ${sep})` };
  const flags = text.slice(replEnd + 1);
  if (!/^[igs]*$/.test(flags)) return { error: `"${text}": unknown flags "${flags}" (use i, g and s)` };
  const repl = parseRepl(text.slice(reEnd + 1, replEnd), sep);
  if ("error" in repl) return { error: `"${text}": ${repl.error}` };
  const options: ReOptions = { icase: flags.includes("i"), newline: !flags.includes("s") };
  let compiled: RegExp;
  try {
    compiled = compileRe(re, options);
  } catch (e) {
    return { error: `"${text}": bad regular expression "${re}": ${e instanceof Error ? e.message : String(e)}` };
  }
  const groups = groupCount(compiled);
  const maxRef = repl.reduce((m, p) => (p.kind === "group" ? Math.max(m, p.n) : m), 0);
  if (maxRef > groups) return { error: `"${text}": the replacement uses \\${maxRef} but the expression has ${groups} group(s)` };
  return { re, repl, global: flags.includes("g"), options };
};

/**
 * Apply the substitution to `subject`. undefined when nothing matched. `uri` gives the current
 * Request-URI for `\u` (undefined: there is none, and the substitution fails). `bytes`: subject
 * is a byte string (see regex.ts) and the replacement text is converted to match.
 */
export const applySubst = (
  se: SubstExpr,
  subject: string,
  uri: () => string | undefined,
  bytes = false,
): string | undefined => {
  const re = compileRe(se.re, { ...se.options, bytes }, true);
  re.lastIndex = 0;
  let out = "";
  let last = 0;
  let n = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(subject)) !== null) {
    out += subject.slice(last, m.index);
    for (const p of se.repl) {
      if (p.kind === "text") out += bytes ? asBytes(p.text) : p.text;
      else if (p.kind === "group") out += m[p.n] ?? "";
      else {
        const u = uri();
        if (u === undefined) return undefined;
        out += bytes ? asBytes(u) : u;
      }
    }
    last = m.index + m[0].length;
    n++;
    if (!se.global) break;
    if (m[0].length === 0) re.lastIndex++;
  }
  if (n === 0) return undefined;
  return out + subject.slice(last);
};
