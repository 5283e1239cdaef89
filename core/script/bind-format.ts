import type { Pos } from "./ast.ts";
import { bindError, type BindEnv } from "./bind-env.ts";
import { bindPvParts, type BoundPv } from "./bind-pv.ts";
import type { ScriptContext } from "./context.ts";
import { scanPv } from "./parse-pv.ts";
import { toText } from "./values.ts";

/**
 * A string with pseudo-variables (`"from $fu to $ru"`), compiled once into the literal pieces and
 * the bound variables. An undefined value prints as `<null>` (as Kamailio's xlog does); `$$` is a
 * literal `$`; a `$` that starts no pseudo-variable (`"$ 5"`, a trailing `$`) is a load error, as
 * Kamailio 5.6 refuses to start with it (unless `keepLoneDollar`: then both are kept as written).
 */
export type Format =
  | { readonly kind: "static"; readonly text: string }
  | { readonly kind: "dynamic"; readonly run: (ctx: ScriptContext) => string; readonly pvs: readonly BoundPv[] };

/** Does the string contain something that reads as a pseudo-variable? */
export const hasPv = (text: string): boolean => {
  for (let i = text.indexOf("$"); i >= 0; i = text.indexOf("$", i + 1)) if (scanPv(text, i).ok) return true;
  return false;
};

/** Compile a format; undefined when one of its pseudo-variables does not bind (errors reported). */
export const compileFormat = (env: BindEnv, text: string, pos: Pos, opts?: { readonly keepLoneDollar?: boolean }): Format | undefined => {
  const keep = opts?.keepLoneDollar === true;
  const lits: string[] = [];
  const pvs: BoundPv[] = [];
  let lit = "";
  let ok = true;
  let i = 0;
  while (i < text.length) {
    const d = text.indexOf("$", i);
    if (d < 0) {
      lit += text.slice(i);
      break;
    }
    lit += text.slice(i, d);
    if (!keep && text.charCodeAt(d + 1) === 36) {
      lit += "$";
      i = d + 2;
      continue;
    }
    const scan = scanPv(text, d);
    if (!scan.ok && keep) {
      lit += "$";
      i = d + 1;
      continue;
    }
    if (!scan.ok) {
      bindError(env, "SM_CFG_PV", `"${text}": the $ at offset ${d} starts no pseudo-variable (${scan.message})`, pos, {
        hint: "Write $$ for a literal $ (Kamailio 5.6 refuses to start with a lone $ in a text that may hold pseudo-variables).",
      });
      ok = false;
      i = d + 1;
      continue;
    }
    const pv = bindPvParts(env, scan.pv, pos);
    if (pv === undefined) ok = false;
    else {
      lits.push(lit);
      pvs.push(pv);
      lit = "";
    }
    i = scan.end;
  }
  if (!ok) return undefined;
  if (pvs.length === 0) return { kind: "static", text: lit };
  const tail = lit;
  if (pvs.length === 1) {
    const [l0] = lits as [string];
    const g0 = pvs[0]!.get;
    return { kind: "dynamic", pvs, run: (ctx) => l0 + toText(g0(ctx)) + tail };
  }
  const gets = pvs.map((p) => p.get);
  const n = gets.length;
  return {
    kind: "dynamic",
    pvs,
    run: (ctx) => {
      let s = "";
      for (let k = 0; k < n; k++) s += lits[k]! + toText(gets[k]!(ctx));
      return s + tail;
    },
  };
};
