import { Effect, Runtime } from "effect";
import type { SipMessage } from "../sip/message.ts";
import type { ReceiveInfo } from "../transport/receive-info.ts";
import { listKey, RUN_BREAK, RUN_DROP, RUN_EXIT, RUN_RETURN, type BoundProgram, type ContinuationRef, type Outcome, type ScriptHost } from "./bound.ts";
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
}

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
      const list = program.lists.get(listKey(ref.block, ref.path.slice(0, -1)));
      const at = ref.path[ref.path.length - 1];
      ctx.beginTopRun(ctx.route);
      if (list === undefined || at === undefined || at < 0 || at >= list.stmts.length) {
        host.log(KAMAILIO_LEVELS.L_ERR, `continuation ${ref.block}#${ref.path.join(".")} does not exist in this config`);
        return outcome(ctx, -1);
      }
      const following = list.following;
      const what = `continuation in ${ref.block}`;
      const more = (v: number): Maybe<number> => {
        if (following === undefined || following.length === 0) return v;
        if ((ctx.runFlags & RUN_BREAK) !== 0) {
          ctx.runFlags &= ~RUN_BREAK;
          return v;
        }
        if ((ctx.runFlags & (RUN_RETURN | RUN_EXIT)) !== 0) return v;
        return runClauses(following, 0, ctx, v);
      };
      let res: Maybe<number>;
      try {
        const r = runStmts(list.stmts, at + 1, ctx, 1);
        res = r instanceof Pending ? r.then(more) : more(r);
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
