import type { Effect, Layer, Schema, Scope } from "effect";
import type { SipmodError, SourcePos } from "../errors.ts";
import type { CallContext } from "./call-context.ts";
import type { CoreServices } from "./core-services.ts";
import type { ProcessInfo } from "./process-info.ts";
import type { RouteKind, RouteSet } from "./route-kind.ts";
import type { Json, ScriptValue, TaskData } from "./values.ts";

// ---------------------------------------------------------------------------------------------
// Module references: how one module names another and the services it gets from it.
// ---------------------------------------------------------------------------------------------

/**
 * A typed name of a module and the Effect services it publishes. A module that lists
 * `tmRef` in `requires` may use `TmApi` in its functions; one that does not gets a type error.
 */
export interface ModuleRef<Name extends string = string, Services = never> {
  readonly name: Name;
  readonly _services?: () => Services;
}

export const moduleRef = <Name extends string>(name: Name) =>
  <Services = never>(): ModuleRef<Name, Services> => ({ name });

/** A dependency: a bare module name (no services used) or a typed reference. */
export type Dependency = string | ModuleRef<string, unknown>;

export type ServicesOf<D> = D extends ModuleRef<string, infer S> ? S : never;
export type DepServices<Deps extends readonly Dependency[]> = ServicesOf<Deps[number]>;

export const dependencyName = (d: Dependency): string => (typeof d === "string" ? d : d.name);

// ---------------------------------------------------------------------------------------------
// Config functions
// ---------------------------------------------------------------------------------------------

/**
 * Kinds of config-function parameters:
 * - `string`: static string, fixed at load.
 * - `int`: static integer, fixed at load (a non-integer is a load error with file:line).
 * - `string-pv`: string that may contain pseudo-variables, evaluated on every call (Kamailio "spve").
 * - `int-pv`: static integer or a pseudo-variable holding an integer, evaluated on every call
 *   (Kamailio "igp"; a static non-integer is a load error, a variable without an int value makes
 *   the call return -1).
 */
export type ArgKind = "string" | "int" | "string-pv" | "int-pv";

export interface ArgSpec<K extends ArgKind = ArgKind> {
  readonly name: string;
  readonly kind: K;
  readonly doc?: string;
  /** `int-pv` only: the value passed when a pseudo-variable has no int value (default: the call returns -1). */
  readonly ifNotInt?: number;
  /**
   * `string-pv` only, Kamailio 5.6's rule for sl's reason: a value that starts with a pseudo-variable
   * is that variable alone (the rest is ignored), and `ifNull` when the variable has no value.
   */
  readonly leadingPv?: {
    readonly ifNull: string;
    /** A value that does not start with a pseudo-variable is plain text (Kamailio's "string or one variable", tm's t_reply). */
    readonly otherwiseLiteral?: boolean;
  };
  /**
   * `string-pv` only: a `$` that starts no pseudo-variable is kept as written instead of being a
   * load error (Kamailio's subst expressions, whose regular expression may end with `$`).
   */
  readonly keepLoneDollar?: boolean;
}

type ArgValue<K extends ArgKind> = K extends "string" | "string-pv" ? string : number;

/** The evaluated arguments a function receives, typed from its declared parameters. */
export type ArgValues<A extends readonly ArgSpec[]> = {
  readonly [I in keyof A]: A[I] extends ArgSpec<infer K> ? ArgValue<K> : never;
};

/** One parameter as written in the config, given to a fixup at load time. */
export type FixupArg =
  | { readonly kind: "static"; readonly value: string | number }
  | { readonly kind: "dynamic"; readonly text: string };

/** What a fixup can see at load time. */
export interface FixupSite {
  readonly args: readonly FixupArg[];
  readonly pos: SourcePos;
  /** True if the config has a block of that kind and name (`route`, `failure_route` ...). */
  readonly routeExists: (block: string, name: string) => boolean;
}

/**
 * A config function's return: Kamailio's code (positive true, negative false, 0 stops the
 * script), either at once or as an Effect when it can wait or fail.
 */
export type FunctionResult<R> = number | Effect.Effect<number, never, R>;

export interface ConfigFunction<R = never, A extends readonly ArgSpec[] = readonly ArgSpec[], F = unknown> {
  readonly name: string;
  readonly params: A;
  /**
   * Route blocks that may call it; checked when the config is bound, as Kamailio 5.6 checks its
   * export table's route flags at load (an error, "Command cannot be used in the block").
   */
  readonly routes: RouteSet;
  /**
   * Event routes the function does its work in (`core:pre-routing`; `tm:branch-failure` covers
   * `tm:branch-failure:NAME`), for functions that Kamailio accepts at load in every block of their
   * `routes` but that work only in those event routes at run time (sworker_task, t_reuse_branch).
   * A call anywhere else stays valid, as in Kamailio, and `sipmod check` warns about it
   * (SM_CFG_EVENT_ROUTE); a call in a route[] block counts as in the blocks that call that route.
   */
  readonly events?: readonly string[];
  readonly doc: string;
  /** Returns (and documents) these codes. */
  readonly returns?: string;
  /** A config snippet for the README's "Example: NAME usage" (without the surrounding `...` lines). */
  readonly example?: string;
  /**
   * When the function succeeds the script must end with `drop` (sworker_task in pre-routing: without
   * it the message is processed twice). `sipmod check` warns about success paths without a `drop`,
   * with this text as the reason.
   */
  readonly successNeedsDrop?: string;
  /** Runs once at load time per call site; its result is passed to `run` as `fixed`. */
  readonly fixup?: (site: FixupSite) => Effect.Effect<F, SipmodError>;
  readonly run: (ctx: CallContext, args: ArgValues<A>, fixed: F) => FunctionResult<R>;
}

/**
 * A config function with its argument and fixup types erased, as a module's list holds it
 * (each function in the list has its own). The binder calls `run` with the values it got
 * from the same function's params and fixup.
 */
export interface AnyConfigFunction<R = never> {
  readonly name: string;
  readonly params: readonly ArgSpec[];
  readonly routes: RouteSet;
  readonly events?: readonly string[];
  readonly doc: string;
  readonly returns?: string;
  readonly example?: string;
  readonly successNeedsDrop?: string;
  readonly fixup?: (site: FixupSite) => Effect.Effect<unknown, SipmodError>;
  readonly run: (ctx: CallContext, args: never, fixed: never) => FunctionResult<R>;
}

/** Declare one config function with its parameter types inferred (`fn({...})`). */
export const fn = <const A extends readonly ArgSpec[], R = never, F = undefined>(
  f: ConfigFunction<R, A, F>,
): ConfigFunction<R, A, F> => f;

// ---------------------------------------------------------------------------------------------
// Pseudo-variables, route blocks, groups, tasks, RPC
// ---------------------------------------------------------------------------------------------

/**
 * A pseudo-variable class: `$name` or `$name(inner)`. `parse` turns the inner text into N once
 * at load time (an error string becomes a load error); get/set run per message, synchronously.
 */
export interface PvSpec<N = unknown> {
  readonly name: string;
  /** "none": `$ru`; "required": `$hdr(Via)`; "optional": either. */
  readonly inner: "none" | "required" | "optional";
  readonly doc: string;
  readonly parse?: (inner: string | undefined) => N | { readonly error: string };
  readonly get: (ctx: CallContext, name: N) => ScriptValue;
  readonly set?: (ctx: CallContext, name: N, value: ScriptValue) => void;
}

export const pv = <N>(p: PvSpec<N>): PvSpec<N> => p;

/** A pseudo-variable class with its parsed-name type erased. */
export interface AnyPvSpec {
  readonly name: string;
  readonly inner: "none" | "required" | "optional";
  readonly doc: string;
  readonly parse?: (inner: string | undefined) => unknown;
  readonly get: (ctx: CallContext, name: never) => ScriptValue;
  readonly set?: (ctx: CallContext, name: never, value: ScriptValue) => void;
}

/** A route block keyword a module adds (tm adds failure_route, onreply_route, branch_route). */
export interface BlockSpec {
  readonly keyword: string;
  readonly kind: RouteKind;
  /** `failure_route[NAME]` needs a name; `reply_route` has none. */
  readonly named: boolean;
}

/** A process group a module asks for. */
export interface GroupSpec {
  readonly name: string;
  readonly size: number;
  /** Tasks queued per worker before push fails (default 1024). */
  readonly queue?: number;
}

/** Runs in a group worker when a task addressed to "<module>.<name>" arrives. */
export type TaskHandler<R> = (data: TaskData) => Effect.Effect<void, SipmodError, R>;

export interface RpcMethod<R = never> {
  /** Kamailio-style dotted name: `tm.stats`. */
  readonly name: string;
  readonly doc: string;
  readonly params?: readonly string[];
  readonly run: (params: readonly Json[]) => Effect.Effect<Json, SipmodError, R>;
}

// ---------------------------------------------------------------------------------------------
// The module declaration
// ---------------------------------------------------------------------------------------------

export interface ModuleDoc {
  /** One paragraph or more: what the module is for. */
  readonly overview: string;
  /** Per parameter: description and an example value, for the generated README. */
  readonly params?: { readonly [name: string]: { readonly doc: string; readonly example?: string } };
  /** Where sipmod differs from Kamailio 5.6 on purpose, and why. */
  readonly differences?: readonly string[];
}

/** Everything the declaration's functions, tasks, init and RPC may require. */
type Needs<Deps extends readonly Dependency[], Own> = CoreServices | DepServices<Deps> | NoInfer<Own>;

export interface ModuleDeclaration<
  Name extends string = string,
  Deps extends readonly Dependency[] = readonly Dependency[],
  P = unknown,
  Own = never,
  PI = unknown,
> {
  readonly name: Name;
  readonly version: string;
  /** Major version of the sipmod core this module was built for. */
  readonly core: number;
  readonly doc: ModuleDoc;
  /** Hard dependencies: the server refuses to start without them. */
  readonly requires?: Deps;
  /** Soft ordering: init after these if they are enabled. */
  readonly after?: readonly string[];
  /**
   * Module parameters: a Schema from plain values (JSON or modparam) to P, with defaults
   * (`Schema.Struct({ workers: Schema.optionalWith(Schema.Int, { default: () => 1 }) })`).
   * A param whose type is an array takes repeated modparam lines.
   */
  readonly params?: Schema.Schema<P, PI>;
  readonly functions?: readonly AnyConfigFunction<Needs<Deps, Own>>[];
  readonly pvs?: readonly AnyPvSpec[];
  readonly blocks?: readonly BlockSpec[];
  /** Event route names this module raises (`tm:branch-failure`). */
  readonly events?: readonly string[];
  readonly groups?: (params: P) => readonly GroupSpec[];
  readonly tasks?: { readonly [name: string]: TaskHandler<Needs<Deps, Own>> };
  readonly rpc?: readonly RpcMethod<Needs<Deps, Own> | CoreServices>[];
  /** Effect services this module publishes to the modules that require it. */
  readonly services?: (params: P) => Layer.Layer<Own, SipmodError, CoreServices | DepServices<Deps>>;
  /** Once, in the main thread, before any process starts. Finalizers run at shutdown. */
  readonly init?: (params: P) => Effect.Effect<void, SipmodError, Scope.Scope | Needs<Deps, Own>>;
  /** In every process (main and each group worker) after init, like Kamailio's child_init. */
  readonly childInit?: (
    params: P,
    proc: ProcessInfo,
  ) => Effect.Effect<void, SipmodError, Scope.Scope | Needs<Deps, Own>>;
}

export const MODULE_MARK: unique symbol = Symbol.for("sipmod.module");

/** What `defineModule` returns: the declaration, marked so the loader can recognise it. */
export type DeclaredModule<
  Name extends string = string,
  Deps extends readonly Dependency[] = readonly Dependency[],
  P = unknown,
  Own = never,
  PI = unknown,
> = ModuleDeclaration<Name, Deps, P, Own, PI> & { readonly [MODULE_MARK]: true };

/** A declaration with its types erased, as the loader handles it. */
// The loader only calls members with values it got from the same declaration, so the
// erased view is sound; `never` in contravariant positions accepts every concrete module.
export type AnyModule = DeclaredModule<string, readonly Dependency[], never, unknown, unknown>;

/**
 * Declare a module: the single source of truth for its functions, params, pvs, groups, RPC and
 * lifecycle. The README is generated from it (`sipmod docs`).
 */
export const defineModule = <
  const Name extends string,
  const Deps extends readonly Dependency[] = readonly [],
  P = {},
  Own = never,
  PI = unknown,
>(
  decl: ModuleDeclaration<Name, Deps, P, Own, PI>,
): DeclaredModule<Name, Deps, P, Own, PI> =>
  Object.assign(Object.create(null) as object, decl, { [MODULE_MARK]: true as const }) as DeclaredModule<
    Name,
    Deps,
    P,
    Own,
    PI
  >;

export const isModule = (x: unknown): x is AnyModule =>
  typeof x === "object" && x !== null && (x as { [MODULE_MARK]?: unknown })[MODULE_MARK] === true;

/** The erased view of a declared module. */
export const erase = <Name extends string, Deps extends readonly Dependency[], P, Own, PI>(
  m: DeclaredModule<Name, Deps, P, Own, PI>,
): AnyModule => m as unknown as AnyModule;
