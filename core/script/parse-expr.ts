import type { BinaryOp, CallExpr, Expr, IntLit, PvRef, StrLit } from "./ast.ts";
import type { Token } from "./lexer.ts";
import { describe, type TokenCursor } from "./token-cursor.ts";

/**
 * Expressions, with Kamailio's precedence (lowest first):
 * `||` < `&&` < `|` < `&` < `^` < `<<` < `>>` < `== != =~ !~ eq ne ieq ine` < `< > <= >=` < `+ -` < `* / %`
 * < unary `! - ~` < `defined` < casts `(int)`/`(str)`. Binary operators are left-associative.
 * Words: `and`/`or`/`not`/`mod` mean `&&`/`||`/`!`/`%`.
 */
const OP_PREC: ReadonlyMap<string, readonly [BinaryOp, number]> = new Map<string, readonly [BinaryOp, number]>([
  ["||", ["||", 1]],
  ["&&", ["&&", 2]],
  ["|", ["|", 3]],
  ["&", ["&", 4]],
  ["^", ["^", 5]],
  ["<<", ["<<", 6]],
  [">>", [">>", 7]],
  ["==", ["==", 8]],
  ["!=", ["!=", 8]],
  ["=~", ["=~", 8]],
  ["<", ["<", 9]],
  [">", [">", 9]],
  ["<=", ["<=", 9]],
  [">=", [">=", 9]],
  ["+", ["+", 10]],
  ["-", ["-", 10]],
  ["*", ["*", 11]],
  ["/", ["/", 11]],
]);

const WORD_PREC: ReadonlyMap<string, readonly [BinaryOp, number]> = new Map<string, readonly [BinaryOp, number]>([
  ["or", ["||", 1]],
  ["and", ["&&", 2]],
  ["eq", ["eq", 8]],
  ["ne", ["ne", 8]],
  ["ieq", ["ieq", 8]],
  ["ine", ["ine", 8]],
  ["mod", ["%", 11]],
]);

/** Words Kamailio reads as the integer 1 / 0. */
export const YES_WORDS: ReadonlySet<string> = new Set(["yes", "true", "on", "enable"]);
export const NO_WORDS: ReadonlySet<string> = new Set(["no", "false", "off", "disable"]);

/** Integer literal text: decimal, `0x` hex, `0` octal, `...b` binary, optional leading '-'. */
export const parseIntText = (text: string): number | undefined => {
  const neg = text.startsWith("-");
  const t = neg ? text.slice(1) : text;
  let v: number;
  if (/^(0|[1-9][0-9]*)$/.test(t)) v = Number(t);
  else if (/^0[xX][0-9a-fA-F]+$/.test(t)) v = parseInt(t.slice(2), 16);
  else if (/^0[0-7]+$/.test(t)) v = parseInt(t.slice(1), 8);
  else if (/^[01]+b$/.test(t)) v = parseInt(t.slice(0, -1), 2);
  else return undefined;
  return neg ? -v : v;
};

const binaryOpAt = (c: TokenCursor): readonly [BinaryOp, number] | undefined => {
  const t = c.peek();
  if (t.kind === "op") return OP_PREC.get(t.text);
  if (t.kind === "id") return WORD_PREC.get(t.text);
  return undefined;
};

export const pvNode = (t: Token): PvRef => {
  const pv = t.pv!;
  return {
    kind: "pv",
    name: pv.name,
    inner: pv.inner,
    index: pv.index,
    transforms: pv.transforms,
    braced: pv.braced,
    text: pv.text,
    pos: t.pos,
  };
};

export const strNode = (t: Token): StrLit => ({
  kind: "str",
  value: t.value ?? t.text,
  raw: t.text,
  quote: t.quote ?? '"',
  pos: t.pos,
});

export const intNode = (c: TokenCursor, t: Token): IntLit => {
  const value = parseIntText(t.text);
  if (value === undefined) {
    return c.fail(`invalid number '${t.text}'`, t.pos, "Write a decimal (42), hex (0x2A), octal (052) or binary (101010b) integer.");
  }
  return { kind: "int", value, text: t.text, pos: t.pos };
};

export const parseExpr = (c: TokenCursor): Expr => parseBinary(c, 1);

/** Operators other languages have and Kamailio 5.6 refuses at start-up: a load error with the way to write it. */
const refuseOperator = (c: TokenCursor): void => {
  const t = c.peek();
  if (t.kind !== "op") return;
  if (t.text === "!~") c.fail("Kamailio 5.6 has no '!~' operator", t.pos, 'Write !(a =~ "re") to test that a value does not match.');
  if (t.text === "%") c.fail("'%' is not an operator of Kamailio 5.6", t.pos, "Write mod for the remainder: 7 mod 3.");
};

const parseBinary = (c: TokenCursor, minPrec: number): Expr => {
  let left = parseUnary(c);
  for (;;) {
    const op = binaryOpAt(c);
    if (op === undefined) refuseOperator(c);
    if (op === undefined || op[1] < minPrec) {
      if (c.atOp("=")) {
        c.fail("'=' is not a comparison", c.peek().pos, "Use == to compare; assignments are statements of their own ($var(x) = 1;).");
      }
      return left;
    }
    c.advance();
    const right = parseBinary(c, op[1] + 1);
    left = { kind: "binary", op: op[0], left, right, pos: left.pos };
  }
};

const parseUnary = (c: TokenCursor): Expr => {
  const t = c.peek();
  if ((t.kind === "op" && t.text === "!") || (t.kind === "id" && t.text === "not")) {
    c.advance();
    return { kind: "unary", op: "!", operand: parseUnary(c), pos: t.pos };
  }
  if (t.kind === "op" && t.text === "-") {
    c.advance();
    const operand = parseUnary(c);
    if (operand.kind === "int" && !operand.text.startsWith("-")) {
      return { kind: "int", value: -operand.value, text: `-${operand.text}`, pos: t.pos };
    }
    return { kind: "unary", op: "-", operand, pos: t.pos };
  }
  if (t.kind === "op" && t.text === "~") {
    c.advance();
    return { kind: "unary", op: "~", operand: parseUnary(c), pos: t.pos };
  }
  if (t.kind === "op" && (t.text === "(int)" || t.text === "(str)")) {
    c.advance();
    return { kind: "cast", to: t.text === "(int)" ? "int" : "str", operand: parseUnary(c), pos: t.pos };
  }
  if (t.kind === "id" && t.text === "defined") {
    c.advance();
    return { kind: "defined", operand: parseUnary(c), pos: t.pos };
  }
  return parsePrimary(c);
};

const parsePrimary = (c: TokenCursor): Expr => {
  const t = c.peek();
  switch (t.kind) {
    case "num":
      c.advance();
      return intNode(c, t);
    case "dotted":
      c.advance();
      return ipNode(c, t);
    case "str":
      c.advance();
      return strNode(t);
    case "pv":
      c.advance();
      return pvNode(t);
    case "select":
      c.advance();
      return { kind: "select", text: t.text, pos: t.pos };
    case "op":
      if (t.text === "(") {
        c.advance();
        const e = parseExpr(c);
        c.expectOp(")", "to close the '(' of this expression");
        return e;
      }
      break;
    case "id": {
      if ((t.text === "strlen" || t.text === "strempty") && c.atOp("(", 1)) {
        c.advance();
        c.advance();
        const operand = parseExpr(c);
        c.expectOp(")", `to close ${t.text}(`);
        return t.text === "strlen" ? { kind: "strlen", operand, pos: t.pos } : { kind: "strempty", operand, pos: t.pos };
      }
      if (c.atOp("(", 1)) return parseCall(c);
      c.advance();
      if (YES_WORDS.has(t.text)) return { kind: "int", value: 1, text: t.text, pos: t.pos };
      if (NO_WORDS.has(t.text)) return { kind: "int", value: 0, text: t.text, pos: t.pos };
      return { kind: "ident", name: t.text, pos: t.pos };
    }
    default:
      break;
  }
  return c.fail(`expected an expression, found ${describe(t)}`, t.pos);
};

const ipNode = (c: TokenCursor, t: Token): Expr => {
  const parts = t.text.split(".");
  if (parts.length !== 4 || parts.some((p) => p === "" || Number(p) > 255)) {
    return c.fail(`'${t.text}' is not an IPv4 address`, t.pos, "Write four numbers 0-255 separated by dots, or quote the text.");
  }
  // optional /mask written right after the address
  if (c.atOp("/") && !c.peek().spaceBefore && c.peek(1).kind === "num" && !c.peek(1).spaceBefore) {
    c.advance();
    const m = c.advance();
    return { kind: "ip", text: `${t.text}/${m.text}`, pos: t.pos };
  }
  return { kind: "ip", text: t.text, pos: t.pos };
};

/** Tokens that may appear in an unquoted address argument such as `udp:10.0.0.1:5060` or `sip.example.com`. */
const isAddressPart = (t: Token): boolean =>
  t.kind === "id" ||
  t.kind === "num" ||
  t.kind === "dotted" ||
  (t.kind === "op" && (t.text === ":" || t.text === "." || t.text === "-" || t.text === "[" || t.text === "]" || t.text === "*"));

/**
 * An unquoted address argument (`force_send_socket(udp:10.0.0.1:5060)`, `forward(sip.example.com)`):
 * a run of adjacent tokens containing ':' or '.', followed by ',' or ')'. Read as an `ident` with the text.
 */
const addressArg = (c: TokenCursor): Expr | undefined => {
  const first = c.peek();
  if (first.kind !== "id" && first.kind !== "num" && first.kind !== "dotted") return undefined;
  let n = 1;
  let sep = false;
  while (isAddressPart(c.peek(n)) && !c.peek(n).spaceBefore) {
    const t = c.peek(n);
    if (t.kind === "op" && (t.text === ":" || t.text === ".")) sep = true;
    n++;
  }
  if (n === 1 || !sep || !(c.atOp(",", n) || c.atOp(")", n))) return undefined;
  let text = "";
  for (let i = 0; i < n; i++) text += c.advance().text;
  return { kind: "ident", name: text, pos: first.pos };
};

/** `name(arg, ...)`; the cursor is at the name. */
export const parseCall = (c: TokenCursor): CallExpr => {
  const name = c.advance();
  c.expectOp("(", `after the function name ${name.text}`);
  const args: Expr[] = [];
  if (!c.atOp(")")) {
    for (;;) {
      args.push(addressArg(c) ?? parseExpr(c));
      if (c.atOp(",")) {
        c.advance();
        continue;
      }
      if (c.atOp(")")) break;
      const t = c.peek();
      c.fail(
        `expected ',' or ')' in the arguments of ${name.text}(), found ${describe(t)}`,
        t.pos,
        t.kind === "eof" ? "Close the call with ')'." : "Separate arguments with commas and close the call with ')'.",
      );
    }
  }
  c.advance();
  return { kind: "call", name: name.text, args, parens: true, pos: name.pos };
};
