import type { SipmodError } from "../errors.ts";
import type { CallContext } from "../module/call-context.ts";
import type { AnyPvSpec } from "../module/define-module.ts";
import type { ScriptValue } from "../module/values.ts";
import type { Pos, PvRef } from "./ast.ts";
import { bindError, type BindEnv } from "./bind-env.ts";
import { compileFormat } from "./bind-format.ts";
import { bindTransform, type Transform } from "./bind-transform.ts";
import type { ScriptContext } from "./context.ts";
import { scanPv } from "./parse-pv.ts";

/**
 * A pseudo-variable reference resolved once at load time: the class from the registry, its inner
 * name parsed by the class's `parse`, its transformations bound. An index written as
 * `$(name(inner)[i])` reaches `parse` as the inner text followed by `[i]` (`$(avp(x)[1])` ->
 * `parse("x[1]")`, `$(hdr(Via)[*])` -> `parse("Via[*]")`); classes without an inner name take no
 * index. `parse` also gets a second argument, PvParseTools, to compile pseudo-variables inside
 * the name.
 */
export interface BoundPv {
  readonly text: string;
  /** Class name (`var`, `avp`, `ru` ...). */
  readonly className: string;
  readonly get: (ctx: ScriptContext) => ScriptValue;
  /** undefined when the class has no setter or transformations are applied. */
  readonly set: ((ctx: ScriptContext, v: ScriptValue) => void) | undefined;
  /** For `:=`: removes every value of an avp/xavp before the assignment (undefined for other classes). */
  readonly clear: ((ctx: ScriptContext) => void) | undefined;
}

interface PvParts {
  readonly name: string;
  readonly inner?: string | undefined;
  readonly index?: string | undefined;
  readonly transforms: PvRef["transforms"];
  readonly text: string;
}

/**
 * What `parse` gets as its second argument: `format(text)` compiles text with pseudo-variables
 * (`$sht(a=>$ci)`: the key) once, into a function evaluated per message, or says why it cannot.
 */
export interface PvParseTools {
  readonly format: (text: string) => ((ctx: CallContext) => string) | { readonly error: string };
}

const parseTools = (env: BindEnv, pos: Pos): PvParseTools => ({
  format: (text) => {
    const errors: SipmodError[] = [];
    const f = compileFormat({ ...env, errors }, text, pos);
    if (f === undefined || errors.length > 0) return { error: errors.map((e) => e.message).join("; ") || `cannot compile "${text}"` };
    if (f.kind === "static") {
      const t = f.text;
      return () => t;
    }
    const run = f.run;
    return (ctx) => run(ctx as ScriptContext);
  },
});

const isParseError = (r: unknown): r is { readonly error: string } =>
  typeof r === "object" && r !== null && "error" in r && typeof (r as { error: unknown }).error === "string";

/** Parse the inner name; undefined (error reported) when the class refuses it. */
const parseName = (env: BindEnv, spec: AnyPvSpec, module: string, p: PvParts, pos: Pos): { ok: true; name: unknown } | { ok: false } => {
  if (spec.inner === "none" && (p.inner !== undefined || p.index !== undefined)) {
    bindError(env, "SM_CFG_PV", `$${p.name} takes no name in parentheses: ${p.text}`, pos, { module, hint: `Write $${p.name}.` });
    return { ok: false };
  }
  if (spec.inner === "required" && p.inner === undefined) {
    bindError(env, "SM_CFG_PV", `$${p.name} needs a name: $${p.name}(...)`, pos, { module, hint: `Write $${p.name}(name).` });
    return { ok: false };
  }
  const inner = p.index !== undefined ? `${p.inner ?? ""}[${p.index}]` : p.inner;
  if (spec.parse === undefined) return { ok: true, name: inner };
  let r: unknown;
  try {
    r = (spec.parse as (inner: string | undefined, tools: PvParseTools) => unknown)(inner, parseTools(env, pos));
  } catch (e) {
    bindError(env, "SM_CFG_PV", `${p.text}: ${e instanceof Error ? e.message : String(e)}`, pos, { module });
    return { ok: false };
  }
  if (isParseError(r)) {
    bindError(env, "SM_CFG_PV", `${p.text}: ${r.error}`, pos, { module });
    return { ok: false };
  }
  return { ok: true, name: r };
};

/** Resolve a pseudo-variable; undefined (errors reported) when it cannot be used. */
export const bindPvParts = (env: BindEnv, p: PvParts, pos: Pos): BoundPv | undefined => {
  const className = p.name === "?" ? "rc" : p.name;
  const reg = env.registry.pvs.get(p.name) ?? env.registry.pvs.get(className);
  if (reg === undefined) {
    bindError(env, "SM_CFG_PV", `unknown pseudo-variable $${p.name} in ${p.text}`, pos, {
      hint:
        "Check the name; the message pseudo-variables ($ru, $var(x), $avp(x), $hdr(X) ...) come from the pv module: " +
        'add "pv" to "modules" in plugins.json or loadmodule "pv.so" to the cfg.',
    });
    return undefined;
  }
  const spec = reg.pv;
  const parsed = parseName(env, spec, reg.module, p, pos);
  if (!parsed.ok) return undefined;
  const name = parsed.name as never;
  const get0 = spec.get;
  const set0 = spec.set;
  const trs: Transform[] = [];
  for (const tr of p.transforms) {
    const t = bindTransform(env, tr, pos, (text, at) => bindPvText(env, text, at)?.get);
    if (t === undefined) return undefined;
    trs.push(t);
  }
  let get: (ctx: ScriptContext) => ScriptValue;
  if (trs.length === 0) get = (ctx) => get0(ctx, name);
  else if (trs.length === 1) {
    const t = trs[0]!;
    get = (ctx) => t(get0(ctx, name), ctx);
  } else
    get = (ctx) => {
      let v = get0(ctx, name);
      for (const t of trs) v = t(v, ctx);
      return v;
    };
  const set = set0 !== undefined && trs.length === 0 ? (ctx: ScriptContext, v: ScriptValue) => set0(ctx, name, v) : undefined;
  let clear: BoundPv["clear"];
  if (set0 !== undefined && (className === "avp" || className === "xavp") && p.inner !== undefined && p.index === undefined) {
    // The same variable with index [*]; silently absent when the class does not take one there.
    let all: unknown;
    try {
      all = spec.parse === undefined ? undefined : spec.parse(`${p.inner}[*]`);
    } catch {
      all = undefined;
    }
    if (all !== undefined && !isParseError(all)) {
      const allName = all as never;
      clear = (ctx) => set0(ctx, allName, null);
    }
  }
  return { text: p.text, className, get, set, clear };
};

export const bindPvRef = (env: BindEnv, ref: PvRef): BoundPv | undefined => bindPvParts(env, ref, ref.pos);

/** Bind a pseudo-variable written as text (`$var(x)`); undefined (error reported) when it is not exactly one. */
export const bindPvText = (env: BindEnv, text: string, pos: Pos): BoundPv | undefined => {
  const scan = scanPv(text, 0);
  if (!scan.ok || scan.end !== text.length) {
    bindError(env, "SM_CFG_PV", `"${text}" is not a pseudo-variable${scan.ok ? "" : `: ${scan.message}`}`, pos);
    return undefined;
  }
  return bindPvParts(env, scan.pv, pos);
};
