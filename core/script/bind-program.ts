import { Effect } from "effect";
import { sipmodError, SipmodErrors, type SipmodError } from "../errors.ts";
import { erase, type AnyConfigFunction, type AnyModule } from "../module/define-module.ts";
import type { RegisteredFunction, Registry } from "../module/registry.ts";
import type { RouteKind } from "../module/route-kind.ts";
import type { CfgFile, RouteBlock } from "./ast.ts";
import { bindError, newBindEnv, type BindEnv, type BlockInfo } from "./bind-env.ts";
import { checkEventUses } from "./bind-events.ts";
import { bindList } from "./bind-stmt.ts";
import { blockKey, type BoundProgram, type BoundRoute } from "./bound.ts";
import { coreModule } from "./builtins/core-module.ts";

/**
 * Bind a parsed config against the module registry, once at load time: classify every route
 * block (core keywords, keywords modules add, free-form event_route names), compile every body to
 * closures (calls resolved by name and parameter count, route types checked, parameters fixed,
 * pseudo-variables resolved, static route() targets checked), then run the functions' fixups.
 * Every error is collected; the result is the bound program or all the errors.
 */

const CORE_BLOCKS: Readonly<Record<string, { readonly kind: RouteKind; readonly named: boolean | "optional" }>> = {
  request_route: { kind: "request", named: false },
  route: { kind: "request", named: "optional" },
  reply_route: { kind: "core_onreply", named: false },
  onsend_route: { kind: "onsend", named: false },
  event_route: { kind: "event", named: true },
};

const TM_HINT =
  'failure_route[], onreply_route[NAME] and branch_route[] are added by the tm module: add "tm" to "modules" in plugins.json or loadmodule "tm.so" to the cfg.';

/** The functions of the built-in "core" module, unless the registry already has it. */
const builtinFunctions = (registry: Registry, core: AnyModule): ReadonlyMap<string, readonly RegisteredFunction[]> => {
  const m = new Map<string, RegisteredFunction[]>();
  if (registry.modules.some((x) => x.name === "core")) return m;
  for (const f of core.functions ?? []) {
    const list = m.get(f.name) ?? [];
    list.push({ module: "core", fn: f as AnyConfigFunction<unknown> });
    m.set(f.name, list);
  }
  return m;
};

const eventGroups = (registry: Registry): ReadonlySet<string> => {
  const g = new Set<string>();
  for (const e of registry.events) {
    const i = e.indexOf(":");
    if (i > 0) g.add(e.slice(0, i));
  }
  return g;
};

/** Classify one block; undefined (error reported) when its keyword is unknown or misused. */
const classify = (env: BindEnv, b: RouteBlock, groups: ReadonlySet<string>): BlockInfo | undefined => {
  const pos = b.pos;
  switch (b.type) {
    case "request":
      return { key: "request_route", keyword: "request_route", kind: "request", pos };
    case "route":
      return { key: blockKey("route", b.name), keyword: "route", name: b.name, kind: "request", pos };
    case "reply":
      return { key: "reply_route", keyword: "reply_route", kind: "core_onreply", pos };
    case "onsend":
      return { key: "onsend_route", keyword: "onsend_route", kind: "onsend", pos };
    case "event": {
      const name = b.name ?? "";
      if (name === "") {
        bindError(env, "SM_CFG_SYNTAX", "event_route needs a name: event_route[group:name]", pos);
        return undefined;
      }
      if (!env.registry.events.has(name)) {
        const group = name.includes(":") ? name.slice(0, name.indexOf(":")) : name;
        if (!groups.has(group))
          env.notes.push(`${pos.file}:${pos.line}: event_route[${name}]: no loaded module raises events of group "${group}"`);
      }
      const kind: RouteKind = name.startsWith("tm:branch-failure") ? "branch_failure" : "event";
      return { key: blockKey("event_route", name), keyword: "event_route", name, kind, pos };
    }
    default: {
      const spec = env.registry.blocks.get(b.keyword);
      if (spec === undefined) {
        const core = CORE_BLOCKS[b.keyword];
        if (core !== undefined) {
          bindError(env, "SM_CFG_SYNTAX", `${b.keyword} ${core.named === false ? "takes no name" : "needs a name"}`, pos);
          return undefined;
        }
        const tmBlock = b.keyword === "failure_route" || b.keyword === "onreply_route" || b.keyword === "branch_route";
        bindError(env, "SM_CFG_SYNTAX", `unknown route block ${b.keyword}${b.name !== undefined ? `[${b.name}]` : ""}`, pos, {
          hint: tmBlock ? TM_HINT : "Route blocks are request_route, route[NAME], reply_route, onsend_route, event_route[NAME] and the ones modules add.",
          ...(tmBlock ? { module: "tm" } : {}),
        });
        return undefined;
      }
      if (spec.named && b.name === undefined) {
        bindError(env, "SM_CFG_SYNTAX", `${b.keyword} needs a name: ${b.keyword}[NAME]`, pos, { module: spec.module });
        return undefined;
      }
      if (!spec.named && b.name !== undefined) {
        bindError(env, "SM_CFG_SYNTAX", `${b.keyword} takes no name`, pos, { module: spec.module });
        return undefined;
      }
      return { key: blockKey(b.keyword, b.name), keyword: b.keyword, name: b.name, kind: spec.kind, pos };
    }
  }
};

export interface BindOptions {
  /** The core's built-in functions (default: core/script/builtins). */
  readonly core?: AnyModule;
}

/** Bind synchronously; fixups are returned to be run (they are Effects). */
const bindBlocks = (cfg: CfgFile, registry: Registry, core: AnyModule) => {
  const blocks = new Map<string, BlockInfo>();
  const env = newBindEnv(registry, builtinFunctions(registry, core), blocks);
  const groups = eventGroups(registry);
  const infos: { info: BlockInfo; block: RouteBlock }[] = [];
  for (const b of cfg.blocks) {
    const info = classify(env, b, groups);
    if (info === undefined) continue;
    if (blocks.has(info.key)) {
      bindError(env, "SM_CFG_DUPLICATE_ROUTE", `${info.key} is defined twice`, b.pos, { hint: "Rename or merge one of the two blocks." });
      continue;
    }
    blocks.set(info.key, info);
    infos.push({ info, block: b });
  }
  const bound = new Map<string, BoundRoute>();
  for (const { info, block } of infos) {
    const scope = { block: info.key, kind: info.kind, label: info.key };
    const body = bindList(env, scope, block.body, [], false);
    bound.set(info.key, {
      key: info.key,
      keyword: info.keyword,
      name: info.name,
      kind: info.kind,
      body,
      file: info.pos.file,
      line: info.pos.line,
    });
  }
  const routes = new Map<string, BoundRoute>();
  const events = new Map<string, BoundRoute>();
  for (const r of bound.values()) {
    if (r.keyword === "route" && r.name !== undefined) routes.set(r.name, r);
    if (r.keyword === "event_route" && r.name !== undefined) events.set(r.name, r);
  }
  for (const [name, cell] of env.routeCells) cell.route = routes.get(name);
  checkEventUses(env);
  const program: BoundProgram = {
    blocks: bound,
    request: bound.get("request_route"),
    reply: bound.get("reply_route"),
    routes,
    events,
    lists: env.lists,
    stmtKinds: env.stmtKinds,
    warnings: sortByPos(env.warnings),
  };
  return { program, env };
};

/** Bind `cfg` against `registry`. Fails with every error found (SipmodErrors). */
export const bindProgram = (cfg: CfgFile, registry: Registry, options: BindOptions = {}): Effect.Effect<BoundProgram, SipmodErrors> =>
  Effect.gen(function* () {
    const { program, env } = bindBlocks(cfg, registry, options.core ?? erase(coreModule));
    for (const n of env.notes) yield* Effect.logDebug(n);
    if (env.errors.length > 0) return yield* Effect.fail(new SipmodErrors({ errors: sortByPos(env.errors) }));
    const fixupErrors: SipmodError[] = [];
    for (const f of env.fixups) {
      const r = yield* Effect.either(f.run);
      if (r._tag === "Right") f.apply(r.right);
      else fixupErrors.push(r.left.pos === undefined ? withPos(r.left, f.pos, f.module) : r.left);
    }
    if (fixupErrors.length > 0) return yield* Effect.fail(new SipmodErrors({ errors: sortByPos(fixupErrors) }));
    for (const w of program.warnings ?? []) yield* Effect.logWarning(w.format("warning"));
    return program;
  });

const withPos = (e: SipmodError, pos: { file: string; line: number; column: number }, module: string): SipmodError =>
  sipmodError(e.code, e.message, {
    pos,
    module: e.module ?? module,
    ...(e.hint !== undefined ? { hint: e.hint } : {}),
    ...(e.cause !== undefined ? { cause: e.cause } : {}),
  });

const sortByPos = (errors: readonly SipmodError[]): SipmodError[] =>
  errors
    .map((e, i) => ({ e, i }))
    .sort(
      (a, b) =>
        (a.e.pos?.file ?? "").localeCompare(b.e.pos?.file ?? "") ||
        (a.e.pos?.line ?? 0) - (b.e.pos?.line ?? 0) ||
        (a.e.pos?.column ?? 0) - (b.e.pos?.column ?? 0) ||
        a.i - b.i,
    )
    .map((x) => x.e);
