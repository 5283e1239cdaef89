import type { BlockStmt, Expr, Pos, Stmt, SwitchClause } from "./ast.ts";
import { fmtPos } from "./cfg-error.ts";
import { intNode, parseCall, parseExpr, pvNode, strNode } from "./parse-expr.ts";
import { BLOCK_KEYWORDS, describe, isSync, type TokenCursor } from "./token-cursor.ts";

/**
 * Statements inside route blocks. Simple statements end with ';' (a missing one is reported and the
 * parser goes on); `if`, `switch`, `while` and `{ }` blocks need none. After an error the parser skips to
 * the end of the statement (';' or the end of a '{ }' group) and continues, so all errors are reported.
 */

const expectSemi = (c: TokenCursor, what: string): void => {
  if (c.atOp(";")) {
    c.advance();
    return;
  }
  c.report(`missing ';' after ${what}`, c.endOfPrev(), `End the statement with ';' (found ${describe(c.peek())} next).`);
};

/** Skip to the end of the broken statement that started at token index `start`. */
const syncStmt = (c: TokenCursor, start: number): void => {
  let depth = 0;
  for (;;) {
    const t = c.peek();
    if (t.kind === "eof") return;
    if (depth === 0 && c.k > start && c.atBlockStart()) return;
    if (t.kind === "op") {
      if (t.text === ";" && depth === 0) {
        c.advance();
        return;
      }
      if (t.text === "}") {
        if (depth === 0) return;
        depth--;
        c.advance();
        if (depth === 0) return;
        continue;
      }
      if (t.text === "{") depth++;
    }
    c.advance();
  }
};

/** Statements until '}' (not consumed), end of file, or — inside a switch — `case`/`default`. */
export const parseStmtList = (c: TokenCursor, inSwitch: boolean): Stmt[] => {
  const out: Stmt[] = [];
  for (;;) {
    const t = c.peek();
    if (t.kind === "eof" || (t.kind === "op" && t.text === "}")) return out;
    if (inSwitch && t.kind === "id" && (t.text === "case" || t.text === "default")) return out;
    if (c.atBlockStart()) return out; // a missing '}': let the enclosing block report it
    const start = c.k;
    try {
      const s = parseStmt(c);
      if (s !== undefined) out.push(s);
    } catch (e) {
      if (!isSync(e)) throw e;
      syncStmt(c, start);
    }
  }
};

/** `{ statements }`; the cursor is at '{'. `what` names the block for a missing '}' message. */
export const parseBraced = (c: TokenCursor, what: string): { body: Stmt[]; pos: Pos } => {
  const open = c.expectOp("{", `to open ${what}`);
  const body = parseStmtList(c, false);
  if (c.atOp("}")) {
    c.advance();
    return { body, pos: open.pos };
  }
  if (!c.unclosedReported) {
    c.unclosedReported = true;
    const next = c.peek();
    c.report(
      next.kind === "eof"
        ? `'{' of ${what} is never closed`
        : `'{' of ${what} is not closed before ${describe(next)} at ${fmtPos(next.pos)}`,
      open.pos,
      "Add the missing '}' (route blocks cannot be nested).",
    );
  }
  return { body, pos: open.pos };
};

const blockStmt = (c: TokenCursor, what: string): BlockStmt => {
  const b = parseBraced(c, what);
  return { kind: "block", body: b.body, pos: b.pos };
};

/** A statement, or an empty block for a lone ';' (as the body of if/else/while). */
const parseBody = (c: TokenCursor, what: string): Stmt => {
  if (c.atOp(";")) {
    const t = c.advance();
    return { kind: "block", body: [], pos: t.pos };
  }
  if (c.atOp("}") || c.atEof()) return c.fail(`missing the statement of ${what}`, c.peek().pos, "Give a statement or a { } block.");
  if (c.atOp("{")) return blockStmt(c, "the block");
  return parseStmt(c) ?? { kind: "block", body: [], pos: c.peek().pos };
};

/** Parenthesised condition of if/while/switch (Kamailio takes any expression; parentheses are the norm). */
const parseCondition = (c: TokenCursor, what: string): Expr => {
  const t = c.peek();
  if (t.kind === "op" && (t.text === "{" || t.text === ";")) return c.fail(`missing the condition of ${what}`, t.pos, `Write ${what} (condition) ...`);
  return parseExpr(c);
};

export const parseStmt = (c: TokenCursor): Stmt | undefined => {
  const t = c.peek();
  if (t.kind === "op") {
    // Kamailio 5.6 has no bare blocks: braces only follow if, else, while, switch and route heads.
    if (t.text === "{") {
      // reported, then parsed as a block so that the errors after it stay where they are
      c.report("a { } block on its own is not a statement (Kamailio 5.6 refuses it)", t.pos, "Remove the braces, or put the statements under an if (...) { }.");
      return blockStmt(c, "the block");
    }
    if (t.text === ";") {
      c.advance();
      return undefined;
    }
    return c.fail(`unexpected ${describe(t)} at the start of a statement`, t.pos);
  }
  if (t.kind === "pv") return parseAssign(c);
  if (t.kind !== "id") return c.fail(`unexpected ${describe(t)} at the start of a statement`, t.pos, t.kind === "str" ? "A string alone is not a statement; call a function with it." : undefined);

  switch (t.text) {
    case "if": {
      c.advance();
      const cond = parseCondition(c, "if");
      const then = parseBody(c, "if");
      if (c.atId("else")) {
        c.advance();
        return { kind: "if", cond, then, else: parseBody(c, "else"), pos: t.pos };
      }
      return { kind: "if", cond, then, pos: t.pos };
    }
    case "while": {
      c.advance();
      const cond = parseCondition(c, "while");
      return { kind: "while", cond, body: parseBody(c, "while"), pos: t.pos };
    }
    case "switch":
      return parseSwitch(c);
    case "return": {
      c.advance();
      if (c.atOp(";")) {
        c.advance();
        return { kind: "return", pos: t.pos };
      }
      if (c.atOp("}") || c.atEof()) {
        expectSemi(c, "return");
        return { kind: "return", pos: t.pos };
      }
      const value = parseExpr(c);
      expectSemi(c, "return");
      return { kind: "return", value, pos: t.pos };
    }
    case "exit":
    case "drop": {
      c.advance();
      let value: Expr | undefined;
      if (c.atOp("(")) {
        c.advance();
        if (!c.atOp(")")) value = parseExpr(c);
        c.expectOp(")", `to close ${t.text}(`);
      }
      expectSemi(c, t.text);
      return { kind: t.text, value, pos: t.pos };
    }
    case "break":
      c.advance();
      expectSemi(c, "break");
      return { kind: "break", pos: t.pos };
    case "else":
      return c.fail("'else' without 'if'", t.pos, "Check the braces of the if statement above.");
    case "case":
    case "default":
      return c.fail(`'${t.text}' outside a switch`, t.pos, "case and default labels belong inside switch (...) { }.");
    default:
      break;
  }
  if (t.text === "route" && c.atOp("(", 1)) return parseRouteCall(c);
  if (BLOCK_KEYWORDS.has(t.text) && (c.atOp("[", 1) || c.atOp("{", 1))) {
    return c.fail(`${t.text} blocks cannot be nested inside another block`, t.pos, "Close the enclosing block with '}' first.");
  }
  if (c.atOp("(", 1)) {
    const call = parseCall(c);
    expectSemi(c, `${call.name}(...)`);
    return call;
  }
  if (c.atOp(";", 1)) {
    c.advance();
    c.advance();
    return { kind: "call", name: t.text, args: [], parens: false, pos: t.pos };
  }
  if (c.atOp("=", 1) || c.atOp(":=", 1)) {
    return c.fail(`cannot assign to '${t.text}'`, t.pos, "Only pseudo-variables can be assigned: $var(name) = value;");
  }
  const next = c.peek(1);
  return c.fail(
    `unexpected ${describe(next)} after '${t.text}'`,
    next.pos,
    `A statement is a function call ${t.text}(...);, an assignment $var(x) = ...; or if/switch/while/return/exit/drop/break.`,
  );
};

const parseAssign = (c: TokenCursor): Stmt => {
  const target = c.advance();
  const op = c.peek();
  if (op.kind === "op" && op.text === "+=")
    return c.fail("'+=' is not an assignment of Kamailio 5.6", op.pos, `Write ${target.text} = ${target.text} + value;`);
  if (op.kind === "op" && op.text === ":=")
    return c.fail(
      "':=' is not an assignment of Kamailio 5.6",
      op.pos,
      `Write ${target.text} = value; (for an avp, $(avp(name)[*]) = $null; first removes the values it has).`,
    );
  if (op.kind !== "op" || op.text !== "=") {
    return c.fail(`expected '=' after ${target.text}, found ${describe(op)}`, op.kind === "eof" ? target.pos : op.pos, "A pseudo-variable alone is not a statement: write $var(x) = value;");
  }
  c.advance();
  const value = parseExpr(c);
  expectSemi(c, `the assignment to ${target.text}`);
  return { kind: "assign", op: op.text, target: pvNode(target), value, pos: target.pos };
};

const parseRouteCall = (c: TokenCursor): Stmt => {
  const kw = c.advance();
  c.advance(); // (
  const t = c.peek();
  let stmt: Stmt;
  if (c.atOp(")", 1) && (t.kind === "id" || t.kind === "str" || t.kind === "num")) {
    c.advance();
    if (t.kind === "str") stmt = { kind: "route_call", target: strNode(t), name: t.value ?? t.text, pos: kw.pos };
    else if (t.kind === "num") stmt = { kind: "route_call", target: intNode(c, t), name: t.text, pos: kw.pos };
    else stmt = { kind: "route_call", target: { kind: "ident", name: t.text, pos: t.pos }, name: t.text, pos: kw.pos };
  } else {
    if (c.atOp(")")) return c.fail("route() needs a route name", t.pos, "Write route(NAME); for a route[NAME] block.");
    stmt = { kind: "route_call", target: parseExpr(c), pos: kw.pos };
  }
  c.expectOp(")", "to close route(");
  expectSemi(c, "route(...)");
  return stmt;
};

const parseSwitch = (c: TokenCursor): Stmt => {
  const kw = c.advance();
  const subject = parseCondition(c, "switch");
  const open = c.expectOp("{", "to open the body of switch", "Write switch (expr) { case 1: ... break; default: ... }");
  const clauses: SwitchClause[] = [];
  let defaultPos: Pos | undefined;
  for (;;) {
    const t = c.peek();
    if (t.kind === "op" && t.text === "}") {
      c.advance();
      break;
    }
    if (t.kind === "eof" || c.atBlockStart()) {
      if (!c.unclosedReported) {
        c.unclosedReported = true;
        c.report(`'{' of switch is never closed`, open.pos, "Add the missing '}'.");
      }
      break;
    }
    const start = c.k;
    try {
      if (c.atId("case")) {
        c.advance();
        let regex = false;
        if (c.atOp("/")) {
          c.advance();
          regex = true;
          if (c.peek().kind !== "str") c.fail(`expected a quoted regular expression after 'case /', found ${describe(c.peek())}`, c.peek().pos);
        }
        const value = parseExpr(c);
        c.expectOp(":", "after the case value");
        clauses.push({ kind: "case", value, regex, body: parseStmtList(c, true), pos: t.pos });
      } else if (c.atId("default")) {
        c.advance();
        c.expectOp(":", "after 'default'");
        if (defaultPos !== undefined) c.report(`second 'default' in this switch (first at ${fmtPos(defaultPos)})`, t.pos, "Keep one default label.");
        defaultPos = t.pos;
        clauses.push({ kind: "default", body: parseStmtList(c, true), pos: t.pos });
      } else {
        c.fail(`expected 'case' or 'default' in switch, found ${describe(t)}`, t.pos, "Statements in a switch follow a case VALUE: or default: label.");
      }
    } catch (e) {
      if (!isSync(e)) throw e;
      syncStmt(c, start);
    }
  }
  return { kind: "switch", subject, clauses, pos: kw.pos };
};
