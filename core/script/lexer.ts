import type { Pos } from "./ast.ts";
import { cfgError, report, type ErrorSink } from "./cfg-error.ts";
import { scanPv, type PvParts } from "./parse-pv.ts";

/**
 * Tokens of one cfg source text. The lexer knows comments, strings, pseudo-variables, selects,
 * numbers, IPv4 literals, operators and preprocessor directive lines; it does not expand defines
 * or follow includes (preprocess.ts does, driving this lexer).
 */
export type TokenKind = "id" | "num" | "dotted" | "str" | "pv" | "select" | "op" | "directive" | "eof";

export type DirectiveName =
  | "define"
  | "trydef"
  | "redef"
  | "undef"
  | "ifdef"
  | "ifndef"
  | "ifexp"
  | "else"
  | "endif"
  | "subst"
  | "substdef"
  | "substdefs"
  | "defenv"
  | "defenvs"
  | "trydefenv"
  | "trydefenvs"
  | "defexp"
  | "defexps"
  | "include_file"
  | "import_file";

export interface Token {
  readonly kind: TokenKind;
  /**
   * id/num/dotted/select/op/pv: the text as written. str: the content as written between the quotes
   * (adjacent double-quoted strings joined). directive: the directive name (canonical, e.g. `define`).
   */
  readonly text: string;
  readonly pos: Pos;
  /** Whitespace, a comment or a line break came before this token (or it starts the input). */
  readonly spaceBefore: boolean;
  /** str: the value with escapes applied. directive: the rest of the line, trimmed. */
  readonly value?: string | undefined;
  readonly quote?: '"' | "'" | undefined;
  readonly pv?: PvParts | undefined;
  /** directive: where its argument text starts. */
  readonly restPos?: Pos | undefined;
  /** The lexer already reported an error for this token (the parser keeps quiet about what follows). */
  readonly broken?: boolean | undefined;
}

/** Every token has the same fields in the same order (one hidden class: the parser's checks stay fast). */
export const makeToken = (
  kind: TokenKind,
  text: string,
  pos: Pos,
  spaceBefore: boolean,
  value?: string,
  quote?: '"' | "'",
  pv?: PvParts,
  restPos?: Pos,
  broken?: boolean,
): Token => ({ kind, text, pos, spaceBefore, value, quote, pv, restPos, broken });

const DIRECTIVES: ReadonlyMap<string, DirectiveName> = new Map<string, DirectiveName>([
  ["define", "define"],
  ["def", "define"],
  ["trydefine", "trydef"],
  ["trydef", "trydef"],
  ["redefine", "redef"],
  ["redef", "redef"],
  ["undef", "undef"],
  ["ifdef", "ifdef"],
  ["ifndef", "ifndef"],
  ["ifexp", "ifexp"],
  ["else", "else"],
  ["endif", "endif"],
  ["subst", "subst"],
  ["substdef", "substdef"],
  ["substdefs", "substdefs"],
  ["defenv", "defenv"],
  ["defenvs", "defenvs"],
  ["trydefenv", "trydefenv"],
  ["trydefenvs", "trydefenvs"],
  ["defexp", "defexp"],
  ["defexps", "defexps"],
  ["include_file", "include_file"],
  ["import_file", "import_file"],
]);

/** Directives still looked at inside a skipped `#!ifdef` branch (to keep the nesting right). */
const SKIP_DIRECTIVES: ReadonlySet<DirectiveName> = new Set<DirectiveName>(["ifdef", "ifndef", "ifexp", "else", "endif"]);

/** Directives whose value may continue on the next line after a trailing backslash. */
const CONTINUED: ReadonlySet<DirectiveName> = new Set<DirectiveName>(["define", "trydef", "redef", "defexp", "defexps"]);

const isIdStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isIdChar = (c: number): boolean => isIdStart(c) || (c >= 48 && c <= 57);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHex = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);

/** Two-character operators by first and second char code, checked before single characters. */
const OPS2: readonly (Readonly<Record<number, string>> | undefined)[] = (() => {
  const t: Record<number, string>[] = [];
  for (const op of [":=", "==", "!=", "=~", "!~", "<=", ">=", "<<", ">>", "||", "&&", "+="]) {
    (t[op.charCodeAt(0)] ??= {})[op.charCodeAt(1)] = op;
  }
  return t;
})();
/** One-character operators by char code. */
const OPS1: readonly (string | undefined)[] = (() => {
  const t: string[] = [];
  for (const ch of "(){}[];,:=<>+-*/%|&^~!.") t[ch.charCodeAt(0)] = ch;
  return t;
})();

export interface LexerOptions {
  /** Give every token this position (used for the expansion of a define at its use site). */
  readonly fixedPos?: Pos | undefined;
  /** Text of a define value: `#` always starts a comment, there are no directives. */
  readonly macro?: boolean | undefined;
  /** Whether the first token counts as preceded by whitespace (default true). */
  readonly initialSpace?: boolean | undefined;
}

export class Lexer {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  /** A token (not a directive) was produced on the current line. */
  private tokenOnLine = false;
  private readonly n: number;

  constructor(
    private readonly src: string,
    readonly file: string,
    private readonly sink: ErrorSink,
    private readonly opts: LexerOptions = {},
  ) {
    this.n = src.length;
    // a UTF-8 byte order mark is not part of the text
    if (src.charCodeAt(0) === 0xfeff) {
      this.i = 1;
      this.lineStart = 1;
    }
  }

  private posAt(i: number): Pos {
    return this.opts.fixedPos ?? { file: this.file, line: this.line, column: i - this.lineStart + 1 };
  }

  private newline(at: number): void {
    this.line++;
    this.lineStart = at + 1;
    this.tokenOnLine = false;
  }

  private error(message: string, pos: Pos, hint?: string): void {
    report(this.sink, cfgError("SM_CFG_SYNTAX", message, pos, hint));
  }

  /** If a preprocessor directive starts at `i`, its canonical name and where its word ends. */
  private directiveAt(i: number): { name: DirectiveName; end: number } | undefined {
    if (this.opts.macro || this.tokenOnLine) return undefined;
    const c = this.src.charCodeAt(i);
    if ((c !== 35 && c !== 33) || this.src.charCodeAt(i + 1) !== 33) return undefined; // "#!" or "!!"
    let j = i + 2;
    while (j < this.n && isIdChar(this.src.charCodeAt(j))) j++;
    const name = DIRECTIVES.get(this.src.slice(i + 2, j));
    if (name === undefined) return undefined;
    const after = this.src.charCodeAt(j);
    // the word must end there: "#!define" followed by a blank, a line end or the end of input
    if (j < this.n && after !== 32 && after !== 9 && after !== 10 && after !== 13) return undefined;
    return { name, end: j };
  }

  /** Skip blanks, line breaks, escaped line breaks and comments. Returns true if anything was skipped. */
  private skipSpace(): boolean {
    const src = this.src;
    const start = this.i;
    let i = this.i;
    while (i < this.n) {
      const c = src.charCodeAt(i);
      if (c === 32 || c === 9 || c === 13 || c === 8 || c === 12) {
        i++;
      } else if (c === 10) {
        this.newline(i);
        i++;
      } else if (c === 92 && (src.charCodeAt(i + 1) === 10 || (src.charCodeAt(i + 1) === 13 && src.charCodeAt(i + 2) === 10))) {
        i += src.charCodeAt(i + 1) === 13 ? 2 : 1;
        this.newline(i);
        i++;
      } else if (c === 35) {
        // '#': a directive, or a comment to the end of the line (also "#!KAMAILIO" and unknown "#!xyz")
        if (this.directiveAt(i) !== undefined) break;
        while (i < this.n && src.charCodeAt(i) !== 10) i++;
      } else if (c === 47 && src.charCodeAt(i + 1) === 47) {
        while (i < this.n && src.charCodeAt(i) !== 10) i++;
      } else if (c === 47 && src.charCodeAt(i + 1) === 42) {
        // block comment; they nest, as in Kamailio
        const open = this.posAt(i);
        let depth = 1;
        i += 2;
        while (i < this.n && depth > 0) {
          const d = src.charCodeAt(i);
          if (d === 10) {
            this.newline(i);
            i++;
          } else if (d === 47 && src.charCodeAt(i + 1) === 42) {
            depth++;
            i += 2;
          } else if (d === 42 && src.charCodeAt(i + 1) === 47) {
            depth--;
            i += 2;
          } else i++;
        }
        if (depth > 0) this.error("unterminated comment: '/*' without '*/'", open, "Close the comment with */.");
      } else break;
    }
    this.i = i;
    return i > start || (start === 0 && this.opts.initialSpace !== false);
  }

  /** The next token. */
  next(): Token {
    const spaceBefore = this.skipSpace();
    const src = this.src;
    const i = this.i;
    if (i >= this.n) return makeToken("eof", "", this.posAt(i), spaceBefore);
    const c = src.charCodeAt(i);
    const pos = this.posAt(i);

    const dir = (c === 35 || c === 33) && src.charCodeAt(i + 1) === 33 ? this.directiveAt(i) : undefined;
    if (dir !== undefined) return this.readDirective(dir.name, dir.end, pos, spaceBefore);

    this.tokenOnLine = true;
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < this.n && isIdChar(src.charCodeAt(j))) j++;
      this.i = j;
      return makeToken("id", src.slice(i, j), pos, spaceBefore);
    }
    if (isDigit(c)) {
      let j = i + 1;
      while (j < this.n && isIdChar(src.charCodeAt(j))) j++;
      if (src.charCodeAt(j) === 46 && isDigit(src.charCodeAt(j + 1))) {
        // dotted number: an IPv4 address (validated by the parser where it is used)
        while (j < this.n && (isDigit(src.charCodeAt(j)) || (src.charCodeAt(j) === 46 && isDigit(src.charCodeAt(j + 1))))) j++;
        this.i = j;
        return makeToken("dotted", src.slice(i, j), pos, spaceBefore);
      }
      this.i = j;
      return makeToken("num", src.slice(i, j), pos, spaceBefore);
    }
    if (c === 34 || c === 39) return c === 34 ? this.readDoubleQuoted(pos, spaceBefore) : this.readSingleQuoted(pos, spaceBefore);
    if (c === 36) {
      const r = scanPv(src, i);
      if (!r.ok) {
        this.error(`invalid pseudo-variable: ${r.message}`, pos, "Write it as $name, $name(inner) or $(name(inner){transformation}).");
        let j = i + 1;
        while (j < this.n && isIdChar(src.charCodeAt(j))) j++;
        this.i = Math.max(j, Math.min(r.end, this.lineEndFrom(i)));
        const text = src.slice(i, this.i);
        return makeToken("pv", text, pos, spaceBefore, undefined, undefined, { name: src.slice(i + 1, j), transforms: [], braced: false, text }, undefined, true);
      }
      this.i = r.end;
      return makeToken("pv", r.pv.text, pos, spaceBefore, undefined, undefined, r.pv);
    }
    if (c === 64 && isIdStart(src.charCodeAt(i + 1))) return this.readSelect(pos, spaceBefore);
    if (c === 40 && (src.startsWith("(int)", i) || src.startsWith("(str)", i))) {
      this.i = i + 5;
      return makeToken("op", src.charCodeAt(i + 1) === 105 ? "(int)" : "(str)", pos, spaceBefore);
    }
    const op2 = OPS2[c]?.[src.charCodeAt(i + 1)];
    if (op2 !== undefined) {
      this.i = i + 2;
      return makeToken("op", op2, pos, spaceBefore);
    }
    const op1 = OPS1[c];
    if (op1 !== undefined) {
      this.i = i + 1;
      return makeToken("op", op1, pos, spaceBefore);
    }
    this.i = i + 1;
    this.error(`unexpected character '${src[i]}'`, pos, "Remove it, or put it inside a quoted string.");
    // the parser keeps quiet about the token after it (the error is already reported)
    const t = this.next();
    return makeToken(t.kind, t.text, t.pos, t.spaceBefore, t.value, t.quote, t.pv, t.restPos, true);
  }

  private lineEndFrom(i: number): number {
    const e = this.src.indexOf("\n", i);
    return e < 0 ? this.n : e;
  }

  private readDirective(name: DirectiveName, wordEnd: number, pos: Pos, spaceBefore: boolean): Token {
    const src = this.src;
    let i = wordEnd;
    while (i < this.n && (src.charCodeAt(i) === 32 || src.charCodeAt(i) === 9)) i++;
    const restPos = this.posAt(i);
    let rest = "";
    for (;;) {
      const end = this.lineEndFrom(i);
      let lineText = src.slice(i, end);
      if (lineText.endsWith("\r")) lineText = lineText.slice(0, -1);
      if (CONTINUED.has(name) && lineText.endsWith("\\") && end < this.n) {
        rest += lineText.slice(0, -1);
        this.newline(end);
        i = end + 1;
        continue;
      }
      rest += lineText;
      i = end;
      break;
    }
    this.i = i;
    return makeToken("directive", name, pos, spaceBefore, rest.trim(), undefined, undefined, restPos);
  }

  /**
   * Inside a skipped `#!ifdef` branch: the next `#!ifdef`/`#!ifndef`/`#!else`/`#!endif` line, or eof.
   * Everything else (including other directives, comments and unbalanced quotes) is ignored, line by line.
   */
  nextInSkip(): Token {
    const src = this.src;
    let i = this.i;
    for (;;) {
      // move to the start of the next line
      const nl = src.indexOf("\n", i);
      if (nl < 0) {
        this.i = this.n;
        return makeToken("eof", "", this.posAt(this.n), true);
      }
      this.newline(nl);
      i = nl + 1;
      let j = i;
      while (j < this.n && (src.charCodeAt(j) === 32 || src.charCodeAt(j) === 9)) j++;
      const dir = this.directiveAt(j);
      if (dir !== undefined && SKIP_DIRECTIVES.has(dir.name)) {
        return this.readDirective(dir.name, dir.end, this.posAt(j), true);
      }
      i = j;
    }
  }

  private readDoubleQuoted(pos: Pos, spaceBefore: boolean): Token {
    const src = this.src;
    let i = this.i;
    let value = "";
    let raw = "";
    for (;;) {
      // i is at an opening quote
      i++;
      const open = i;
      const openLine = this.line;
      const openLineStart = this.lineStart;
      let chunkStart = i;
      let closed = false;
      while (i < this.n) {
        const c = src.charCodeAt(i);
        if (c === 34) {
          closed = true;
          break;
        }
        if (c === 10) {
          this.newline(i);
          i++;
          continue;
        }
        if (c !== 92) {
          i++;
          continue;
        }
        // backslash escape
        value += src.slice(chunkStart, i);
        const d = src.charCodeAt(i + 1);
        if (d === 110) { value += "\n"; i += 2; }
        else if (d === 114) { value += "\r"; i += 2; }
        else if (d === 116) { value += "\t"; i += 2; }
        else if (d === 97) { value += "\x07"; i += 2; }
        else if (d === 34) { value += '"'; i += 2; }
        else if (d === 92) { value += "\\"; i += 2; }
        else if (d === 120 && isHex(src.charCodeAt(i + 2))) {
          const len = isHex(src.charCodeAt(i + 3)) ? 2 : 1;
          value += String.fromCharCode(parseInt(src.slice(i + 2, i + 2 + len), 16));
          i += 2 + len;
        } else if (d >= 48 && d <= 55 && src.charCodeAt(i + 2) >= 48 && src.charCodeAt(i + 2) <= 55) {
          // two or three octal digits (a single digit is left alone: it is a back-reference like \1)
          const len = src.charCodeAt(i + 3) >= 48 && src.charCodeAt(i + 3) <= 55 ? 3 : 2;
          value += String.fromCharCode(parseInt(src.slice(i + 1, i + 1 + len), 8) & 0xff);
          i += 1 + len;
        } else if (d === 10 || (d === 13 && src.charCodeAt(i + 2) === 10)) {
          // escaped line break: removed
          i += d === 13 ? 2 : 1;
          this.newline(i);
          i++;
        } else {
          // any other backslash stays as written
          value += "\\";
          i++;
        }
        chunkStart = i;
      }
      value += src.slice(chunkStart, i);
      raw += src.slice(open, i);
      if (!closed) {
        // recover: end the string at the end of the line it started on, so the rest is read normally
        this.error("unterminated string: missing closing '\"'", pos, 'Close the string with " (a literal quote inside is written \\").');
        const nl = this.lineEndFrom(open);
        this.line = openLine;
        this.lineStart = openLineStart;
        this.i = nl;
        const tail = src.slice(open, nl);
        return makeToken("str", raw.slice(0, raw.length - (i - open)) + tail, pos, spaceBefore, tail, '"', undefined, undefined, true);
      }
      i++; // closing quote
      // adjacent double-quoted strings separated only by blanks/line breaks are one string
      let j = i;
      let lines = 0;
      let lastNl = -1;
      while (j < this.n) {
        const c = src.charCodeAt(j);
        if (c === 32 || c === 9 || c === 13 || c === 8) j++;
        else if (c === 10) {
          lines++;
          lastNl = j;
          j++;
        } else break;
      }
      if (src.charCodeAt(j) !== 34) {
        this.i = i;
        return makeToken("str", raw, pos, spaceBefore, value, '"');
      }
      if (lines > 0) {
        this.line += lines;
        this.lineStart = lastNl + 1;
      }
      i = j;
    }
  }

  private readSingleQuoted(pos: Pos, spaceBefore: boolean): Token {
    const src = this.src;
    let i = this.i + 1;
    const start = i;
    const openLine = this.line;
    const openLineStart = this.lineStart;
    while (i < this.n && src.charCodeAt(i) !== 39) {
      if (src.charCodeAt(i) === 10) this.newline(i);
      i++;
    }
    if (i >= this.n) {
      this.error("unterminated string: missing closing \"'\"", pos, "Close the string with ' (single-quoted strings have no escapes).");
      const nl = this.lineEndFrom(start);
      this.line = openLine;
      this.lineStart = openLineStart;
      this.i = nl;
      const tail = src.slice(start, nl);
      return makeToken("str", tail, pos, spaceBefore, tail, "'", undefined, undefined, true);
    }
    this.i = i + 1;
    const text = src.slice(start, i);
    return makeToken("str", text, pos, spaceBefore, text, "'");
  }

  private readSelect(pos: Pos, spaceBefore: boolean): Token {
    const src = this.src;
    let i = this.i + 1;
    while (i < this.n) {
      const c = src.charCodeAt(i);
      if (isIdChar(c) || (c === 46 && isIdStart(src.charCodeAt(i + 1)))) i++;
      else if (c === 91) {
        const close = src.indexOf("]", i);
        const nl = this.lineEndFrom(i);
        if (close < 0 || close > nl) break;
        i = close + 1;
      } else break;
    }
    const text = src.slice(this.i, i);
    this.i = i;
    return makeToken("select", text, pos, spaceBefore);
  }
}
