import type { CfgFile, Expr, Pos, Stmt } from "./ast.ts";

/** One call whose success path does not end with `drop`. */
export interface MissingDrop {
  readonly fn: string;
  readonly pos: Pos;
  readonly block: string;
}

/**
 * Find calls of `fns` (functions whose success must be followed by `drop`, like sworker_task in
 * event_route[core:pre-routing]) where some path after a successful call reaches the end of the
 * block, `exit` or `return` without a `drop`. The analysis follows if/else and nested blocks;
 * switch and while bodies count as falling through (no drop).
 */
export const findMissingDrops = (cfg: CfgFile, fns: ReadonlySet<string>): MissingDrop[] => {
  const out: MissingDrop[] = [];
  if (fns.size === 0) return out;

  /** True when every path through list[i..] (then `k` when it falls off the end) runs `drop`. */
  const drops = (list: readonly Stmt[], i: number, k: () => boolean): boolean => {
    if (i >= list.length) return k();
    const s = list[i]!;
    const rest = () => drops(list, i + 1, k);
    switch (s.kind) {
      case "drop":
        return true;
      case "exit":
      case "return":
        return false;
      case "block":
        return drops(s.body, 0, rest);
      case "if":
        return drops([s.then], 0, rest) && (s.else !== undefined ? drops([s.else], 0, rest) : rest());
      default:
        return rest();
    }
  };

  /** The call of a watched function in a condition, and whether it is negated (`!f()`). */
  const condCall = (e: Expr): { readonly name: string; readonly pos: Pos; readonly negated: boolean } | undefined => {
    if (e.kind === "call" && fns.has(e.name)) return { name: e.name, pos: e.pos, negated: false };
    if (e.kind === "unary" && e.op === "!" && e.operand.kind === "call" && fns.has(e.operand.name))
      return { name: e.operand.name, pos: e.operand.pos, negated: true };
    return undefined;
  };

  const callsIn = (e: Expr, found: { name: string; pos: Pos }[]): void => {
    if (e.kind === "call") {
      if (fns.has(e.name)) found.push({ name: e.name, pos: e.pos });
      for (const a of e.args) callsIn(a, found);
      return;
    }
    for (const v of Object.values(e)) {
      if (v !== null && typeof v === "object" && "kind" in (v as object)) callsIn(v as Expr, found);
    }
  };

  const walk = (list: readonly Stmt[], k: () => boolean, block: string): void => {
    list.forEach((s, i) => {
      const rest = () => drops(list, i + 1, k);
      switch (s.kind) {
        case "call":
          if (fns.has(s.name) && !rest()) out.push({ fn: s.name, pos: s.pos, block });
          return;
        case "block":
          return walk(s.body, rest, block);
        case "if": {
          const c = condCall(s.cond);
          if (c !== undefined) {
            const success = c.negated ? s.else : s.then;
            const ok = success !== undefined ? drops([success], 0, rest) : rest();
            if (!ok) out.push({ fn: c.name, pos: c.pos, block });
          } else {
            const found: { name: string; pos: Pos }[] = [];
            callsIn(s.cond, found);
            for (const f of found) if (!rest()) out.push({ fn: f.name, pos: f.pos, block });
          }
          walk([s.then], rest, block);
          if (s.else !== undefined) walk([s.else], rest, block);
          return;
        }
        case "while":
          return walk([s.body], rest, block);
        case "switch":
          for (const c of s.clauses) walk(c.body, rest, block);
          return;
        default:
          return;
      }
    });
  };

  for (const b of cfg.blocks) {
    const name = b.name !== undefined ? `${b.keyword}[${b.name}]` : b.keyword;
    walk(b.body, () => false, name);
  }
  return out;
};
