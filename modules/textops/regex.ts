import { Effect } from "effect";
import { sipmodError } from "../../core/errors.ts";
import type { FixupSite } from "../../core/module/define-module.ts";
import { posixToJs } from "../../core/script/posix-regex.ts";

/**
 * POSIX extended regular expressions as textops compiles them. Kamailio compiles them with
 * REG_EXTENDED|REG_ICASE|REG_NEWLINE (search, remove_hf_re ...): case is ignored, `.` does not
 * match a line break and `^`/`$` also match at line starts and ends. `subst` expressions ignore
 * case only with the `i` flag and match across lines with the `s` flag.
 *
 * The message and its body are searched as bytes (one char per byte, as Kamailio does); such
 * expressions are compiled with `bytes` so that a non-ASCII character in the config matches its
 * UTF-8 bytes.
 */
export interface ReOptions {
  readonly icase: boolean;
  /** REG_NEWLINE: `.` stops at line breaks, ^ and $ match at every line. */
  readonly newline: boolean;
  /** Compile for a byte string (latin1 text of UTF-8 bytes). */
  readonly bytes?: boolean;
}

export const KAMAILIO_RE: ReOptions = { icase: true, newline: true };

const isAscii = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
};

/** The text as one char per UTF-8 byte (what a Buffer decoded as latin1 gives). */
export const asBytes = (s: string): string => (isAscii(s) ? s : Buffer.from(s, "utf8").toString("latin1"));

/** A byte string back to text. */
export const fromBytes = (s: string): string => (isAscii(s) ? s : Buffer.from(s, "latin1").toString("utf8"));

/**
 * POSIX REG_NEWLINE on a JavaScript source made by posixToJs: only LF is a line break (JavaScript's
 * `.`, `^`, `$` also stop at CR, which SIP lines end with before the LF). `.` becomes "not LF", a
 * negated bracket expression also refuses LF, `^` matches at the start or after an LF, `$` at the
 * end or before an LF.
 */
const posixNewline = (src: string): string => {
  let out = "";
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === "\\") {
      out += c + (src[i + 1] ?? "");
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      if (src[i + 1] === "^") {
        out += "[^\\n";
        i++;
      } else out += c;
      continue;
    }
    if (c === ".") out += "[^\\n]";
    else if (c === "^") out += "(?<![^\\n])";
    else if (c === "$") out += "(?![^\\n])";
    else out += c;
  }
  return out;
};

const cache = new Map<string, RegExp | SyntaxError>();

/**
 * Compile (cached) a POSIX ERE with the options; `global` adds the g flag (for replace loops).
 * Throws SyntaxError when the expression is invalid.
 */
export const compileRe = (re: string, o: ReOptions, global = false): RegExp => {
  const key = `${o.icase ? "i" : "-"}${o.newline ? "n" : "-"}${o.bytes ? "b" : "-"}${global ? "g" : "-"}${re}`;
  let r = cache.get(key);
  if (r === undefined) {
    try {
      const src = posixToJs(o.bytes ? asBytes(re) : re);
      r = new RegExp(o.newline ? posixNewline(src) : src, `${o.icase ? "i" : ""}s${global ? "g" : ""}`);
    } catch (e) {
      r = e instanceof SyntaxError ? e : new SyntaxError(String(e));
    }
    if (cache.size >= 1024) cache.clear();
    cache.set(key, r);
  }
  if (r instanceof SyntaxError) throw r;
  return r;
};

/** compileRe, or the reason it failed. */
export const tryCompileRe = (re: string, o: ReOptions, global = false): RegExp | { readonly error: string } => {
  try {
    return compileRe(re, o, global);
  } catch (e) {
    return { error: `bad regular expression "${re}": ${e instanceof Error ? e.message : String(e)}` };
  }
};

/** A load-time error of a textops function (static parameter), at the call's position. */
export const fixupError = (site: FixupSite, message: string, hint?: string) =>
  Effect.fail(sipmodError("SM_CFG_FIXUP", message, { pos: site.pos, module: "textops", ...(hint !== undefined ? { hint } : {}) }));

/** The static text of parameter i (undefined when it has pseudo-variables). */
export const staticArg = (site: FixupSite, i: number): string | undefined => {
  const a = site.args[i];
  return a?.kind === "static" ? String(a.value) : undefined;
};

/** Fixup for a function whose parameter `i` is a fixed regular expression: compile it once. */
export const regexFixup = (fname: string, i: number, o: ReOptions) => (site: FixupSite) => {
  const re = staticArg(site, i) ?? "";
  const r = tryCompileRe(re, o);
  return r instanceof RegExp
    ? Effect.succeed(r)
    : fixupError(site, `${fname}(): ${r.error}`, "Write a POSIX extended regular expression (as Kamailio's regcomp takes it).");
};
