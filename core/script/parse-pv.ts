import type { PvTransform } from "./ast.ts";

/** The parts of a pseudo-variable reference, without a position (see `PvRef` in ast.ts). */
export interface PvParts {
  readonly name: string;
  readonly inner?: string | undefined;
  readonly index?: string | undefined;
  readonly transforms: readonly PvTransform[];
  readonly braced: boolean;
  readonly text: string;
}

export type PvScan =
  | { readonly ok: true; readonly end: number; readonly pv: PvParts }
  | { readonly ok: false; readonly end: number; readonly message: string };

const isNameChar = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;

/** Offset just past the bracket that closes the one at `open`, counting (), {} and [] nesting; -1 if none. */
const closeOf = (src: string, open: number): number => {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 40 || c === 123 || c === 91) depth++; // ( { [
    else if (c === 41 || c === 125 || c === 93) {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === 10) {
      return -1; // a pseudo-variable never spans lines
    }
  }
  return -1;
};

/** Split on commas that are not nested inside (), {} or []. */
const splitTopLevel = (s: string): string[] => {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 40 || c === 123 || c === 91) depth++;
    else if (c === 41 || c === 125 || c === 93) depth--;
    else if (c === 44 && depth === 0) {
      out.push(s.slice(from, i));
      from = i + 1;
    }
  }
  out.push(s.slice(from));
  return out;
};

const transformOf = (text: string): PvTransform => {
  const parts = splitTopLevel(text);
  return { name: parts[0]!.trim(), args: parts.slice(1), text };
};

/** `{` followed by `class.name` (letters/digits/_ then a dot): the start of a transformation. */
const looksLikeTransform = (src: string, at: number): boolean => {
  if (src.charCodeAt(at) !== 123) return false;
  let i = at + 1;
  const start = i;
  while (i < src.length && isNameChar(src.charCodeAt(i))) i++;
  return i > start && src.charCodeAt(i) === 46;
};

/** Read `{tr}{tr}...` starting at `i`; returns the end offset, or a negative failure offset. */
const readTransforms = (src: string, i: number, out: PvTransform[]): number => {
  while (looksLikeTransform(src, i)) {
    const end = closeOf(src, i);
    if (end < 0) return -(i + 1);
    out.push(transformOf(src.slice(i + 1, end - 1)));
    i = end;
  }
  return i;
};

/**
 * Scan a pseudo-variable starting at `src[start] === "$"`. Accepted forms:
 * `$name`, `$name(inner)` (nested parentheses allowed: `$sht(t=>$var(k))`), `$(name[(inner)][[index]]{tr}...)`,
 * and, as an extension of Kamailio's syntax, transformations right after an unbraced reference
 * (`$var(x){s.len}`). `$?` is the return code. Used by the lexer and usable on string contents.
 */
export const scanPv = (src: string, start: number): PvScan => {
  let i = start + 1;
  const c = src.charCodeAt(i);
  if (c === 63) {
    // $?
    return { ok: true, end: i + 1, pv: { name: "?", transforms: [], braced: false, text: "$?" } };
  }
  const transforms: PvTransform[] = [];
  if (c === 40) {
    // $( name [(inner)] [[index]] {tr}* )
    i++;
    const nameStart = i;
    while (i < src.length && isNameChar(src.charCodeAt(i))) i++;
    if (i === nameStart) return { ok: false, end: i, message: "expected a pseudo-variable name after '$('" };
    const name = src.slice(nameStart, i);
    let inner: string | undefined;
    let index: string | undefined;
    if (src.charCodeAt(i) === 40) {
      const end = closeOf(src, i);
      if (end < 0) return { ok: false, end: src.length, message: `unclosed '(' in $(${name}(...` };
      inner = src.slice(i + 1, end - 1);
      i = end;
    }
    if (src.charCodeAt(i) === 91) {
      const end = closeOf(src, i);
      if (end < 0) return { ok: false, end: src.length, message: `unclosed '[' in $(${name}[...` };
      index = src.slice(i + 1, end - 1);
      i = end;
    }
    const t = readTransforms(src, i, transforms);
    if (t < 0) return { ok: false, end: src.length, message: `unclosed '{' in a transformation of $(${name}...)` };
    i = t;
    if (src.charCodeAt(i) !== 41) {
      return { ok: false, end: i, message: `expected ')' to close $(${name}...), found ${describeChar(src, i)}` };
    }
    i++;
    return { ok: true, end: i, pv: { name, inner, index, transforms, braced: true, text: src.slice(start, i) } };
  }
  const nameStart = i;
  while (i < src.length && isNameChar(src.charCodeAt(i))) i++;
  if (i === nameStart) return { ok: false, end: i, message: "expected a pseudo-variable name after '$'" };
  const name = src.slice(nameStart, i);
  let inner: string | undefined;
  if (src.charCodeAt(i) === 40) {
    const end = closeOf(src, i);
    if (end < 0) return { ok: false, end: src.length, message: `unclosed '(' in $${name}(...` };
    inner = src.slice(i + 1, end - 1);
    i = end;
  }
  const t = readTransforms(src, i, transforms);
  if (t < 0) return { ok: false, end: src.length, message: `unclosed '{' in a transformation of $${name}` };
  i = t;
  return { ok: true, end: i, pv: { name, inner, transforms, braced: false, text: src.slice(start, i) } };
};

const describeChar = (src: string, i: number): string =>
  i >= src.length ? "end of input" : `'${src[i] === "\n" ? "\\n" : src[i]}'`;
