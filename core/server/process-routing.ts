import { Context, Effect, LogLevel, Runtime, type Scope } from "effect";
import type { ProcessInfo } from "../module/process-info.ts";
import type { SipHandOff } from "../process/protocol.ts";
import type { ProcessRequestHandlers } from "../process/process-calls.ts";
import { CORE_RESUME, type ContinuationData } from "../module/continuation.ts";
import { Forwarding } from "../script/builtins/forwarding.ts";
import { makeEngine, type BoundProgram, type Engine } from "../script/engine.ts";
import type { ListenerInfo } from "../transport/listener-info.ts";
import type { TransportApi } from "../transport/transport.ts";
import { forwardingFromListeners } from "./forwarding-from-listeners.ts";
import type { LateRoutes } from "./late-routes.ts";
import type { ProcessMessageHooks } from "./message-hooks.ts";
import { makeReceiver, type Receiver } from "./receive.ts";

export interface ProcessRoutingDeps {
  readonly program: BoundProgram;
  /** The core services and the modules' services of this process. */
  readonly context: Context.Context<unknown>;
  readonly proc: ProcessInfo;
  readonly listeners: readonly ListenerInfo[];
  readonly routes: LateRoutes;
  readonly hooks: ProcessMessageHooks;
  readonly transport: Pick<TransportApi, "reply" | "counters">;
  /** Present when other threads route too: hand a message to the process that owns it. */
  readonly handOver?: (to: number, sip: SipHandOff) => boolean;
  /** This thread's request handlers: CORE_RESUME (resume a continuation here) is added. */
  readonly requests: ProcessRequestHandlers;
}

export interface ProcessRouting {
  readonly engine: Engine;
  readonly receive: Receiver;
}

const LEVELS = { Debug: LogLevel.Debug, Info: LogLevel.Info, Warning: LogLevel.Warning, Error: LogLevel.Error } as const;

/**
 * The routing engine and the receive path of one process (the main thread or any worker): the
 * same code in every thread, as every Kamailio child runs the same receive_msg. The engine's
 * Runtime holds this process's services, so the config functions' Effects use this thread's tm,
 * sender and groups; modules reach the engine through RouteRunner once it is attached.
 */
export const makeProcessRouting = (deps: ProcessRoutingDeps): Effect.Effect<ProcessRouting, never, Scope.Scope> =>
  Effect.gen(function* () {
    const forwarding = forwardingFromListeners(deps.listeners);
    const runtime = yield* Effect.runtime<unknown>().pipe(Effect.provide(Context.add(deps.context, Forwarding, forwarding)));
    const runLog = Runtime.runSync(runtime);
    const engine = makeEngine(deps.program, runtime as Runtime.Runtime<never>, {
      isMyself: (host, port) => forwarding.isLocal(host, port, "udp") || forwarding.isLocal(host, port, "tcp"),
    });
    deps.routes.attach(engine);
    yield* Effect.addFinalizer(() => Effect.sync(() => deps.routes.attach(undefined)));
    const receive = makeReceiver({
      engine,
      hooks: deps.hooks,
      transport: deps.transport,
      proc: deps.proc,
      log: (level, text) => runLog(Effect.logWithLevel(LEVELS[level], text)),
      ...(deps.handOver !== undefined ? { handOver: deps.handOver } : {}),
    });
    deps.requests.set(CORE_RESUME, (data) => {
      const o = deps.routes.resume(data as unknown as ContinuationData);
      return o instanceof Promise ? o.then((r) => ({ ...r })) : { ...o };
    });
    return { engine, receive };
  });
