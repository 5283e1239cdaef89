import { Context, type Effect } from "effect";
import type { SipmodError } from "../errors.ts";
import type { SipMessage } from "../sip/message.ts";
import type { Proto, ReceiveInfo } from "../transport/receive-info.ts";
import type { CallContext } from "./call-context.ts";
import type { ProcessInfo } from "./process-info.ts";
import type { RouteKind } from "./route-kind.ts";
import type { TaskData } from "./values.ts";
import type { ContinuationData, ContinuationHandler, ContinueAt } from "./continuation.ts";

/**
 * Services the core gives every module, as Effect tags. core/module only declares them;
 * the layers that implement them live in the layers above (process, transport, script)
 * and are provided by the server when it boots (in the main thread and in every worker).
 */

/** Which process this is and the core parameters it runs with. */
export interface CoreInfoApi {
  readonly proc: ProcessInfo;
  /** Folder of the manifest or cfg file; relative paths resolve from here. */
  readonly baseDir: string;
  /** The core parameters (listen, children, groups ...) as loaded. */
  readonly params: { readonly [key: string]: unknown };
}
export class CoreInfo extends Context.Tag("sipmod/CoreInfo")<CoreInfo, CoreInfoApi>() {}

/** Hand a task to a process group. A full queue or unknown group fails at once. */
export interface ProcessGroupsApi {
  /** Names of the groups this server runs. */
  readonly names: () => readonly string[];
  readonly has: (group: string) => boolean;
  /** The process ids (ProcessCalls) of a group's workers, by rank; empty for an unknown group. */
  readonly ids: (group: string) => readonly number[];
  /**
   * Queue `data` for the handler `task` ("module.taskname") in group `group`.
   * `key` picks the worker (same key, same worker); without a key the least loaded one.
   */
  readonly push: (
    group: string,
    task: string,
    data: TaskData,
    key?: string,
  ) => Effect.Effect<void, SipmodError>;
}
export class ProcessGroups extends Context.Tag("sipmod/ProcessGroups")<ProcessGroups, ProcessGroupsApi>() {}

/** Where to send a message: protocol, address, and an existing stream connection if any. */
export interface SendTarget {
  readonly proto: Proto;
  readonly ip: string;
  readonly port: number;
  /** Reuse this TCP connection when it is still open. */
  readonly connId?: number;
}

/**
 * Send SIP messages through the server's listeners. Fire-and-forget on the hot path: a false
 * return means the message could not be handed to a socket (logged and counted by transport).
 */
export interface SipSenderApi {
  /** Send a reply to `req` where RFC 3261 §18.2.2 / RFC 3581 say (same connection, received/rport, Via). */
  readonly reply: (req: SipMessage, rcv: ReceiveInfo, bytes: Uint8Array) => boolean;
  readonly send: (to: SendTarget, bytes: Uint8Array) => boolean;
}
export class SipSender extends Context.Tag("sipmod/SipSender")<SipSender, SipSenderApi>() {}

/**
 * Memory shared by every process (thread) of the server, like Kamailio's shm: a module creates a
 * segment in its `init` (main thread, before any worker starts); every group worker gets the same
 * SharedArrayBuffer under the same key in its `childInit`. Use Atomics to coordinate.
 */
export interface SharedMemoryApi {
  /**
   * The segment named `key` (by convention "<module>.<name>") of `bytes` bytes. In the main thread
   * it is created on first use. In a worker it is the main thread's segment; asking for one main
   * never created, or with another size, fails with SM_INIT_FAILED (create it in `init`).
   */
  readonly segment: (key: string, bytes: number) => Effect.Effect<SharedArrayBuffer, SipmodError>;
}
export class SharedMemory extends Context.Tag("sipmod/SharedMemory")<SharedMemory, SharedMemoryApi>() {}

/** How a top-level run of a route block ended (Kamailio's run flags). */
export interface RouteOutcome {
  /** The return code of the block ($rc at its end). */
  readonly code: number;
  /** `drop` ran. */
  readonly dropped: boolean;
  /** `exit` ran (or a function returned 0). */
  readonly exited: boolean;
}

export interface RouteRunOptions {
  /** The kind of block the run counts as (a resumed route is "failure", as in Kamailio). */
  readonly route: RouteKind;
  /** Set the context up before the block starts (a module's slots, AVPs, flags). */
  readonly prepare?: (ctx: CallContext) => void;
  /** Look at the context once the block has ended (flags to copy back ...). */
  readonly finish?: (ctx: CallContext, outcome: RouteOutcome) => void;
}

/**
 * Run the config's route blocks from a module (tm runs failure_route[X] and onreply_route[X],
 * t_continue a route[X]). Block names are keys as the config writes them: "route[X]",
 * "failure_route[X]", "onreply_route[X]", "branch_route[X]", "request_route".
 * In a process that runs no script, `has` is false and `run` runs nothing (code -1).
 */
export interface RouteRunnerApi {
  readonly has: (block: string) => boolean;
  /** Run `block` for `msg` as a new top-level execution (script flags and $rc cleared). */
  readonly run: (
    block: string,
    msg: SipMessage,
    rcv: ReceiveInfo,
    opts: RouteRunOptions,
  ) => RouteOutcome | Promise<RouteOutcome>;
  /** A fresh context for `msg` (no block runs): for a module that acts for a request outside a route. */
  readonly context: (msg: SipMessage, rcv: ReceiveInfo, route: RouteKind) => CallContext;
  /**
   * A module's part of every continuation captured in this thread and of every one resumed here
   * (register it in every thread, in the module's services or childInit).
   */
  readonly onContinuation: (module: string, handler: ContinuationHandler) => void;
  /**
   * The routing state of `ctx` as plain data: the message with its edits, flags, `$du`, AVPs,
   * XAVPs, each module's state, where to go on and the route kind the run counts as.
   */
  readonly capture: (ctx: CallContext, at: ContinueAt, route?: RouteKind) => ContinuationData;
  /**
   * Go on routing captured state in this thread, with this thread's `$var` values: the block, or
   * the statements after the call. Another thread is asked with ProcessCalls' CORE_RESUME.
   */
  readonly resume: (data: ContinuationData) => RouteOutcome | Promise<RouteOutcome>;
}
export class RouteRunner extends Context.Tag("sipmod/RouteRunner")<RouteRunner, RouteRunnerApi>() {}

/** A module's look at a received reply before the core forwards it: true = it is taken care of. */
export type ReplyHandler = (msg: SipMessage, rcv: ReceiveInfo) => boolean;
/** A module's look at a received request before request_route: true = it is taken care of (absorbed). */
export type RequestHandler = (msg: SipMessage, rcv: ReceiveInfo) => boolean;
/**
 * Which process must handle a received message, when a module knows (tm: the owner of the
 * transaction a reply or a CANCEL/ACK/retransmission belongs to); undefined when it does not care.
 */
export type DispatchHandler = (msg: SipMessage, rcv: ReceiveInfo) => number | undefined;
/** Called when the top-level request route of a received request has ended. */
export type RequestDoneHandler = (ctx: CallContext, outcome: RouteOutcome) => void;

/**
 * Hooks of this process's receive path, registered in a module's `childInit` (as Kamailio's
 * modules export a response function and script callbacks):
 * - `onRequest`: every received request after `event_route[core:pre-routing]` and before
 *   `request_route`; a handler that returns true ends its processing (tm absorbs the
 *   retransmissions of a suspended request here);
 * - `onReply`: every received reply, after the core `reply_route` (unless it dropped the reply)
 *   and before the core forwards it statelessly; the first handler that returns true takes it;
 * - `onRequestDone`: after `request_route` has finished for a received request (also when it
 *   finished later, after waiting);
 * - `onDispatch`: before anything else, in a server with more than one routing thread: the first
 *   handler that names another process makes the core hand the message to that process, which
 *   then runs the whole receive path for it (the main thread asks the same when it spreads
 *   messages over `children` receivers).
 */
export interface MessageHooksApi {
  readonly onDispatch: (handler: DispatchHandler) => void;
  readonly onRequest: (handler: RequestHandler) => void;
  readonly onReply: (handler: ReplyHandler) => void;
  readonly onRequestDone: (handler: RequestDoneHandler) => void;
}
export class MessageHooks extends Context.Tag("sipmod/MessageHooks")<MessageHooks, MessageHooksApi>() {}

/** Handles a request from another process: returns the answer (plain data) or fails with a SipmodError. */
export type ProcessRequestHandler = (
  data: TaskData,
  from: number,
) => TaskData | Promise<TaskData> | Effect.Effect<TaskData, SipmodError>;

/**
 * Requests between the processes (threads) of one server, by process id (ProcessInfo.id; 0 is the
 * main thread): each request carries a correlation id and gets its handler's answer or a typed
 * error (the handler's SipmodError, SM_THREAD_TIMEOUT, SM_THREAD_GONE, SM_THREAD_UNKNOWN_OP).
 * A module registers its handlers in every process (`childInit`), named "<module>.<op>", and a
 * request to this process's own id runs the handler directly.
 */
export interface ProcessCallsApi {
  /** This process's id. */
  readonly self: number;
  /** Every process id of the server (main first), and those that route received SIP messages. */
  readonly processes: () => readonly number[];
  readonly request: (to: number, op: string, data: TaskData, timeoutMs?: number) => Effect.Effect<TaskData, SipmodError>;
  readonly handle: (op: string, handler: ProcessRequestHandler) => void;
}
export class ProcessCalls extends Context.Tag("sipmod/ProcessCalls")<ProcessCalls, ProcessCallsApi>() {}

/** The services every module may use without declaring a dependency. */
export type CoreServices = CoreInfo | ProcessGroups | SipSender | SharedMemory | RouteRunner | MessageHooks | ProcessCalls;
