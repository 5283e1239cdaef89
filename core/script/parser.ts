import type { CfgGlobal, Pos, RouteBlock, RouteBlockType } from "./ast.ts";
import { cfgError, fmtPos, report, type ErrorSink } from "./cfg-error.ts";
import type { Token } from "./lexer.ts";
import { parseCfgEngine, parseCfgVar, parseLoadModule, parseModParam, parseParam } from "./parse-globals.ts";
import { parseBraced } from "./parse-stmt.ts";
import { describe, isSync, TokenCursor, type TokenSource } from "./token-cursor.ts";

/**
 * The top level of a cfg: global statements and route blocks, in any order. After an error the parser
 * skips to the next line that starts a global statement or a block, so every error is reported.
 */
export interface ParsedProgram {
  readonly globals: readonly CfgGlobal[];
  readonly blocks: readonly RouteBlock[];
}

const LOADMODULE = new Set(["loadmodule", "loadmodulex"]);
const MODPARAM = new Set(["modparam", "modparamx"]);

/** How each built-in block keyword is read: its type without a name, with a name, and whether a name is required. */
const BLOCKS: ReadonlyMap<string, { readonly bare?: RouteBlockType; readonly named?: RouteBlockType }> = new Map([
  ["request_route", { bare: "request" }],
  ["route", { bare: "request", named: "route" }],
  ["reply_route", { bare: "reply" }],
  ["onreply_route", { bare: "reply", named: "onreply" }],
  ["failure_route", { named: "failure" }],
  ["branch_route", { named: "branch" }],
  ["onsend_route", { bare: "onsend" }],
  ["event_route", { named: "event" }],
]);

const isTopStart = (c: TokenCursor): boolean => {
  const t = c.peek();
  if (t.kind !== "id") return false;
  if (LOADMODULE.has(t.text) || MODPARAM.has(t.text) || t.text === "cfgengine") return true;
  return c.atOp("=", 1) || c.atOp("[", 1) || c.atOp("{", 1) || (c.atOp(".", 1) && c.peek(2).kind === "id" && c.atOp("=", 3));
};

/** Skip a broken global statement: to the next line that starts with a word, outside braces. */
const syncTop = (c: TokenCursor, start: number): void => {
  let depth = 0;
  for (;;) {
    const t = c.peek();
    if (t.kind === "eof") return;
    if (depth === 0 && c.k > start && c.atLineStart() && (t.kind === "id" || isTopStart(c))) return;
    if (t.kind === "op" && t.text === "{") depth++;
    else if (t.kind === "op" && t.text === "}") depth = Math.max(0, depth - 1);
    c.advance();
  }
};

/** `[name]` after a block keyword: one word (letters, digits, `_ - : .`) or a quoted string. */
const blockName = (c: TokenCursor, kw: Token): { name: string; pos: Pos } | undefined => {
  const open = c.advance(); // '['
  const parts: Token[] = [];
  while (!c.atOp("]")) {
    const t = c.peek();
    if (t.kind === "eof" || (t.kind === "op" && (t.text === "{" || t.text === "}" || t.text === ";"))) {
      return c.fail(`expected ']' to close the name of ${kw.text}[`, t.kind === "eof" ? open.pos : t.pos, `Write ${kw.text}[NAME] { ... }`);
    }
    parts.push(c.advance());
  }
  c.advance(); // ']'
  const first = parts[0];
  if (first === undefined) {
    c.report(`empty name in ${kw.text}[]`, open.pos, `Write ${kw.text}[NAME] { ... } or leave out the brackets.`);
    return undefined;
  }
  if (parts.length === 1 && first.kind === "str") return { name: first.value ?? first.text, pos: first.pos };
  // the name is still used when it is malformed, so the block body is parsed and checked
  let name = "";
  let bad = false;
  for (const [i, p] of parts.entries()) {
    const ok = p.kind === "id" || p.kind === "num" || p.kind === "dotted" || (p.kind === "op" && (p.text === ":" || p.text === "-" || p.text === "."));
    if (!bad && (!ok || (i > 0 && p.spaceBefore))) {
      bad = true;
      c.report(`invalid name in ${kw.text}[...]: unexpected ${describe(p)}`, p.pos, "A route name is one word (letters, digits, '_', '-', ':') or a quoted string.");
    }
    name += (i > 0 && p.spaceBefore ? " " : "") + (p.kind === "str" ? (p.value ?? p.text) : p.text);
  }
  return { name, pos: first.pos };
};

const parseBlock = (c: TokenCursor): RouteBlock => {
  const kw = c.advance();
  let name: { name: string; pos: Pos } | undefined;
  if (c.atOp("[")) name = blockName(c, kw);
  const label = name === undefined ? kw.text : `${kw.text}[${name.name}]`;
  const known = BLOCKS.get(kw.text);
  let type: RouteBlockType = "generic";
  if (known !== undefined) {
    if (name === undefined && known.bare === undefined) {
      c.report(`${kw.text} needs a name`, kw.pos, `Write ${kw.text}[NAME] { ... }`);
    } else if (name !== undefined && known.named === undefined) {
      c.report(`${kw.text} takes no name`, name.pos, `Write ${kw.text} { ... } without [${name.name}].`);
    }
    type = (name === undefined ? (known.bare ?? known.named) : (known.named ?? known.bare)) ?? "generic";
  }
  if (!c.atOp("{")) {
    const t = c.peek();
    c.fail(`expected '{' to open ${label}, found ${describe(t)}`, t.kind === "eof" ? kw.pos : t.pos, `Write ${label} { ... }`);
  }
  c.unclosedReported = false;
  const b = parseBraced(c, label);
  return { kind: "route_block", type, keyword: kw.text, name: name?.name, body: b.body, pos: kw.pos, namePos: name?.pos };
};

/** Two blocks of the same kind and name (`request_route` and `route {}` are the same block). */
const checkDuplicates = (blocks: readonly RouteBlock[], sink: ErrorSink): void => {
  const seen = new Map<string, RouteBlock>();
  for (const b of blocks) {
    const key = `${b.type === "generic" ? `generic:${b.keyword}` : b.type}\u0000${b.name ?? ""}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, b);
      continue;
    }
    const label = b.name === undefined ? b.keyword : `${b.keyword}[${b.name}]`;
    report(
      sink,
      cfgError("SM_CFG_DUPLICATE_ROUTE", `duplicate route block ${label} (first defined at ${fmtPos(first.pos)})`, b.pos, "Rename one of the two blocks or merge them."),
    );
  }
};

export const parseProgram = (source: TokenSource, sink: ErrorSink): ParsedProgram => {
  const c = new TokenCursor(source, sink);
  const globals: CfgGlobal[] = [];
  const blocks: RouteBlock[] = [];
  while (!c.atEof()) {
    const start = c.k;
    const t = c.peek();
    try {
      if (t.kind === "op" && t.text === ";") {
        c.advance();
        continue;
      }
      if (t.kind !== "id") {
        c.fail(`unexpected ${describe(t)} at the top level`, t.pos, topHint);
      }
      if (LOADMODULE.has(t.text)) globals.push(parseLoadModule(c));
      else if (MODPARAM.has(t.text)) globals.push(parseModParam(c));
      else if (t.text === "cfgengine" && c.peek(1).kind === "str") globals.push(parseCfgEngine(c));
      else if (c.atOp("=", 1)) globals.push(parseParam(c));
      else if (c.atOp(".", 1) && c.peek(2).kind === "id" && !c.peek(1).spaceBefore && !c.peek(2).spaceBefore) globals.push(parseCfgVar(c));
      else if (c.atOp("[", 1) || c.atOp("{", 1) || BLOCKS.has(t.text)) blocks.push(parseBlock(c));
      else c.fail(`unexpected ${describe(t)} at the top level`, t.pos, topHint);
    } catch (e) {
      if (e instanceof RangeError) {
        // the JavaScript stack ran out: thousands of nested parentheses or blocks
        c.report(`nesting too deep in ${t.kind === "id" ? t.text : "this statement"}: the parser ran out of stack`, t.pos, "Split the deeply nested expression or blocks.");
      } else if (!isSync(e)) throw e;
      syncTop(c, start);
    }
  }
  checkDuplicates(blocks, sink);
  return { globals, blocks };
};

const topHint =
  "At the top level write name=value, loadmodule \"x.so\", modparam(\"mod\", \"param\", value), or a route block such as request_route { ... }.";
