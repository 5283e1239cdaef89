import { Cause, Context, Effect, Layer, Scope } from "effect";
import { sipmodError, SipmodError } from "../errors.ts";
import type { CoreServices } from "../module/core-services.ts";
import { processLabel, type ProcessInfo } from "../module/process-info.ts";
import type { LoadedManifest, LoadedModule } from "./loaded-manifest.ts";

/**
 * The services the modules' functions, tasks and RPC methods run with: the core services the
 * caller provided plus every module's published services. Provide it to their Effects.
 */
export type ModuleContext = Context.Context<unknown>;

/** The caller's services without its Scope (each step runs in the Scope current when it runs). */
const coreContext: Effect.Effect<ModuleContext, never, CoreServices> = Effect.map(
  Effect.context<CoreServices>(),
  (c) => Context.omit(Scope.Scope)(c as Context.Context<unknown>) as ModuleContext,
);

/** Keep a module's own SipmodError (naming the module if it did not); a defect becomes SM_INIT_FAILED. */
const attribute = <A>(
  m: LoadedModule,
  what: string,
  eff: Effect.Effect<A, SipmodError>,
): Effect.Effect<A, SipmodError> =>
  eff.pipe(
    Effect.catchAllCause((cause) => {
      const failure = Cause.failureOption(cause);
      if (failure._tag === "Some") {
        const e = failure.value;
        if (e.module !== undefined) return Effect.fail(e);
        // (message lives on the Error, not as an own enumerable field: copy the fields by name)
        return Effect.fail(
          new SipmodError({ code: e.code, message: e.message, pos: e.pos ?? m.origin, module: m.decl.name, hint: e.hint, cause: e.cause }),
        );
      }
      if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>);
      return Effect.fail(
        sipmodError("SM_INIT_FAILED", `module "${m.decl.name}" failed in ${what}`, {
          module: m.decl.name,
          pos: m.origin,
          cause: Cause.squash(cause),
        }),
      );
    }),
  );

/** Build one module's `services` layer in `ctx` and add what it publishes. */
const addServices = (m: LoadedModule, ctx: ModuleContext): Effect.Effect<ModuleContext, SipmodError, Scope.Scope> => {
  const services = m.decl.services;
  if (services === undefined) return Effect.succeed(ctx);
  return attribute(
    m,
    "building its services",
    Effect.suspend(() => {
      const layer = services(m.params as never) as Layer.Layer<unknown, SipmodError, unknown>;
      return Layer.build(layer).pipe(Effect.provide(ctx)) as Effect.Effect<Context.Context<unknown>, SipmodError>;
    }),
  ).pipe(Effect.map((built) => Context.merge(ctx, built)));
};

/**
 * Start the modules in the main thread, in init order: for each, build its services (seeing the
 * services of the modules before it), then run its `init`. Everything is acquired in the current
 * Scope, so closing it runs the finalizers in reverse order. Returns the context for running the
 * modules' functions. CoreServices come from the caller.
 */
export const initModules = (
  loaded: LoadedManifest,
): Effect.Effect<ModuleContext, SipmodError, Scope.Scope | CoreServices> =>
  Effect.gen(function* () {
    let ctx = yield* coreContext;
    for (const m of loaded.modules) {
      ctx = yield* addServices(m, ctx);
      const init = m.decl.init;
      if (init === undefined) continue;
      yield* attribute(
        m,
        "init",
        Effect.suspend(() => init(m.params as never)).pipe(Effect.provide(ctx)) as Effect.Effect<void, SipmodError>,
      );
    }
    return ctx;
  });

/**
 * Run every module's `childInit` for process `proc`, in init order, like Kamailio's child_init.
 * In the main thread pass the context `initModules` returned; in a group worker leave it out and
 * the modules' services are built here first (a worker has its own instances). Finalizers run
 * in reverse order when the current Scope closes.
 */
export const childInitModules = (
  loaded: LoadedManifest,
  proc: ProcessInfo,
  services?: ModuleContext,
): Effect.Effect<ModuleContext, SipmodError, Scope.Scope | CoreServices> =>
  Effect.gen(function* () {
    let ctx = services ?? (yield* coreContext);
    for (const m of loaded.modules) {
      if (services === undefined) ctx = yield* addServices(m, ctx);
      const childInit = m.decl.childInit;
      if (childInit === undefined) continue;
      yield* attribute(
        m,
        `child init (${processLabel(proc)})`,
        Effect.suspend(() => childInit(m.params as never, proc)).pipe(Effect.provide(ctx)) as Effect.Effect<
          void,
          SipmodError
        >,
      );
    }
    return ctx;
  });
