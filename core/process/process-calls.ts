import { Effect } from "effect";
import { SipmodError } from "../errors.ts";
import type { ProcessCallsApi, ProcessRequestHandler } from "../module/core-services.ts";
import type { TaskData } from "../module/values.ts";
import { causeToWireError, isErrorCode, toWireError, type WireError } from "./protocol.ts";

/** Default time a request between threads may take before it fails with SM_THREAD_TIMEOUT. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

/** The request handlers registered in this process, by operation name. */
export class ProcessRequestHandlers {
  private readonly handlers = new Map<string, ProcessRequestHandler>();

  set(op: string, handler: ProcessRequestHandler): void {
    this.handlers.set(op, handler);
  }

  /** Run the handler of `op`; the Promise rejects with a WireError. */
  run(op: string, data: TaskData, from: number): Promise<TaskData> {
    const h = this.handlers.get(op);
    if (h === undefined) {
      return Promise.reject<TaskData>({ code: "SM_THREAD_UNKNOWN_OP", message: `no handler for request "${op}" in this process` } satisfies WireError);
    }
    try {
      const r = h(data, from);
      if (Effect.isEffect(r)) {
        return Effect.runPromiseExit(r).then((exit) =>
          exit._tag === "Success" ? exit.value : Promise.reject<TaskData>(causeToWireError(exit.cause)),
        );
      }
      return r instanceof Promise ? r.catch((e: unknown) => Promise.reject<TaskData>(toWireError(e))) : Promise.resolve(r);
    } catch (e) {
      return Promise.reject<TaskData>(toWireError(e));
    }
  }
}

/** A WireError back as the SipmodError it was (or SM_THREAD_GONE for a foreign failure). */
export const wireToSipmodError = (e: unknown): SipmodError => {
  if (e instanceof SipmodError) return e;
  const w = (typeof e === "object" && e !== null ? e : { message: String(e) }) as WireError;
  return new SipmodError({
    code: isErrorCode(w.code) ? w.code : "SM_THREAD_GONE",
    message: w.message,
    ...(w.hint !== undefined ? { hint: w.hint } : {}),
    ...(w.module !== undefined ? { module: w.module } : {}),
    ...(w.detail !== undefined ? { cause: w.detail } : {}),
  });
};

/**
 * ProcessCalls for one process: a request to itself runs its own handler, any other goes out
 * through `send` (the worker's host, or the main thread's switchboard).
 */
export const makeProcessCalls = (opts: {
  readonly self: number;
  readonly processes: readonly number[];
  readonly handlers: ProcessRequestHandlers;
  readonly send: (to: number, op: string, data: TaskData, timeoutMs: number) => Promise<TaskData>;
}): ProcessCallsApi => {
  const { self, handlers } = opts;
  return {
    self,
    processes: () => opts.processes,
    handle: (op, handler) => handlers.set(op, handler),
    request: (to, op, data, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS) =>
      Effect.tryPromise({
        try: () => (to === self ? handlers.run(op, data, self) : opts.send(to, op, data, timeoutMs)),
        catch: wireToSipmodError,
      }),
  };
};
