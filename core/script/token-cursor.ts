import type { Pos } from "./ast.ts";
import { cfgError, report, type ErrorSink } from "./cfg-error.ts";
import type { Token } from "./lexer.ts";

/** Thrown after a syntax error has been reported; caught where the parser resynchronises. */
export class SyncSignal {
  readonly _tag = "SyncSignal";
}
const SYNC = new SyncSignal();

/** Route block keywords; seeing one where a statement is expected usually means a missing '}'. */
export const BLOCK_KEYWORDS: ReadonlySet<string> = new Set([
  "request_route",
  "route",
  "reply_route",
  "onreply_route",
  "failure_route",
  "branch_route",
  "onsend_route",
  "event_route",
]);

/** Where the parser pulls tokens from (the preprocessor). After the end it keeps returning an eof token. */
export interface TokenSource {
  next(): Token;
}

/**
 * The parser's position in the token stream, with a few tokens of look-ahead and error helpers.
 * Tokens are pulled on demand, so only the syntax tree stays in memory, not the token list.
 */
export class TokenCursor {
  /** How many tokens have been consumed (a position marker for "did the parser move?"). */
  k = 0;
  /** A missing '}' was already reported for the block being unwound (avoid one error per nesting level). */
  unclosedReported = false;
  private readonly ahead: Token[] = [];
  private last: Token | undefined;

  constructor(
    private readonly source: TokenSource,
    readonly sink: ErrorSink,
  ) {}

  peek(offset = 0): Token {
    while (this.ahead.length <= offset) this.ahead.push(this.source.next());
    return this.ahead[offset]!;
  }

  advance(): Token {
    const t = this.peek();
    if (t.kind !== "eof") {
      this.ahead.shift();
      this.last = t;
      this.k++;
    }
    return t;
  }

  atOp(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === "op" && t.text === text;
  }

  atId(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === "id" && t.text === text;
  }

  atEof(): boolean {
    return this.peek().kind === "eof";
  }

  report(message: string, pos: Pos, hint?: string): void {
    if (this.nearBroken(pos)) return;
    const p = this.last;
    if (p?.kind === "str" && p.text.includes("\n")) {
      // strings may span lines, so a missing closing quote pairs with the next quote further down:
      // the error shows up after that string; point at where it starts
      const lines = p.text.split("\n").length;
      report(
        this.sink,
        cfgError(
          "SM_CFG_SYNTAX",
          `${message} (after a string that starts here and runs over ${lines} lines)`,
          p.pos,
          "Is the closing quote of this string missing? Strings may span lines, so a missing quote pairs with the next one further down.",
        ),
      );
      return;
    }
    report(this.sink, cfgError("SM_CFG_SYNTAX", message, pos, hint));
  }

  /** Report (unless the error follows a token the lexer already complained about) and unwind to a sync point. */
  fail(message: string, pos: Pos, hint?: string): never {
    this.report(message, pos, hint);
    throw SYNC;
  }

  /** The error is about, or right after, a token the lexer already reported. */
  private nearBroken(pos: Pos): boolean {
    const n = this.peek(1);
    return (
      this.last?.broken === true ||
      this.peek().broken === true ||
      (n.broken === true && n.pos.line === pos.line && n.pos.column === pos.column && n.pos.file === pos.file)
    );
  }

  /** Consume operator `text` or fail with "expected 'text' <context>, found ...". */
  expectOp(text: string, context: string, hint?: string): Token {
    if (this.atOp(text)) return this.advance();
    const t = this.peek();
    return this.fail(`expected '${text}' ${context}, found ${describe(t)}`, t.pos, hint);
  }

  /** The position just after the previous token (where a missing ';' belongs). */
  endOfPrev(): Pos {
    const p = this.last;
    if (p === undefined) return this.peek().pos;
    const len = p.kind === "str" ? p.text.length + 2 : p.text.length;
    if (p.kind === "str" && p.text.includes("\n")) return p.pos;
    return { file: p.pos.file, line: p.pos.line, column: p.pos.column + len };
  }

  /** The current token is the first on its line (or of its file). */
  atLineStart(): boolean {
    const t = this.peek();
    const p = this.last;
    return p === undefined || p.pos.file !== t.pos.file || p.pos.line !== t.pos.line;
  }

  /** `keyword [` or `keyword {` with a route block keyword, at the start of a line. */
  atBlockStart(): boolean {
    const t = this.peek();
    if (t.kind !== "id" || !BLOCK_KEYWORDS.has(t.text) || !this.atLineStart()) return false;
    return this.atOp("[", 1) || this.atOp("{", 1);
  }
}

export const isSync = (e: unknown): e is SyncSignal => e instanceof SyncSignal;

/** How a token is named in error messages. */
export const describe = (t: Token): string => {
  switch (t.kind) {
    case "eof":
      return "end of file";
    case "str": {
      const s = t.text.length > 30 ? `${t.text.slice(0, 30)}...` : t.text;
      return `string ${t.quote ?? '"'}${s}${t.quote ?? '"'}`;
    }
    case "directive":
      return `#!${t.text}`;
    default:
      return `'${t.text.length > 40 ? `${t.text.slice(0, 40)}...` : t.text}'`;
  }
};
