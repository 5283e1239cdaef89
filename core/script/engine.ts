import { Effect, Runtime } from "effect";
import type { SipMessage } from "../sip/message.ts";
import type { ReceiveInfo } from "../transport/receive-info.ts";
import { listKey, RUN_BREAK, RUN_DROP, RUN_EXIT, RUN_RETURN, type BoundProgram, type ContinuationRef, type NestingKind, type Outcome, type ScriptHost } from "./bound.ts";
import { ScriptContext, type ContextOptions } from "./context.ts";
import { runClauses, runStmts } from "./exec-list.ts";
import { KAMAILIO_LEVELS, logAtLevel } from "./log-level.ts";
import { Pending, type Maybe } from "./maybe-async.ts";
import { VarStore } from "./script-stores.ts";

/** The public entry of the routing engine: bind a parsed config, make an engine, run blocks. */
export { bindProgram, type BindOptions } from "./bind-program.ts";
export { blockKey, type BoundProgram, type BoundRoute, type ContinuationRef, type Outcome } from "./bound.ts";
export { ScriptContext, scriptContextOf, type ContextOptions } from "./context.ts";

/**
 * The routing engine of one process (thread): a bound program, the Runtime whose services the
 * config functions' Effects need, and the process's $var store. Runs a block for a message with
 * Kamailio's semantics and reports how it ended. Execution is synchronous while every function
 * answers at once; when one has to wait the result is a Promise.
 */
export interface EngineOptions {
  /** host[:port] names this server (`uri == myself`); default: nothing does. */
  readonly isMyself?: (host: string, port: number | undefined) => boolean;
  /** Kamailio's max_while_loops (default 100; 0 = no limit). */
  readonly maxWhileLoops?: number;
  /** Maximum nesting of route() calls (default 256, Kamailio's max_recursive_level). */
  readonly maxRouteDepth?: number;
}

export interface RunOptions {
  /** Keep `ctx.route` instead of the block's own kind (a route[X] resumed by t_continue runs as "failure"). */
  readonly keepRoute?: boolean;
}

export interface Engine {
  readonly program: BoundProgram;
  readonly runtime: Runtime.Runtime<unknown>;
  /** $var values of this process. */
  readonly vars: VarStore;
  /** A context for one message; `opts.route` is replaced by the kind of the block that runs. */
  newContext(msg: SipMessage, rcv: ReceiveInfo, opts?: ContextOptions): ScriptContext;
  /** True when the program has the block (`request_route`, `reply_route`, `route[X]`, `event_route[core:pre-routing]` ...). */
  has(block: string): boolean;
  /**
   * Run a block from the start as a top-level execution (flags, $rc and script flags cleared).
   * A block the program does not have runs nothing and gives `{ code: 1 }`.
   */
  run(block: string, ctx: ScriptContext, opts?: RunOptions): Outcome | Promise<Outcome>;
  /** `run` as an Effect. */
  runEffect(block: string, ctx: ScriptContext): Effect.Effect<Outcome>;
  /**
   * Run the statements after a continuation point (from ScriptContext.continuation()) as a new
   * top-level execution with `ctx` (its `route` kind is kept: a resumed route is usually
   * "failure"). Inside a switch, the following cases run too until a break.
   */
  runContinuation(ref: ContinuationRef, ctx: ScriptContext): Outcome | Promise<Outcome>;
  /**
   * Run the whole remaining script after a continuation point (ScriptContext.continuationStack()):
   * the rest of its list, then each enclosing statement's list after that statement (a `while`
   * is evaluated again; a `break` ends the innermost while or switch), then, for each route(X)
   * statement in `callers` (innermost first), the same from that statement on. `return` ends the
   * route it is in (its caller goes on), `exit` and `drop` end everything.
   */
  runContinuationStack(after: ContinuationRef, callers: readonly ContinuationRef[], ctx: ScriptContext): Outcome | Promise<Outcome>;
}

/** One step of a whole-script continuation (Engine.runContinuationStack). */
type Frame =
  /** The statements after `path` in its list (from `from` = its index + 1). */
  | { readonly kind: "rest"; readonly block: string; readonly path: readonly number[] }
  /** The list holding the statement at `path`, after it (or from it again for a while). */
  | { readonly kind: "enclosing"; readonly block: string; readonly path: readonly number[]; readonly nest: NestingKind }
  /** The end of a route(X) call: return and break stop here, the caller's frames follow. */
  | { readonly kind: "return" };

const outcome = (ctx: ScriptContext, code: number): Outcome => ({
  code,
  dropped: (ctx.runFlags & RUN_DROP) !== 0,
  exited: (ctx.runFlags & RUN_EXIT) !== 0,
});

/**
 * `runtime`: any Runtime (Runtime<never> is what every Runtime is assignable to). It must provide
 * what the loaded modules' functions use: the core services and the services modules publish;
 * that is only known once the manifest is loaded, so it is not checked by types here.
 */
export const makeEngine = (program: BoundProgram, anyRuntime: Runtime.Runtime<never>, options: EngineOptions = {}): Engine => {
  const runtime = anyRuntime as Runtime.Runtime<unknown>;
  const runLog = Runtime.runSync(runtime);
  const host: ScriptHost = {
    runtime,
    vars: new VarStore(),
    program,
    log: (level, text) => {
      try {
        runLog(logAtLevel(level, text));
      } catch {
        // A logger that fails must not stop the script.
      }
    },
    isMyself: options.isMyself ?? (() => false),
    maxWhileLoops: options.maxWhileLoops ?? 100,
    maxRouteDepth: options.maxRouteDepth ?? 256,
  };

  const bug = (ctx: ScriptContext, what: string, e: unknown): Outcome => {
    host.log(KAMAILIO_LEVELS.L_CRIT, `${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return outcome(ctx, -1);
  };
  const settle = (ctx: ScriptContext, what: string, r: Maybe<number>): Outcome | Promise<Outcome> =>
    r instanceof Pending
      ? r.promise.then(
          (v) => outcome(ctx, v),
          (e: unknown) => bug(ctx, what, e),
        )
      : outcome(ctx, r);

  /** The statement at `path` of `block` exists (the same config binds the same paths in every thread). */
  const exists = (block: string, path: readonly number[]): boolean => {
    const list = program.lists.get(listKey(block, path.slice(0, -1)));
    const at = path[path.length - 1];
    return list !== undefined && at !== undefined && at >= 0 && at < list.stmts.length;
  };
  const missing = (ctx: ScriptContext, block: string, path: readonly number[]): Outcome => {
    host.log(KAMAILIO_LEVELS.L_ERR, `continuation ${block}#${path.join(".")} does not exist in this config`);
    return outcome(ctx, -1);
  };
  /** Run the list holding the statement at `path` from index `from`; in a switch clause, the following clauses too until a break. */
  const runRest = (ctx: ScriptContext, block: string, path: readonly number[], from: number, v: number): Maybe<number> => {
    const list = program.lists.get(listKey(block, path.slice(0, -1)))!;
    const following = list.following;
    const more = (x: number): Maybe<number> => {
      if (following === undefined || following.length === 0) return x;
      if ((ctx.runFlags & RUN_BREAK) !== 0) {
        ctx.runFlags &= ~RUN_BREAK;
        return x;
      }
      if ((ctx.runFlags & (RUN_RETURN | RUN_EXIT)) !== 0) return x;
      return runClauses(following, 0, ctx, x);
    };
    const r = runStmts(list.stmts, from, ctx, v);
    return r instanceof Pending ? r.then(more) : more(r);
  };
  /** The rest of the list after `path`, then each enclosing statement's list, innermost first. */
  const framesOf = (block: string, path: readonly number[]): Frame[] => {
    const out: Frame[] = [{ kind: "rest", block, path }];
    for (let k = path.length - 3; k >= 0; k -= 2) {
      const sp = path.slice(0, k + 1);
      out.push({ kind: "enclosing", block, path: sp, nest: program.stmtKinds.get(listKey(block, sp)) ?? "block" });
    }
    return out;
  };

  const engine: Engine = {
    program,
    runtime,
    vars: host.vars,
    newContext: (msg, rcv, opts) => new ScriptContext(host, msg, rcv, opts),
    has: (block) => program.blocks.has(block),
    run: (block, ctx, opts) => {
      const r = program.blocks.get(block);
      if (r === undefined) return { code: 1, dropped: false, exited: false };
      ctx.beginTopRun(opts?.keepRoute === true ? ctx.route : r.kind);
      let res: Maybe<number>;
      try {
        res = runStmts(r.body.stmts, 0, ctx, 1);
      } catch (e) {
        return bug(ctx, r.key, e);
      }
      return settle(ctx, r.key, res);
    },
    runEffect: (block, ctx) =>
      Effect.suspend(() => {
        const o = engine.run(block, ctx);
        return o instanceof Promise ? Effect.promise(() => o) : Effect.succeed(o);
      }),
    runContinuation: (ref, ctx) => {
      ctx.beginTopRun(ctx.route);
      const at = ref.path[ref.path.length - 1];
      if (!exists(ref.block, ref.path)) return missing(ctx, ref.block, ref.path);
      const what = `continuation in ${ref.block}`;
      let res: Maybe<number>;
      try {
        res = runRest(ctx, ref.block, ref.path, at! + 1, 1);
      } catch (e) {
        return bug(ctx, what, e);
      }
      return settle(ctx, what, res);
    },
    runContinuationStack: (after, callers, ctx) => {
      ctx.beginTopRun(ctx.route);
      // The routes still "called" while their frames wait: a further suspension sees them (continuationStack).
      ctx.callers = [...callers].reverse();
      ctx.depth = callers.length;
      const frames: Frame[] = framesOf(after.block, after.path);
      for (const c of callers) frames.push({ kind: "return" }, ...framesOf(c.block, c.path));
      for (const f of frames) if (f.kind !== "return" && !exists(f.block, f.path)) return missing(ctx, f.block, f.path);
      const what = `continuation in ${after.block}`;
      const step = (i: number, v: number): Maybe<number> => {
        for (; i < frames.length; i++) {
          if ((ctx.runFlags & (RUN_EXIT | RUN_DROP)) !== 0) return v;
          const f = frames[i]!;
          if (f.kind === "return") {
            ctx.callers?.pop();
            ctx.depth--;
            ctx.runFlags &= ~(RUN_RETURN | RUN_BREAK);
            ctx.rc = v;
            continue;
          }
          if ((ctx.runFlags & RUN_RETURN) !== 0) continue;
          const at = f.path[f.path.length - 1]!;
          let from = at + 1;
          if (f.kind === "enclosing") {
            if ((ctx.runFlags & RUN_BREAK) !== 0) {
              if (f.nest !== "while" && f.nest !== "switch") continue;
              ctx.runFlags &= ~RUN_BREAK;
            } else if (f.nest === "while") from = at;
          }
          const r = runRest(ctx, f.block, f.path, from, v);
          if (r instanceof Pending) {
            const next = i + 1;
            return r.then((x) => step(next, x));
          }
          v = r;
        }
        return v;
      };
      let res: Maybe<number>;
      try {
        res = step(0, 1);
      } catch (e) {
        return bug(ctx, what, e);
      }
      return settle(ctx, what, res);
    },
  };
  return engine;
};

/** Run `block` of the engine's program for `ctx` (see Engine.run). */
export const runRoute = (engine: Engine, block: string, ctx: ScriptContext): Outcome | Promise<Outcome> => engine.run(block, ctx);
