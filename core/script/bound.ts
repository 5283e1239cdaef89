import type { Runtime } from "effect";
import type { SipmodError } from "../errors.ts";
import type { RouteKind } from "../module/route-kind.ts";
import type { Maybe } from "./maybe-async.ts";
import type { VarStore } from "./script-stores.ts";
import type { ScriptContext } from "./context.ts";

/**
 * The bound program: every route block compiled to closures at load time. Nothing is looked up
 * by name or re-parsed per message, except a `route($var(x))` whose target is only known then.
 */

/** Run-state flags of one top-level execution (Kamailio's run_flags). */
export const RUN_EXIT = 1;
export const RUN_RETURN = 2;
export const RUN_BREAK = 4;
export const RUN_DROP = 8;
/** Any of these ends the current action list. */
export const RUN_STOP = RUN_EXIT | RUN_RETURN | RUN_BREAK;

/** One compiled statement: runs and gives its return code (Kamailio's `ret` of an action). */
export type Exec = (ctx: ScriptContext) => Maybe<number>;

export type { ContinuationRef } from "../module/continuation.ts";

/** A list of statements with a stable key; switch clauses know the clauses that follow them. */
export interface BoundList {
  readonly key: string;
  readonly block: string;
  readonly path: readonly number[];
  readonly stmts: readonly Exec[];
  /** For a switch clause: the clause lists after this one (fallthrough continues there). */
  readonly following?: readonly BoundList[];
}

/** A route block ready to run. */
export interface BoundRoute {
  /** `request_route`, `route[NAME]`, `failure_route[NAME]`, `event_route[core:pre-routing]` ... */
  readonly key: string;
  readonly keyword: string;
  readonly name?: string | undefined;
  readonly kind: RouteKind;
  readonly body: BoundList;
  readonly file: string;
  readonly line: number;
}

export interface BoundProgram {
  /** Every block by key. */
  readonly blocks: ReadonlyMap<string, BoundRoute>;
  readonly request?: BoundRoute | undefined;
  readonly reply?: BoundRoute | undefined;
  /** `route[NAME]` blocks by NAME (what `route(NAME)` calls). */
  readonly routes: ReadonlyMap<string, BoundRoute>;
  /** `event_route[NAME]` blocks by NAME. */
  readonly events: ReadonlyMap<string, BoundRoute>;
  /** Every statement list by key (`<block>#<path>`), for continuations. */
  readonly lists: ReadonlyMap<string, BoundList>;
  /** The kind of every statement that holds statement lists, by its key (`<block>#<path>`), for whole-script continuations. */
  readonly stmtKinds: ReadonlyMap<string, NestingKind>;
  /** What binding found valid but suspicious (SM_CFG_EVENT_ROUTE), sorted by position; logged as warnings. */
  readonly warnings?: readonly SipmodError[];
}

/** A statement that holds statement lists. */
export type NestingKind = "if" | "while" | "switch" | "block";

/** What one execution ended with. */
export interface Outcome {
  /** The return code of the last action (`exit` gives 1, `drop` 0, `return(x)` x). */
  readonly code: number;
  /** `drop` ran. */
  readonly dropped: boolean;
  /** The script was stopped (`exit`, `drop`, `return(0)`, a function returning 0). */
  readonly exited: boolean;
}

/** Key of a block as the binder names it: `request_route`, `route[NAME]`, `event_route[core:pre-routing]`. */
export const blockKey = (keyword: string, name?: string): string => (name === undefined ? keyword : `${keyword}[${name}]`);

export const listKey = (block: string, path: readonly number[]): string => `${block}#${path.join(".")}`;

/** What the closures reach through the context: the engine's per-process parts. */
export interface ScriptHost {
  readonly runtime: Runtime.Runtime<unknown>;
  readonly vars: VarStore;
  readonly program: BoundProgram;
  /** Log from the interpreter itself (errors such as a runaway while). Level: Kamailio's numbers. */
  readonly log: (level: number, text: string) => void;
  /** True when host[:port] names this server (`uri == myself`). */
  readonly isMyself: (host: string, port: number | undefined) => boolean;
  /** Kamailio's max_while_loops (100). */
  readonly maxWhileLoops: number;
  /** Kamailio's max_recursive_level for nested route() calls (256). */
  readonly maxRouteDepth: number;
}
