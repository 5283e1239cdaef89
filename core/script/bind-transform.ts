import type { ScriptValue } from "../module/values.ts";
import type { Pos, PvTransform } from "./ast.ts";
import { bindError, type BindEnv } from "./bind-env.ts";
import type { ScriptContext } from "./context.ts";
import { scanPv } from "./parse-pv.ts";
import { byteLength, staticIntText, strToInt, toInt, toStr } from "./values.ts";

/**
 * String transformations applied to a pseudo-variable's value: `{s.len}` (length in bytes),
 * `{s.int}` (string to int; a non-number fails), `{s.tolower}`, `{s.toupper}`,
 * `{s.substr,offset,length}` (negative offset counts from the end, length 0 = to the end),
 * `{s.select,index,separator}` (field of a separated list, negative index from the end),
 * `{s.strip,n}` (drop the first n chars). Numeric arguments may be pseudo-variables.
 * As in Kamailio 5.6 (checked against it, test/compat-pv.test.ts): the string transformations of
 * an undefined value give "", an out-of-range `s.substr` is cut to the end of the string or gives
 * "", and an out-of-range `s.select` gives ""; `{s.int}` of an undefined value stays undefined.
 */
export type Transform = (v: ScriptValue, ctx: ScriptContext) => ScriptValue;

/** Binds the pseudo-variable inside a transformation argument (`{s.substr,0,$var(n)}`). */
export type ArgPvBinder = (text: string, pos: Pos) => ((ctx: ScriptContext) => ScriptValue) | undefined;

type IntArg = (ctx: ScriptContext) => number;

const intArg = (env: BindEnv, text: string, pos: Pos, tr: string, bindPvText: ArgPvBinder): IntArg | undefined => {
  const t = text.trim();
  const n = staticIntText(t);
  if (n !== undefined) return () => n;
  if (t.startsWith("$")) {
    const scan = scanPv(t, 0);
    if (scan.ok && scan.end === t.length) {
      const get = bindPvText(t, pos);
      return get === undefined ? undefined : (ctx) => toInt(get(ctx));
    }
  }
  bindError(env, "SM_CFG_PV", `{${tr}}: argument "${text}" is neither an integer nor a pseudo-variable`, pos);
  return undefined;
};

const argCount = (env: BindEnv, tr: PvTransform, n: number, pos: Pos): boolean => {
  if (tr.args.length === n) return true;
  bindError(env, "SM_CFG_PV", `{${tr.text}}: ${tr.name} takes ${n} argument(s), not ${tr.args.length}`, pos, {
    hint: "Write {s.substr,offset,length}, {s.select,index,separator}, {s.strip,n}, or {s.len} without arguments.",
  });
  return false;
};

const str = (v: ScriptValue): string | undefined => (v === null ? undefined : toStr(v));

/** Bind one transformation; undefined (with an error reported) when unknown or malformed. */
export const bindTransform = (env: BindEnv, tr: PvTransform, pos: Pos, bindPvText: ArgPvBinder): Transform | undefined => {
  switch (tr.name) {
    case "s.len":
      if (!argCount(env, tr, 0, pos)) return undefined;
      return (v) => {
        const s = str(v);
        return s === undefined ? "" : byteLength(s);
      };
    case "s.int":
      if (!argCount(env, tr, 0, pos)) return undefined;
      return (v) => {
        if (typeof v === "number") return v;
        if (v === null) return null;
        return strToInt(v) ?? null;
      };
    case "s.tolower":
      if (!argCount(env, tr, 0, pos)) return undefined;
      return (v) => {
        const s = str(v);
        return s === undefined ? "" : s.toLowerCase();
      };
    case "s.toupper":
      if (!argCount(env, tr, 0, pos)) return undefined;
      return (v) => {
        const s = str(v);
        return s === undefined ? "" : s.toUpperCase();
      };
    case "s.substr": {
      if (!argCount(env, tr, 2, pos)) return undefined;
      const off = intArg(env, tr.args[0]!, pos, tr.text, bindPvText);
      const len = intArg(env, tr.args[1]!, pos, tr.text, bindPvText);
      if (off === undefined || len === undefined) return undefined;
      return (v, ctx) => {
        const s = str(v);
        if (s === undefined) return "";
        let o = off(ctx);
        const l = len(ctx);
        if (o < 0) o = s.length + o;
        if (l < 0) return null;
        if (o < 0 || o >= s.length) return "";
        if (l === 0) return s.slice(o);
        return s.slice(o, Math.min(o + l, s.length));
      };
    }
    case "s.strip": {
      if (!argCount(env, tr, 1, pos)) return undefined;
      const n = intArg(env, tr.args[0]!, pos, tr.text, bindPvText);
      if (n === undefined) return undefined;
      return (v, ctx) => {
        const s = str(v);
        if (s === undefined) return "";
        const k = n(ctx);
        return k <= 0 ? s : k >= s.length ? "" : s.slice(k);
      };
    }
    case "s.select": {
      // The separator may itself be a comma: read index and separator from the raw text.
      const rest = tr.text.slice(tr.text.indexOf(",") + 1);
      const comma = rest.indexOf(",");
      const sep = comma < 0 ? "" : rest.slice(comma + 1);
      if (comma < 0 || sep.length !== 1) {
        bindError(env, "SM_CFG_PV", `{${tr.text}}: write {s.select,index,separator} with a one-character separator`, pos);
        return undefined;
      }
      const idx = intArg(env, rest.slice(0, comma), pos, tr.text, bindPvText);
      if (idx === undefined) return undefined;
      return (v, ctx) => {
        const s = str(v);
        if (s === undefined) return "";
        const parts = s.split(sep);
        let i = idx(ctx);
        if (i < 0) i = parts.length + i;
        return i >= 0 && i < parts.length ? parts[i]! : "";
      };
    }
    default:
      bindError(env, "SM_CFG_PV", `unknown transformation {${tr.text}}`, pos, {
        hint: "Supported: {s.len} {s.int} {s.tolower} {s.toupper} {s.substr,o,l} {s.select,i,sep} {s.strip,n}.",
      });
      return undefined;
  }
};
