import type { Effect } from "effect";
import type { ErrorCode } from "../error-codes.ts";
import { sipmodError, type SipmodError } from "../errors.ts";
import type { FixupSite } from "../module/define-module.ts";
import type { RegisteredFunction, Registry } from "../module/registry.ts";
import type { RouteKind } from "../module/route-kind.ts";
import type { Pos } from "./ast.ts";
import type { BoundList, BoundRoute, NestingKind } from "./bound.ts";

/** Where a statement sits: the block (for continuation keys) and the route kind calls are checked against. */
export interface BindScope {
  /** Block key (`route[NAME]`). */
  readonly block: string;
  /** Kind the block counts as (route[] is request, as in Kamailio). */
  readonly kind: RouteKind;
  /** The keyword as written, for messages. */
  readonly label: string;
}

/** A route block found in the first pass, before its body is bound. */
export interface BlockInfo {
  readonly key: string;
  readonly keyword: string;
  readonly name?: string | undefined;
  readonly kind: RouteKind;
  readonly pos: Pos;
}

/** A route[NAME] target, filled once every block is bound (route() may call forward). */
export interface RouteCell {
  route: BoundRoute | undefined;
}

/** A function's load-time fixup, run after the whole program is bound. */
export interface PendingFixup {
  readonly run: Effect.Effect<unknown, SipmodError>;
  readonly apply: (fixed: unknown) => void;
  readonly pos: Pos;
  readonly module: string;
}

/** A call of a function that declares the event routes it works in (checked once every block is bound). */
export interface EventUse {
  readonly fn: string;
  readonly module: string;
  readonly events: readonly string[];
  readonly pos: Pos;
  /** Key of the block the call is written in. */
  readonly block: string;
}

export interface BindEnv {
  readonly registry: Registry;
  /** The core's built-in functions, used when the registry has no "core" module. */
  readonly builtins: ReadonlyMap<string, readonly RegisteredFunction[]>;
  readonly errors: SipmodError[];
  /** What is valid but suspicious (SM_CFG_EVENT_ROUTE): `sipmod check` and start-up log them. */
  readonly warnings: SipmodError[];
  /** Messages worth a debug log (unknown event_route groups). */
  readonly notes: string[];
  readonly blocks: ReadonlyMap<string, BlockInfo>;
  readonly routeCells: Map<string, RouteCell>;
  readonly lists: Map<string, BoundList>;
  readonly stmtKinds: Map<string, NestingKind>;
  readonly fixups: PendingFixup[];
  /** Static `route(NAME)` calls: key of the calling block, then the names it calls. */
  readonly routeCalls: Map<string, Set<string>>;
  /** Where `route()` is called with a name known only at run time. */
  readonly dynamicRouteCalls: Pos[];
  readonly eventUses: EventUse[];
}

/** A BindEnv with nothing bound yet. */
export const newBindEnv = (
  registry: Registry,
  builtins: ReadonlyMap<string, readonly RegisteredFunction[]>,
  blocks: ReadonlyMap<string, BlockInfo>,
): BindEnv => ({
  registry,
  builtins,
  errors: [],
  warnings: [],
  notes: [],
  blocks,
  routeCells: new Map<string, RouteCell>(),
  lists: new Map<string, BoundList>(),
  stmtKinds: new Map<string, NestingKind>(),
  fixups: [],
  routeCalls: new Map<string, Set<string>>(),
  dynamicRouteCalls: [],
  eventUses: [],
});

export const bindError = (
  env: BindEnv,
  code: ErrorCode,
  message: string,
  pos: Pos,
  extra: { readonly hint?: string; readonly module?: string } = {},
): void => {
  if (env.errors.length < 500) {
    env.errors.push(
      sipmodError(code, message, {
        pos: { file: pos.file, line: pos.line, column: pos.column },
        ...(extra.hint !== undefined ? { hint: extra.hint } : {}),
        ...(extra.module !== undefined ? { module: extra.module } : {}),
      }),
    );
  }
};

/** Every arity a function name is known with (registry first, then the core's built-ins). */
export const functionsNamed = (env: BindEnv, name: string): readonly RegisteredFunction[] =>
  env.registry.functions.get(name) ?? env.builtins.get(name) ?? [];

/** FixupSite.routeExists: `route`, `failure_route` ... with a name. */
export const routeExistsIn =
  (blocks: ReadonlyMap<string, BlockInfo>): FixupSite["routeExists"] =>
  (block, name) => {
    const kw = block === "request_route" ? "route" : block;
    return blocks.has(`${kw}[${name}]`);
  };
