import { Context, Effect, Either, LogLevel, Runtime, type Scope } from "effect";
import { sipmodError, SipmodErrors, type SipmodError } from "../errors.ts";
import type { CoreParams } from "../manifest/core-params.ts";
import { childInitModules, initModules } from "../manifest/lifecycle.ts";
import type { LoadedManifest } from "../manifest/loaded-manifest.ts";
import type { CoreServices } from "../module/core-services.ts";
import { MAIN_PROCESS } from "../module/process-info.ts";
import type { TaskData } from "../module/values.ts";
import { makeProcessGroups, type ProcessGroupsControlApi } from "../process/groups.ts";
import type { Engine } from "../script/engine.ts";
import type { ListenerInfo } from "../transport/listener-info.ts";
import { parseListens, type ListenSpec } from "../transport/listen-spec.ts";
import type { ReceiveInfo } from "../transport/receive-info.ts";
import { startTransport, type TransportApi } from "../transport/transport.ts";
import { startRpcServer } from "../rpc/server.ts";
import { bindConfig } from "./bind-config.ts";
import { coreServicesContext } from "./core-services-layer.ts";
import { processIds, RECEIVER_GROUP, serverGroupSpecs } from "./group-specs.ts";
import { makeProcessRouting } from "./process-routing.ts";
import { makeSpread } from "./spread.ts";
import { Switchboard } from "../process/switchboard.ts";
import { makeProcessCalls, ProcessRequestHandlers } from "../process/process-calls.ts";
import type { SipHandOff } from "../process/protocol.ts";
import { LateGroups } from "./late-groups.ts";
import { LateSender } from "./late-sender.ts";
import { MainSharedMemory } from "./shared-memory.ts";
import { loadServerConfig, type ServerConfig } from "./load-config.ts";
import { mainCalls } from "./main-calls.ts";
import { LateRoutes } from "./late-routes.ts";
import { ProcessMessageHooks } from "./message-hooks.ts";
import type { WorkerBootArgs } from "./worker-boot.ts";

export interface ServerOptions {
  /** plugins.json or a .cfg file. */
  readonly file: string;
  /** A cfg file that replaces the manifest's `config`. */
  readonly config?: string;
  /** `file` (and `config`) already loaded by the caller, so they are not read and checked twice. */
  readonly preloaded?: ServerConfig;
  /** Replace the configured listen addresses (tests use port 0). */
  readonly listen?: readonly string[];
  /** Replace the management server's address (tests use 127.0.0.1:0). */
  readonly rpcListen?: string;
  /** Replace the configured `children` (tests run the same cfg with 1 and 2 receivers). */
  readonly children?: number;
}

export interface RunningServer {
  readonly loaded: LoadedManifest;
  readonly core: CoreParams;
  readonly listeners: readonly ListenerInfo[];
  readonly transport: TransportApi;
  readonly groups: ProcessGroupsControlApi;
  readonly engine: Engine;
  /** The JSON-RPC endpoint, when the management server runs. */
  readonly rpcUrl: string | undefined;
  /** The core services of the main thread (for embedding and tests). */
  readonly services: Context.Context<CoreServices>;
}

const workerBootUrl = new URL(`./worker-boot${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);

/**
 * Boot a server in this (main) thread, as Kamailio starts: load and check the manifest and cfg,
 * bind the routing script, run the modules' init, bind the listening sockets, start the process
 * groups (each worker boots the same manifest and config and runs childInit), run childInit here,
 * then start processing messages. Everything stops in reverse order when the Scope closes.
 */
export const startServer = (opts: ServerOptions): Effect.Effect<RunningServer, SipmodErrors, Scope.Scope> =>
  Effect.gen(function* () {
    const startedAt = Date.now();
    const { loaded: loaded0, cfg, script } = opts.preloaded ?? (yield* loadServerConfig(opts.file, opts.config));
    const loaded: LoadedManifest = {
      ...loaded0,
      core: {
        ...loaded0.core,
        ...(opts.listen !== undefined ? { listen: [...opts.listen] } : {}),
        ...(opts.children !== undefined ? { children: opts.children } : {}),
      },
    };
    const core = loaded.core;
    const program = yield* bindConfig(loaded, cfg, script);
    const listens = yield* one(
      Either.match(Either.flatMap(parseListens(core.listen), (l) => withoutDisabled(l, core)), {
        onLeft: Effect.fail,
        onRight: Effect.succeed,
      }),
    );

    const groupSpecs = serverGroupSpecs(loaded);
    const ids = processIds(groupSpecs);
    // Other threads route SIP too (children receivers, sworker and async workers): ownership of
    // transactions is then checked on every message, and requests travel between threads.
    const multi = groupSpecs.length > 0;
    const switchboard = new Switchboard();
    const requestHandlers = new ProcessRequestHandlers();
    switchboard.handlers = requestHandlers;
    const calls = makeProcessCalls({
      self: 0,
      processes: ids.all,
      handlers: requestHandlers,
      send: (to, op, data, timeoutMs) => switchboard.requestFromMain(to, op, data, timeoutMs),
    });
    const lateGroups = new LateGroups(groupSpecs.map((g) => g.name), ids.byGroup);
    const sender = new LateSender();
    const shared = new MainSharedMemory();
    const routes = new LateRoutes(MAIN_PROCESS);
    const hooks = new ProcessMessageHooks();
    const services = coreServicesContext({
      proc: MAIN_PROCESS,
      baseDir: loaded.baseDir,
      core,
      groups: lateGroups,
      sender,
      shared,
      routes,
      hooks,
      calls,
    });

    // 1. modules' init (once, main thread), before any socket or worker exists.
    const moduleCtx = yield* one(initModules(loaded).pipe(Effect.provide(services)));

    // 2. sockets: bound now, messages handled once the engine is ready (until then dropped).
    let receive: (buf: Buffer, rcv: ReceiveInfo) => void = () => {};
    const rt = yield* Effect.runtime<never>();
    const transportLevels = { info: LogLevel.Info, warn: LogLevel.Warning, error: LogLevel.Error } as const;
    const transport = yield* one(
      startTransport(listens, (buf, rcv) => receive(buf, rcv), {
        params: {
          udp_recv_buffer: core.udp_recv_buffer,
          udp_send_buffer: core.udp_send_buffer,
          tcp_max_message: core.tcp_max_message,
          tcp_idle_timeout: core.tcp_idle_timeout,
          tcp_connect_timeout: core.tcp_connect_timeout,
        },
        log: (level, text) =>
          Runtime.runSync(rt)(Effect.logWithLevel(transportLevels[level], text).pipe(Effect.annotateLogs("module", "transport"))),
      }),
    );
    sender.attach({ reply: transport.reply, send: transport.send });
    yield* Effect.addFinalizer(() => Effect.sync(() => sender.attach(undefined)));

    // 3. process groups: each worker boots the same files and runs childInit.
    let groupsRef: ProcessGroupsControlApi | undefined;
    const bootArgs: WorkerBootArgs = {
      file: opts.file,
      config: opts.config ?? null,
      listen: [...core.listen],
      groups: groupSpecs.map((g) => g.name),
      listeners: transport.listeners.map((l) => ({ ...l })),
      shared: shared.views(),
      processes: ids.all,
      groupIds: ids.byGroup,
      multi,
    };
    const groups = yield* one(
      makeProcessGroups(groupSpecs, { url: workerBootUrl, args: bootArgs as unknown as TaskData }, {
        switchboard,
        onCall: mainCalls(
          () => transport,
          () => groupsRef,
          (text) => Effect.runSync(Effect.logWarning(text)),
        ),
      }),
    );
    groupsRef = groups;
    lateGroups.attach(groups);
    yield* Effect.addFinalizer(() => Effect.sync(() => lateGroups.attach(undefined)));

    // 4. childInit in the main thread, then the engine with every service the functions need.
    const mainCtx = yield* one(childInitModules(loaded, MAIN_PROCESS, moduleCtx).pipe(Effect.provide(services)));
    const routing = yield* makeProcessRouting({
      program,
      context: Context.merge(mainCtx, services) as Context.Context<unknown>,
      proc: MAIN_PROCESS,
      listeners: transport.listeners,
      routes,
      hooks,
      transport,
      requests: requestHandlers,
      ...(multi ? { handOver: (to: number, sip: SipHandOff) => switchboard.handOverTo(to, sip) } : {}),
    });
    const engine = routing.engine;
    const runtime = engine.runtime;
    switchboard.mainSip = (m) => routing.receive(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength), m.rcv, m.flags);
    yield* Effect.addFinalizer(() => Effect.sync(() => (switchboard.mainSip = undefined)));
    const receivers = groups.ids(RECEIVER_GROUP);
    receive =
      receivers.length > 0
        ? makeSpread({
            receivers,
            hooks,
            switchboard,
            counters: transport.counters,
            local: routing.receive,
            log: (level, text) => Runtime.runSync(runtime)(Effect.logWithLevel(LOG_LEVELS[level], text)),
          })
        : routing.receive;
    // 5. management: JSON-RPC and /metrics (127.0.0.1 unless configured otherwise).
    const rpc = core.rpc.enabled
      ? yield* one(
          startRpcServer({
            listen: opts.rpcListen ?? core.rpc.listen,
            methods: loaded.registry.rpc,
            runtime: runtime as Runtime.Runtime<unknown>,
            core: {
              startedAt,
              modules: () => loaded.modules.map((m) => ({ name: m.decl.name, version: m.decl.version })),
              groups: () => groups.stats(),
              listeners: () => transport.listeners,
            },
            metrics: { transport: () => transport.stats() },
          }),
        )
      : undefined;
    if (rpc !== undefined) yield* Effect.logInfo(`management: JSON-RPC on ${rpc.url}, metrics on ${rpc.metricsUrl}`);
    yield* Effect.logInfo(
      `sipmod ready: ${loaded.modules.map((m) => m.decl.name).join(", ")}; ` +
        `groups: ${groupSpecs.map((g) => `${g.name}x${g.size}`).join(", ") || "none"}`,
    );
    return { loaded, core, listeners: transport.listeners, transport, groups, engine, rpcUrl: rpc?.url, services };
  });

/** Apply `disable_tcp`: protocol-less addresses keep UDP only; an explicit tcp: address is an error. */
const withoutDisabled = (
  specs: readonly ListenSpec[],
  core: CoreParams,
): Either.Either<readonly ListenSpec[], SipmodError> => {
  if (!core.disable_tcp) return Either.right(specs);
  const explicit = core.listen.find((l) => l.trim().toLowerCase().startsWith("tcp:"));
  if (explicit !== undefined)
    return Either.left(
      sipmodError("SM_LISTEN", `listen=${explicit} asks for TCP but disable_tcp is set`, {
        hint: "Remove the tcp: listen address or the disable_tcp setting.",
      }),
    );
  return Either.right(specs.filter((s) => s.proto !== "tcp"));
};

/** One error as the list type start-up reports. */
const one = <A, R>(eff: Effect.Effect<A, SipmodError, R>): Effect.Effect<A, SipmodErrors, R> =>
  Effect.mapError(eff, (e) => new SipmodErrors({ errors: [e] }));

const LOG_LEVELS = { Debug: LogLevel.Debug, Info: LogLevel.Info, Warning: LogLevel.Warning, Error: LogLevel.Error } as const;
