import { LateRoutes } from "./late-routes.ts";
import { ProcessMessageHooks } from "./message-hooks.ts";
import { Context, Effect } from "effect";
import { sipmodError, type SipmodError, type SipmodErrors } from "../errors.ts";
import { childInitModules } from "../manifest/lifecycle.ts";
import type { TaskData } from "../module/values.ts";
import type { BootFunction, WorkerHandlers } from "../process/boot-module.ts";
import { Forwarding } from "../script/builtins/forwarding.ts";
import type { ListenerInfo } from "../transport/listener-info.ts";
import { bindConfig } from "./bind-config.ts";
import { coreServicesContext } from "./core-services-layer.ts";
import { forwardingFromListeners } from "./forwarding-from-listeners.ts";
import { loadServerConfig } from "./load-config.ts";
import { workerSharedMemory } from "./shared-memory.ts";
import { workerGroups, workerSender } from "./worker-services.ts";
import { makeProcessCalls, ProcessRequestHandlers } from "../process/process-calls.ts";
import type { SipHandOff } from "../process/protocol.ts";
import { TransportCounters } from "../transport/transport-counters.ts";
import { makeProcessRouting } from "./process-routing.ts";
import type { GroupIds } from "./group-specs.ts";

/** What the main thread gives every group worker (structured-clone data). */
export interface WorkerBootArgs {
  readonly file: string;
  readonly config: string | null;
  /** The listen addresses in force (the main thread's, after any override). */
  readonly listen: readonly string[];
  /** Names of every process group of the server. */
  readonly groups: readonly string[];
  /** The sockets the main thread bound (for our Via and `myself`). */
  readonly listeners: readonly ListenerInfo[];
  /** The shared memory segments the modules created in init. */
  readonly shared: Readonly<Record<string, Uint8Array>>;
  /** Every process id of the server (0 = main), in order. */
  readonly processes: readonly number[];
  /** The process ids of each group's workers. */
  readonly groupIds: GroupIds;
  /** True when more than one thread routes SIP (children > 1, or any group): ownership is checked. */
  readonly multi: boolean;
}

/** Several start-up errors as one worker boot failure. */
const asOne = (errs: SipmodErrors): SipmodError =>
  errs.errors.length === 1
    ? errs.errors[0]!
    : sipmodError("SM_INIT_FAILED", `the worker could not load the configuration:\n${errs.format()}`);

/**
 * The boot of a group worker thread, like a forked Kamailio child: it loads the same manifest and
 * config as the main thread, binds the same routing script, runs every module's childInit with
 * this process's identity, makes the same routing engine and receive path, and then runs what
 * the group receives: SIP messages (routed here), tasks ("<module>.<task>" goes to that module's
 * `tasks` handler, with the module services of this thread) and requests from other processes.
 */
export const boot: BootFunction = (argsData: TaskData, proc, host) =>
  Effect.gen(function* () {
    const args = argsData as unknown as WorkerBootArgs;
    const { loaded: loaded0, cfg, script } = yield* Effect.mapError(
      loadServerConfig(args.file, args.config ?? undefined),
      asOne,
    );
    const loaded = { ...loaded0, core: { ...loaded0.core, listen: [...args.listen] } };
    const program = yield* Effect.mapError(bindConfig(loaded, cfg, script), asOne);
    const hooks = new ProcessMessageHooks();
    const routes = new LateRoutes(proc);
    const requestHandlers = new ProcessRequestHandlers();
    const sender = workerSender(host);
    const services = coreServicesContext({
      proc,
      baseDir: loaded.baseDir,
      core: loaded.core,
      groups: workerGroups(host, args.groups, args.groupIds),
      sender,
      shared: workerSharedMemory(args.shared),
      routes,
      hooks,
      calls: makeProcessCalls({ self: proc.id, processes: args.processes, handlers: requestHandlers, send: host.request }),
    });
    const moduleCtx = yield* childInitModules(loaded, proc).pipe(Effect.provide(services));
    const forwarding = forwardingFromListeners(args.listeners);
    const ctx = Context.add(Context.merge(moduleCtx, services), Forwarding, forwarding);
    // The same routing engine and receive path as the main thread: SIP messages handed to this
    // worker (children receivers, hand-overs to a transaction's owner, sworker) are routed here,
    // and modules run route blocks (failure routes, resumed routes) through RouteRunner.
    const counters = new TransportCounters();
    const { receive } = yield* makeProcessRouting({
      program,
      context: Context.merge(moduleCtx, services) as Context.Context<unknown>,
      proc,
      listeners: args.listeners,
      routes,
      hooks,
      transport: { reply: sender.reply, counters },
      requests: requestHandlers,
      ...(args.multi
        ? {
            handOver: (to: number, sip: SipHandOff) => {
              host.handOver(to, sip);
              return true;
            },
          }
        : {}),
    });

    const handlers = new Map<string, (data: TaskData) => Effect.Effect<void, SipmodError, unknown>>();
    for (const m of loaded.modules) {
      for (const [name, handler] of Object.entries(m.decl.tasks ?? {})) handlers.set(`${m.decl.name}.${name}`, handler);
    }
    const result: WorkerHandlers = {
      sip: (m) => receive(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength), m.rcv, m.flags),
      request: (op, data, from) => requestHandlers.run(op, data, from),
      handle: (task, data) => {
        const h = handlers.get(task);
        if (h === undefined)
          return Effect.fail(sipmodError("SM_GROUP_UNKNOWN", `no handler for task "${task}" in this worker`));
        return Effect.provide(h(data), ctx as Context.Context<unknown>) as Effect.Effect<void, SipmodError>;
      },
    };
    return result;
  });
