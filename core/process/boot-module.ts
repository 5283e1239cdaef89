import type { Effect, Scope } from "effect";
import type { SipmodError } from "../errors.ts";
import type { ProcessInfo } from "../module/process-info.ts";
import type { TaskData } from "../module/values.ts";
import type { SipHandOff } from "./protocol.ts";

/**
 * What a group worker does with its tasks, returned by the boot module's `boot`.
 *
 * Tasks run one at a time per worker, in the order they were pushed (like a forked Kamailio
 * child: N workers = N tasks at once). `handle` may return a Promise or an Effect; a rejection, a
 * failure or a throw is logged in the main thread with group, rank and task name and the worker
 * carries on. `shutdown` runs once when the group stops, after the queue is drained and before the
 * boot Scope is closed.
 */
export interface WorkerHandlers {
  handle(task: string, data: TaskData): Promise<void> | Effect.Effect<void, SipmodError>;
  /** A SIP message handed to this process to route (children=N receivers, hand-overs to the owner). */
  sip?(sip: SipHandOff): void | Promise<void>;
  /** A request from another process (`from`: its ProcessInfo.id); the answer, or a failure, goes back. */
  request?(op: string, data: TaskData, from: number): TaskData | Promise<TaskData> | Effect.Effect<TaskData, SipmodError>;
  shutdown?(): Promise<void>;
}

/**
 * The `boot` export of a boot module. It runs once in each worker thread, like Kamailio's
 * child_init in a forked child, and returns the handlers as an **Effect** (not a Promise) so that
 * it can use a Scope: resources it acquires with `Effect.acquireRelease` are released when the
 * worker stops. Its log lines go to the main thread's logger, annotated with group and rank.
 * A failure (or a defect) is a boot failure reported with the group and rank.
 */
export type BootFunction = (
  args: TaskData,
  proc: ProcessInfo,
  host: WorkerHost,
) => Effect.Effect<WorkerHandlers, SipmodError, Scope.Scope>;

/**
 * What a worker can ask of the main thread, which owns the sockets and the other groups.
 * `call` is fire-and-forget: the main thread runs the handler registered for `name`
 * (ProcessGroupsOptions.onCall); a failure there is logged in the main thread.
 * `request` asks process `to` (0 = main) to run its request handler for `op`: it resolves with the
 * answer and rejects with a WireError (the handler's failure, SM_THREAD_TIMEOUT after `timeoutMs`,
 * SM_THREAD_GONE when the process is not there or died first).
 * `handOver` gives a received SIP message to process `to`, which routes it.
 */
export interface WorkerHost {
  readonly call: (name: string, data: TaskData) => void;
  readonly request: (to: number, op: string, data: TaskData, timeoutMs: number) => Promise<TaskData>;
  readonly handOver: (to: number, sip: SipHandOff) => void;
}

/** The shape of a boot module: `export const boot: BootFunction = ...`. */
export interface BootModule {
  readonly boot: BootFunction;
}
