import type { AdvertiseAddress, CfgGlobal, ListenValue, Pos } from "./ast.ts";
import type { Token } from "./lexer.ts";
import { NO_WORDS, parseIntText, YES_WORDS } from "./parse-expr.ts";
import { parseHostPort } from "./parse-listen.ts";
import { describe, type TokenCursor } from "./token-cursor.ts";

/**
 * The global section: `name = value`, `group.name = value [desc "text"]`, `loadmodule "x.so"`,
 * `modparam("mod", "param", value)`, `cfgengine "native"`. A trailing ';' is allowed.
 */

/** Parameters whose unquoted (or quoted) value is a socket address. */
const ADDRESS_PARAMS: ReadonlySet<string> = new Set(["listen", "alias"]);

const isRunPart = (t: Token): boolean =>
  t.kind === "id" ||
  t.kind === "num" ||
  t.kind === "dotted" ||
  (t.kind === "op" && (t.text === ":" || t.text === "." || t.text === "-" || t.text === "[" || t.text === "]" || t.text === "*" || t.text === "/"));

/** Adjacent tokens (no blank between them) that make one unquoted value: `udp:127.0.0.1:5060`, `-1`, `LOG_LOCAL0`. */
const readRun = (c: TokenCursor): { text: string; pos: Pos; count: number } | undefined => {
  const first = c.peek();
  if (!isRunPart(first)) return undefined;
  let text = c.advance().text;
  let count = 1;
  while (isRunPart(c.peek()) && !c.peek().spaceBefore) {
    text += c.advance().text;
    count++;
  }
  return { text, pos: first.pos, count };
};

const optionalSemi = (c: TokenCursor): void => {
  if (c.atOp(";")) c.advance();
};

const stringArg = (c: TokenCursor, what: string): Token => {
  const t = c.peek();
  if (t.kind !== "str") return c.fail(`expected a quoted ${what}, found ${describe(t)}`, t.pos, `Quote the ${what}: "..."`);
  return c.advance();
};

export const parseLoadModule = (c: TokenCursor): CfgGlobal => {
  const kw = c.advance();
  const paren = c.atOp("(");
  if (paren) c.advance();
  const s = stringArg(c, "module path");
  if (paren) c.expectOp(")", `to close ${kw.text}(`);
  optionalSemi(c);
  return { type: "loadmodule", path: s.value ?? s.text, pos: kw.pos, expand: kw.text === "loadmodulex" ? true : undefined };
};

/** An integer (possibly negative) or a yes/no word, at the cursor; undefined if not one. */
const intValue = (c: TokenCursor): { value: number; pos: Pos } | undefined => {
  const t = c.peek();
  if (t.kind === "id" && (YES_WORDS.has(t.text) || NO_WORDS.has(t.text))) {
    c.advance();
    return { value: YES_WORDS.has(t.text) ? 1 : 0, pos: t.pos };
  }
  const neg = t.kind === "op" && t.text === "-" && c.peek(1).kind === "num";
  const n = neg ? c.peek(1) : t;
  if (n.kind !== "num") return undefined;
  const v = parseIntText(n.text);
  if (v === undefined) return c.fail(`invalid number '${n.text}'`, n.pos, "Write a decimal, hex (0x..), octal (0..) or binary (..b) integer.");
  c.advance();
  if (neg) c.advance();
  return { value: neg ? -v : v, pos: t.pos };
};

export const parseModParam = (c: TokenCursor): CfgGlobal => {
  const kw = c.advance();
  const hint = 'Write modparam("module", "param", value) with three arguments.';
  c.expectOp("(", `after ${kw.text}`, hint);
  const mod = stringArg(c, "module name");
  c.expectOp(",", "after the module name", hint);
  const param = stringArg(c, "parameter name");
  c.expectOp(",", "after the parameter name", hint);
  const vt = c.peek();
  let value: string | number;
  if (vt.kind === "str") {
    c.advance();
    value = vt.value ?? vt.text;
  } else {
    const iv = intValue(c);
    if (iv === undefined) {
      return c.fail(
        `the value of modparam("${mod.value ?? mod.text}", "${param.value ?? param.text}", ...) must be a quoted string or an integer, found ${describe(vt)}`,
        vt.pos,
        "Quote strings; write integers without quotes.",
      );
    }
    value = iv.value;
  }
  c.expectOp(")", `to close ${kw.text}(`, hint);
  optionalSemi(c);
  return {
    type: "modparam",
    module: mod.value ?? mod.text,
    param: param.value ?? param.text,
    value,
    pos: kw.pos,
    valuePos: vt.pos,
    expand: kw.text === "modparamx" ? true : undefined,
  };
};

const advertiseOf = (c: TokenCursor, kw: Token): AdvertiseAddress => {
  const run = readRun(c);
  if (run === undefined) return c.fail(`expected an address after '${kw.text}', found ${describe(c.peek())}`, c.peek().pos, "Write advertise 203.0.113.1:5060");
  const hp = parseHostPort(run.text, false);
  if (!hp.ok) return c.fail(`invalid advertise address: ${hp.message}`, run.pos, "Write advertise host[:port].");
  return { host: hp.value.host, port: hp.value.port, text: run.text };
};

const listenValue = (c: TokenCursor, text: string, pos: Pos, name: string): ListenValue => {
  const hp = parseHostPort(text);
  if (!hp.ok) {
    return c.fail(`invalid ${name} address: ${hp.message}`, pos, "Write [proto:]host[:port], e.g. udp:127.0.0.1:5060 or tcp:[::1]:5060.");
  }
  let advertise: AdvertiseAddress | undefined;
  let sockName: string | undefined;
  let virtual = false;
  for (;;) {
    const t = c.peek();
    if (t.kind !== "id") break;
    const w = t.text.toLowerCase();
    if (w === "advertise") {
      c.advance();
      advertise = advertiseOf(c, t);
    } else if (w === "name") {
      c.advance();
      sockName = stringArg(c, "socket name").value;
    } else if (w === "virtual") {
      c.advance();
      virtual = true;
    } else break;
  }
  return { kind: "listen", proto: hp.value.proto, host: hp.value.host, port: hp.value.port, advertise, name: sockName, virtual: virtual ? true : undefined, text };
};

/** `name = value`; the cursor is at the name. */
export const parseParam = (c: TokenCursor): CfgGlobal => {
  const nameTok = c.advance();
  const name = nameTok.text;
  const eq = c.advance(); // '='
  const vt = c.peek();
  if (vt.kind === "id" && vt.pos.line !== eq.pos.line) {
    // `children=` with nothing after it: the next line's word is a new statement, not the value
    return c.fail(`missing the value of ${name}`, c.endOfPrev(), `Write ${name}=value on one line (quote strings).`);
  }
  let value: string | number | boolean | ListenValue;
  if (vt.kind === "str") {
    c.advance();
    const s = vt.value ?? vt.text;
    value = ADDRESS_PARAMS.has(name) ? listenValue(c, s, vt.pos, name) : s;
  } else {
    const run = readRun(c);
    if (run === undefined) {
      return c.fail(`missing the value of ${name}`, vt.kind === "eof" ? nameTok.pos : vt.pos, `Write ${name}=value (quote strings).`);
    }
    const n = parseIntText(run.text);
    if (n !== undefined) value = n;
    else if (run.count === 1 && YES_WORDS.has(run.text)) value = true;
    else if (run.count === 1 && NO_WORDS.has(run.text)) value = false;
    else if (ADDRESS_PARAMS.has(name)) value = listenValue(c, run.text, run.pos, name);
    else value = run.text;
  }
  optionalSemi(c);
  return { type: "param", name, value, pos: nameTok.pos, valuePos: vt.pos };
};

const DESC_WORDS: ReadonlySet<string> = new Set(["desc", "descr", "description"]);

/** `group.name = value [desc "text"]`; the cursor is at the group. */
export const parseCfgVar = (c: TokenCursor): CfgGlobal => {
  const group = c.advance();
  c.advance(); // '.'
  const name = c.advance();
  c.expectOp("=", `after ${group.text}.${name.text}`);
  const vt = c.peek();
  let value: string | number;
  if (vt.kind === "str") {
    c.advance();
    value = vt.value ?? vt.text;
  } else {
    const iv = intValue(c);
    if (iv === undefined) {
      return c.fail(`the value of ${group.text}.${name.text} must be a quoted string or an integer, found ${describe(vt)}`, vt.pos);
    }
    value = iv.value;
  }
  let description: string | undefined;
  if (c.peek().kind === "id" && DESC_WORDS.has(c.peek().text)) {
    c.advance();
    const d = stringArg(c, "description");
    description = d.value ?? d.text;
  }
  optionalSemi(c);
  return { type: "cfgvar", group: group.text, name: name.text, value, description, pos: group.pos, valuePos: vt.pos };
};

/** `cfgengine "native"` is kept as a param named cfgengine. */
export const parseCfgEngine = (c: TokenCursor): CfgGlobal => {
  const kw = c.advance();
  const s = stringArg(c, "config engine name");
  optionalSemi(c);
  return { type: "param", name: kw.text, value: s.value ?? s.text, pos: kw.pos, valuePos: s.pos };
};
