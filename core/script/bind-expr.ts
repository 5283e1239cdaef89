import type { ScriptValue } from "../module/values.ts";
import { parseUri } from "../sip/uri.ts";
import type { BinaryExpr, CallExpr, Expr, Ident, Pos, UnaryExpr } from "./ast.ts";
import { bindError, type BindEnv, type BindScope } from "./bind-env.ts";
import { bindPvRef, type BoundPv } from "./bind-pv.ts";
import type { ScriptContext } from "./context.ts";
import { EvalFailure } from "./exec-list.ts";
import { andThen, Pending, type Maybe } from "./maybe-async.ts";
import { compilePosix } from "./posix-regex.ts";
import { byteLength, toInt, toStr } from "./values.ts";

/**
 * Expressions compiled to closures (see values.ts for the typing rules). Each bound expression
 * knows its static type as Kamailio guesses it (int for int literals and int operators, str for
 * string literals, none for pseudo-variables), whether it is a load-time constant (folded), and
 * whether it can wait (it contains a function or route call): expressions without calls get
 * closures that never check for a pending value. Kamailio's load-time rewrites that change results
 * are applied too: `x == ""` is `strempty(x)`, and type mismatches between literals
 * (`1 + "a"`, `-"1"`, `strlen(1)`) are load errors.
 */

export type StaticType = "int" | "str" | "none";
export type Ev = (ctx: ScriptContext) => Maybe<ScriptValue>;

export interface BExpr {
  readonly ev: Ev;
  /** Never returns a pending value. */
  readonly sync: boolean;
  readonly type: StaticType;
  readonly constant: boolean;
  /** The value when constant. */
  readonly value: ScriptValue;
  /** Set for a bare pseudo-variable. */
  readonly pv: BoundPv | undefined;
  /** Set for a bare word (`uri`, `myself` ...). */
  readonly word: string | undefined;
  readonly pos: Pos;
}

/** How the expression binder binds calls (given by the statement binder, which owns call sites). */
export interface ExprHooks {
  readonly call: (env: BindEnv, scope: BindScope, e: CallExpr) => BExpr | undefined;
}

const constExpr = (value: ScriptValue, pos: Pos): BExpr => ({
  ev: () => value,
  sync: true,
  type: typeof value === "number" ? "int" : typeof value === "string" ? "str" : "none",
  constant: true,
  value,
  pv: undefined,
  word: undefined,
  pos,
});

const dyn = (ev: Ev, sync: boolean, type: StaticType, pos: Pos, extra: Partial<Pick<BExpr, "pv" | "word">> = {}): BExpr => ({
  ev,
  sync,
  type,
  constant: false,
  value: null,
  pv: extra.pv,
  word: extra.word,
  pos,
});

const lift1 = (a: BExpr, f: (v: ScriptValue) => ScriptValue): Ev => {
  const ev = a.ev;
  return a.sync ? (ctx) => f(ev(ctx) as ScriptValue) : (ctx) => andThen(ev(ctx), f);
};

const lift2 = (a: BExpr, b: BExpr, f: (x: ScriptValue, y: ScriptValue) => ScriptValue): Ev => {
  const ea = a.ev;
  const eb = b.ev;
  if (a.sync && b.constant) {
    const k = b.value;
    return (ctx) => f(ea(ctx) as ScriptValue, k);
  }
  if (a.sync && b.sync) return (ctx) => f(ea(ctx) as ScriptValue, eb(ctx) as ScriptValue);
  // Closures only once a side is actually pending.
  const right = (ctx: ScriptContext, x: ScriptValue): Maybe<ScriptValue> => {
    const y = eb(ctx);
    return y instanceof Pending ? y.then((yy) => f(x, yy)) : f(x, y);
  };
  return (ctx) => {
    const x = ea(ctx);
    return x instanceof Pending ? x.then((xx) => right(ctx, xx)) : right(ctx, x);
  };
};

/** The expression as an int for conditions (true when > 0). */
export const intOf = (b: BExpr): ((ctx: ScriptContext) => Maybe<number>) =>
  (b.type === "int" ? b.ev : lift1(b, toInt)) as (ctx: ScriptContext) => Maybe<number>;

// ------------------------------------------------------------------------------------- values

/** `==` with Kamailio's left-operand rule; 1 or 0. */
export const eqValues = (a: ScriptValue, b: ScriptValue): number => {
  if (typeof a === "number") return a === toInt(b) ? 1 : 0;
  if (typeof a === "string") return a === toStr(b) ? 1 : 0;
  if (typeof b === "number") return b === 0 ? 1 : 0;
  return toStr(b) === "" ? 1 : 0;
};

/** `+`: int addition when the left value is an int, else concatenation. */
export const plusValues = (a: ScriptValue, b: ScriptValue): ScriptValue =>
  typeof a === "number" ? (a + toInt(b)) | 0 : toStr(a) + toStr(b);

type IntOp = (a: number, b: number, pos: Pos) => number;

const INT_OPS: Readonly<Record<string, IntOp>> = {
  "-": (a, b) => (a - b) | 0,
  "*": (a, b) => Math.imul(a, b),
  "/": (a, b, pos) => {
    if (b === 0) throw new EvalFailure("division by 0", pos);
    return (a / b) | 0;
  },
  "%": (a, b, pos) => {
    if (b === 0) throw new EvalFailure("modulo by 0", pos);
    return a % b | 0;
  },
  "|": (a, b) => a | b,
  "&": (a, b) => a & b,
  "^": (a, b) => a ^ b,
  "<<": (a, b) => a << b,
  ">>": (a, b) => a >> b,
  "<": (a, b) => (a < b ? 1 : 0),
  ">": (a, b) => (a > b ? 1 : 0),
  "<=": (a, b) => (a <= b ? 1 : 0),
  ">=": (a, b) => (a >= b ? 1 : 0),
  ieq: (a, b) => (a === b ? 1 : 0),
  ine: (a, b) => (a !== b ? 1 : 0),
};

const ipv4ToInt = (s: string): number | undefined => {
  const p = s.split(".");
  if (p.length !== 4) return undefined;
  let v = 0;
  for (const x of p) {
    if (!/^[0-9]{1,3}$/.test(x) || Number(x) > 255) return undefined;
    v = v * 256 + Number(x);
  }
  return v;
};

/** IPv4 `addr/bits` match. */
const cidrMatch = (ip: string, net: string): boolean => {
  const [base, bitsText] = net.split("/") as [string, string];
  const a = ipv4ToInt(ip);
  const b = ipv4ToInt(base);
  const bits = Number(bitsText);
  if (a === undefined || b === undefined || !(bits >= 0 && bits <= 32)) return false;
  if (bits === 0) return true;
  const mask = bits === 32 ? 0xffffffff : ~((1 << (32 - bits)) - 1) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
};

// ------------------------------------------------------------------------------------ type check

const TYPE_NAMES: Readonly<Record<StaticType, string>> = { int: "int", str: "str", none: "none" };

const mismatch = (env: BindEnv, pos: Pos, got: StaticType, want: StaticType): void =>
  bindError(env, "SM_CFG_SYNTAX", `bad expression: type mismatch: ${TYPE_NAMES[got]} instead of ${TYPE_NAMES[want]}`, pos, {
    hint: "Convert explicitly with (int) or (str), or put the string operand on the left of +.",
  });

/** Kamailio's load-time check of an operator's operand types; false (error reported) on a mismatch. */
const checkBinaryTypes = (env: BindEnv, op: BinaryExpr["op"], l: BExpr, r: BExpr): boolean => {
  switch (op) {
    case "==":
    case "!=":
    case "+":
      if (l.type !== r.type && l.type !== "none" && r.type !== "none" && !(l.type === "str" && r.type === "int")) {
        mismatch(env, r.pos, r.type, l.type);
        return false;
      }
      return true;
    case "eq":
    case "ne":
    case "=~":
    case "!~":
      if (l.type !== r.type && l.type !== "none" && r.type !== "none" && !(l.type === "str" && r.type === "int")) {
        mismatch(env, r.pos, r.type, l.type);
        return false;
      }
      if (l.type === "int") {
        mismatch(env, l.pos, "int", "str");
        return false;
      }
      return true;
    default:
      if (l.type === "str") {
        mismatch(env, l.pos, "str", "int");
        return false;
      }
      if (r.type === "str") {
        mismatch(env, r.pos, "str", "int");
        return false;
      }
      return true;
  }
};

// ---------------------------------------------------------------------------------------- words

/** Values of the bare words Kamailio's expressions know (the old `method == "INVITE"` style). */
const wordValue = (name: string): { readonly ev: (ctx: ScriptContext) => ScriptValue; readonly type: StaticType } | undefined => {
  switch (name) {
    case "method":
      return { type: "str", ev: (ctx) => ctx.msg.method };
    case "uri":
      return { type: "str", ev: (ctx) => (ctx.msg.isRequest ? ctx.msg.currentRuri() : null) };
    case "from_uri":
      return { type: "str", ev: (ctx) => ctx.msg.from().uri };
    case "to_uri":
      return { type: "str", ev: (ctx) => ctx.msg.to().uri };
    case "src_ip":
      return { type: "str", ev: (ctx) => ctx.rcv.srcIp };
    case "dst_ip":
      return { type: "str", ev: (ctx) => ctx.rcv.dstIp };
    case "src_port":
      return { type: "int", ev: (ctx) => ctx.rcv.srcPort };
    case "dst_port":
      return { type: "int", ev: (ctx) => ctx.rcv.dstPort };
    case "proto":
      return { type: "str", ev: (ctx) => ctx.rcv.proto };
    case "af":
      return { type: "int", ev: (ctx) => ctx.rcv.af };
    case "status":
      return { type: "int", ev: (ctx) => (ctx.msg.isRequest ? null : ctx.msg.status) };
    case "udp":
    case "tcp":
    case "tls":
    case "ws":
    case "wss":
    case "sctp":
      return { type: "str", ev: () => name };
    case "UDP":
    case "TCP":
    case "TLS":
    case "WS":
    case "WSS":
    case "SCTP": {
      const v = name.toLowerCase();
      return { type: "str", ev: () => v };
    }
    case "INET":
      return { type: "int", ev: () => 4 };
    case "INET6":
      return { type: "int", ev: () => 6 };
    default:
      return undefined;
  }
};

/** `X == myself`: X (a URI, or a host) names this server. */
const myselfTest = (ctx: ScriptContext, v: ScriptValue): number => {
  const s = toStr(v);
  if (s.includes(":") && !s.startsWith("[")) {
    const u = parseUri(s);
    if (u !== undefined) return ctx.host.isMyself(u.host, u.port) ? 1 : 0;
  }
  return ctx.host.isMyself(s, undefined) ? 1 : 0;
};

// ---------------------------------------------------------------------------------------- binder

export const bindExpr = (env: BindEnv, scope: BindScope, e: Expr, hooks: ExprHooks): BExpr | undefined => {
  switch (e.kind) {
    case "int":
      return constExpr(e.value, e.pos);
    case "str":
      return constExpr(e.value, e.pos);
    case "ip":
      return constExpr(e.text, e.pos);
    case "pv": {
      const pv = bindPvRef(env, e);
      return pv === undefined ? undefined : dyn(pv.get, true, "none", e.pos, { pv });
    }
    case "select":
      bindError(env, "SM_CFG_SYNTAX", `selects (${e.text}) are not supported`, e.pos, {
        hint: "Use the pseudo-variable with the same value ($hdr(Via), $(hdr(Via)[1]) ...).",
      });
      return undefined;
    case "ident":
      return bindWord(env, e);
    case "unary":
      return bindUnary(env, scope, e, hooks);
    case "binary":
      return bindBinary(env, scope, e, hooks);
    case "defined": {
      const a = bindExpr(env, scope, e.operand, hooks);
      if (a === undefined) return undefined;
      if (a.type === "int" && a.constant) {
        mismatch(env, a.pos, "int", "str");
        return undefined;
      }
      if (a.pv === undefined) return constExpr(1, e.pos);
      const get = a.pv.get;
      return dyn((ctx) => (get(ctx) === null ? 0 : 1), true, "int", e.pos);
    }
    case "strlen":
    case "strempty": {
      const a = bindExpr(env, scope, e.operand, hooks);
      if (a === undefined) return undefined;
      if (a.type === "int") {
        mismatch(env, a.pos, "int", "str");
        return undefined;
      }
      const f = e.kind === "strlen" ? (v: ScriptValue) => byteLength(toStr(v)) : (v: ScriptValue) => (toStr(v) === "" ? 1 : 0);
      if (a.constant) return constExpr(f(a.value), e.pos);
      return dyn(lift1(a, f), a.sync, "int", e.pos);
    }
    case "cast": {
      const a = bindExpr(env, scope, e.operand, hooks);
      if (a === undefined) return undefined;
      const f = e.to === "int" ? toInt : toStr;
      if (a.constant) return constExpr(f(a.value), e.pos);
      if (a.type === e.to) return a;
      return dyn(lift1(a, f), a.sync, e.to, e.pos);
    }
    case "call":
      return hooks.call(env, scope, e);
  }
};

const bindWord = (env: BindEnv, e: Ident): BExpr | undefined => {
  if (e.name === "myself") return dyn(() => null, true, "none", e.pos, { word: "myself" });
  const w = wordValue(e.name);
  if (w === undefined) {
    bindError(env, "SM_CFG_SYNTAX", `unknown word "${e.name}" in an expression`, e.pos, {
      hint: "Quote strings (\"text\"); pseudo-variables start with $; function calls need parentheses.",
    });
    return undefined;
  }
  return dyn(w.ev, true, w.type, e.pos, { word: e.name });
};

const bindUnary = (env: BindEnv, scope: BindScope, e: UnaryExpr, hooks: ExprHooks): BExpr | undefined => {
  const a = bindExpr(env, scope, e.operand, hooks);
  if (a === undefined) return undefined;
  if (a.type === "str") {
    mismatch(env, a.pos, "str", "int");
    return undefined;
  }
  const f =
    e.op === "!"
      ? (v: ScriptValue) => (toInt(v) === 0 ? 1 : 0)
      : e.op === "-"
        ? (v: ScriptValue) => -toInt(v) | 0
        : (v: ScriptValue) => ~toInt(v);
  if (a.constant) return constExpr(f(a.value), e.pos);
  return dyn(lift1(a, f), a.sync, "int", e.pos);
};

const bindMyself = (env: BindEnv, l: BExpr, r: BExpr, op: BinaryExpr["op"], pos: Pos): BExpr | undefined => {
  const other = l.word === "myself" ? r : l;
  if (other.word === "myself" || (op !== "==" && op !== "!=")) {
    bindError(env, "SM_CFG_SYNTAX", "myself can only be compared with == or != to a URI or an address", pos);
    return undefined;
  }
  const neg = op === "!=";
  const ev = other.ev;
  const f = (ctx: ScriptContext, v: ScriptValue): number => {
    const m = myselfTest(ctx, v);
    return neg ? 1 - m : m;
  };
  return dyn(other.sync ? (ctx) => f(ctx, ev(ctx) as ScriptValue) : (ctx) => andThen(ev(ctx), (v) => f(ctx, v)), other.sync, "int", pos);
};

const bindBinary = (env: BindEnv, scope: BindScope, e: BinaryExpr, hooks: ExprHooks): BExpr | undefined => {
  const l = bindExpr(env, scope, e.left, hooks);
  const r = bindExpr(env, scope, e.right, hooks);
  if (l === undefined || r === undefined) return undefined;
  const pos = e.pos;
  if (l.word === "myself" || r.word === "myself") return bindMyself(env, l, r, e.op, pos);
  if (!checkBinaryTypes(env, e.op, l, r)) return undefined;
  const sync = l.sync && r.sync;
  const op = e.op;

  // && and || evaluate the right side only when needed.
  if (op === "&&" || op === "||") {
    const li = intOf(l);
    const ri = intOf(r);
    const and = op === "&&";
    if (l.constant && r.constant) return constExpr(and ? (toInt(l.value) !== 0 && toInt(r.value) !== 0 ? 1 : 0) : toInt(l.value) !== 0 || toInt(r.value) !== 0 ? 1 : 0, pos);
    if (sync) {
      return dyn(
        and
          ? (ctx) => ((li(ctx) as number) === 0 ? 0 : (ri(ctx) as number) !== 0 ? 1 : 0)
          : (ctx) => ((li(ctx) as number) !== 0 ? 1 : (ri(ctx) as number) !== 0 ? 1 : 0),
        true,
        "int",
        pos,
      );
    }
    return dyn(
      (ctx) =>
        andThen(li(ctx), (x) =>
          and ? (x === 0 ? 0 : andThen(ri(ctx), (y) => (y !== 0 ? 1 : 0))) : x !== 0 ? 1 : andThen(ri(ctx), (y) => (y !== 0 ? 1 : 0)),
        ),
      false,
      "int",
      pos,
    );
  }

  let f: (x: ScriptValue, y: ScriptValue) => ScriptValue;
  let type: StaticType = "int";
  switch (op) {
    case "+":
      type = l.type;
      f = l.type === "int" ? (x, y) => ((x as number) + toInt(y)) | 0 : l.type === "str" ? (x, y) => toStr(x) + toStr(y) : plusValues;
      break;
    case "==":
    case "!=":
    case "eq":
    case "ne": {
      const neg = op === "!=" || op === "ne";
      const strCmp = op === "eq" || op === "ne";
      // Kamailio rewrites x == "" (and "" == x) into strempty(x); != is left alone.
      if ((op === "==" || op === "eq") && ((r.constant && r.value === "") || (l.constant && l.value === ""))) {
        const other = r.constant && r.value === "" ? l : r;
        if (other.constant) return constExpr(toStr(other.value) === "" ? 1 : 0, pos);
        return dyn(lift1(other, (v) => (toStr(v) === "" ? 1 : 0)), other.sync, "int", pos);
      }
      if (r.constant && typeof r.value === "string" && (strCmp || l.type !== "int")) {
        const k = r.value;
        const ki = toInt(k);
        f = strCmp
          ? (x) => ((toStr(x) === k) !== neg ? 1 : 0)
          : (x) => {
              const eq = typeof x === "string" ? x === k : typeof x === "number" ? x === ki : k === "";
              return eq !== neg ? 1 : 0;
            };
      } else if (strCmp) f = (x, y) => ((toStr(x) === toStr(y)) !== neg ? 1 : 0);
      else f = neg ? (x, y) => 1 - eqValues(x, y) : eqValues;
      break;
    }
    case "=~":
    case "!~": {
      const neg = op === "!~";
      if (r.constant) {
        let re: RegExp;
        try {
          re = compilePosix(toStr(r.value), true);
        } catch (err) {
          bindError(env, "SM_CFG_SYNTAX", `bad regular expression "${toStr(r.value)}": ${(err as Error).message}`, r.pos);
          return undefined;
        }
        f = (x) => (re.test(toStr(x)) !== neg ? 1 : 0);
      } else {
        const at = r.pos;
        f = (x, y) => {
          let re: RegExp;
          try {
            re = compilePosix(toStr(y), true);
          } catch (err) {
            throw new EvalFailure(`bad regular expression "${toStr(y)}": ${(err as Error).message}`, at);
          }
          return re.test(toStr(x)) !== neg ? 1 : 0;
        };
      }
      break;
    }
    default: {
      const iop = INT_OPS[op];
      if (iop === undefined) {
        bindError(env, "SM_CFG_SYNTAX", `operator ${op} is not supported`, pos);
        return undefined;
      }
      f = (x, y) => iop(toInt(x), toInt(y), pos);
      break;
    }
  }
  if (r.constant && typeof r.value === "string" && r.value.includes("/") && (op === "==" || op === "!=") && isIpNet(r.value)) {
    const net = r.value;
    const neg = op === "!=";
    f = (x) => (cidrMatch(toStr(x), net) !== neg ? 1 : 0);
  }
  if (l.constant && r.constant) {
    try {
      return constExpr(f(l.value, r.value), pos);
    } catch (err) {
      if (err instanceof EvalFailure) {
        bindError(env, "SM_CFG_SYNTAX", `bad constant expression: ${err.message}`, pos);
        return undefined;
      }
      throw err;
    }
  }
  return dyn(lift2(l, r, f), sync, type, pos);
};

const isIpNet = (s: string): boolean => /^[0-9]{1,3}(\.[0-9]{1,3}){3}\/[0-9]{1,2}$/.test(s);
