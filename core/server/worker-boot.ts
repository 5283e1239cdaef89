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
}

/** Several start-up errors as one worker boot failure. */
const asOne = (errs: SipmodErrors): SipmodError =>
  errs.errors.length === 1
    ? errs.errors[0]!
    : sipmodError("SM_INIT_FAILED", `the worker could not load the configuration:\n${errs.format()}`);

/**
 * The boot of a group worker thread, like a forked Kamailio child: it loads the same manifest and
 * config as the main thread, binds the same routing script, runs every module's childInit with
 * this process's identity, and then runs the tasks the group receives: "<module>.<task>" goes to
 * that module's `tasks` handler, with the module services of this thread.
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
    const services = coreServicesContext({
      proc,
      baseDir: loaded.baseDir,
      core: loaded.core,
      groups: workerGroups(host, args.groups),
      sender: workerSender(host),
      shared: workerSharedMemory(args.shared),
      // No routes run in a group worker yet: the tasks that will run them (sworker, async) attach
      // an engine here; until then RouteRunner runs nothing.
      routes: new LateRoutes(proc),
      hooks: new ProcessMessageHooks(),
    });
    const moduleCtx = yield* childInitModules(loaded, proc).pipe(Effect.provide(services));
    const forwarding = forwardingFromListeners(args.listeners);
    const ctx = Context.add(Context.merge(moduleCtx, services), Forwarding, forwarding);
    // The routing script is bound here too, as in every Kamailio child: a config error stops the
    // worker's boot, and the tasks that run routes (sworker, async) use this program.
    void program;

    const handlers = new Map<string, (data: TaskData) => Effect.Effect<void, SipmodError, unknown>>();
    for (const m of loaded.modules) {
      for (const [name, handler] of Object.entries(m.decl.tasks ?? {})) handlers.set(`${m.decl.name}.${name}`, handler);
    }
    const result: WorkerHandlers = {
      handle: (task, data) => {
        const h = handlers.get(task);
        if (h === undefined)
          return Effect.fail(sipmodError("SM_GROUP_UNKNOWN", `no handler for task "${task}" in this worker`));
        return Effect.provide(h(data), ctx as Context.Context<unknown>) as Effect.Effect<void, SipmodError>;
      },
    };
    return result;
  });
