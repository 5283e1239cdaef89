import { Cause, Option } from "effect";
import { SipmodError } from "../errors.ts";
import { errorCodes, type ErrorCode } from "../error-codes.ts";
import type { TaskData } from "../module/values.ts";
import type { ReceiveInfo } from "../transport/receive-info.ts";

/**
 * The messages between the main thread and a group worker thread. Plain structured-clone data.
 * A task is acknowledged (`done`) when its handler has finished, successfully or not; the main
 * thread counts a task against the worker's queue from `task` to `done`.
 */

/** What the worker thread gets as `workerData`. */
export interface WorkerInit {
  /** URL (file:) of the boot module; its `boot` export is called once in the thread. */
  readonly bootUrl: string;
  readonly bootArgs: TaskData;
  readonly group: string;
  /** 0-based index of the worker in its group. */
  readonly rank: number;
  /** Server-wide process id (ProcessInfo.id). */
  readonly id: number;
  /** Minimum log level in the main thread (Effect `LogLevel` label), so the thread does not forward what main drops. */
  readonly logLevel: string;
  /** Tasks (and SIP messages) the thread runs at once; the rest wait in arrival order. */
  readonly concurrency: number;
  /**
   * Progress the thread records for the main thread to read after a crash (progress.ts): the id
   * of the task it started last, and a ring of the ids it finished.
   */
  readonly progress: SharedArrayBuffer;
}

/** An error flattened for the trip between threads. */
export interface WireError {
  /** A sipmod error code if the error was a SipmodError. */
  readonly code?: string;
  readonly message: string;
  /** Stack trace or pretty-printed Effect cause. */
  readonly detail?: string;
  readonly hint?: string;
  readonly module?: string;
}

/** A SIP message handed to a process that routes it: the bytes as received and where they came from. */
export interface SipHandOff {
  readonly bytes: Uint8Array;
  readonly rcv: ReceiveInfo;
  /**
   * 1 (INTERNAL): skip `event_route[core:pre-routing]` (the message was delegated from it, as
   * Kamailio's sworker does); 2 (OWNED): the sender already looked up the message's owner, do not
   * hand it on again.
   */
  readonly flags: number;
}
export const SIP_INTERNAL = 1;
export const SIP_OWNED = 2;

/** The answer to a request between processes: a value, or a typed error. */
export type Answer =
  | { readonly t: "res"; readonly id: number; readonly ok: true; readonly data: TaskData }
  | { readonly t: "res"; readonly id: number; readonly ok: false; readonly error: WireError };

export type ToWorker =
  /**
   * `careful`: the task is run again after a crash: the thread sends what it produced and the
   * acknowledgement right after it, instead of with the next batch.
   */
  | { readonly t: "task"; readonly id: number; readonly task: string; readonly data: TaskData; readonly careful?: true }
  /** A SIP message to route; counted against the queue and acknowledged like a task. */
  | { readonly t: "sip"; readonly id: number; readonly sip: SipHandOff; readonly careful?: true }
  /** A request from process `from` (correlation id `id`, chosen by the main thread). */
  | { readonly t: "req"; readonly id: number; readonly from: number; readonly op: string; readonly data: TaskData }
  /** The answer to a request this worker made. */
  | Answer
  | { readonly t: "shutdown" }
  /** Several of the above, sent in one postMessage (one per turn of the event loop). */
  | { readonly t: "batch"; readonly msgs: readonly ToWorker[] };

export type FromWorker =
  | { readonly t: "ready"; readonly threadId: number }
  | { readonly t: "boot-failed"; readonly error: WireError }
  /** Tasks acknowledged (batched); `failed` lists the ones whose handler failed. */
  | { readonly t: "done"; readonly ids: readonly number[]; readonly failed?: readonly { readonly id: number; readonly error: WireError }[] }
  | {
      readonly t: "log";
      readonly level: string;
      readonly message: readonly string[];
      readonly annotations: { readonly [key: string]: string };
    }
  | { readonly t: "stopped"; readonly error?: WireError }
  /** A request from the worker to the main thread (send a SIP message, push a task ...), no answer. */
  | { readonly t: "call"; readonly name: string; readonly data: TaskData }
  /** A request to process `to` (0 = main); the answer comes back as `res` with the same id. */
  | { readonly t: "req"; readonly id: number; readonly to: number; readonly op: string; readonly data: TaskData }
  /** The answer to a request the main thread passed to this worker. */
  | Answer
  /** Hand a received SIP message to process `to`, which routes it. */
  | { readonly t: "sip"; readonly to: number; readonly sip: SipHandOff }
  /** Several of the above, sent in one postMessage (one per turn of the event loop). */
  | { readonly t: "batch"; readonly msgs: readonly FromWorker[] };

export const isErrorCode = (code: string | undefined): code is ErrorCode =>
  code !== undefined && Object.prototype.hasOwnProperty.call(errorCodes, code);

/** Flatten anything thrown or failed into a WireError. */
export const toWireError = (e: unknown): WireError => {
  if (e instanceof SipmodError) {
    const detail = e.cause instanceof Error ? e.cause.stack : e.cause !== undefined ? String(e.cause) : undefined;
    return {
      code: e.code,
      message: e.message,
      ...(detail !== undefined ? { detail } : {}),
      ...(e.hint !== undefined ? { hint: e.hint } : {}),
      ...(e.module !== undefined ? { module: e.module } : {}),
    };
  }
  if (e instanceof Error) return { message: e.message, ...(e.stack !== undefined ? { detail: e.stack } : {}) };
  return { message: String(e) };
};

/** Flatten an Effect failure: a typed failure keeps its code, a defect keeps its stack. */
export const causeToWireError = (cause: Cause.Cause<unknown>): WireError => {
  const failure = Cause.failureOption(cause);
  if (Option.isSome(failure)) return toWireError(failure.value);
  const defect = Cause.dieOption(cause);
  if (Option.isSome(defect)) return toWireError(defect.value);
  return { message: Cause.isInterruptedOnly(cause) ? "interrupted" : "failed", detail: Cause.pretty(cause) };
};

/** One line for a log: `SM_CODE: message` or the message alone. */
export const wireErrorText = (e: WireError): string => (e.code !== undefined ? `${e.code}: ${e.message}` : e.message);
