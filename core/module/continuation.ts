import type { ReceiveInfo } from "../transport/receive-info.ts";
import type { RouteKind } from "./route-kind.ts";
import type { TaskData } from "./values.ts";

/**
 * Where a continuation resumes: the block (`route[NAME]`, `request_route` ...) and the path to a
 * statement inside it (statement index, then for a nested list the index of the list inside that
 * statement, then the statement index in that list ...). The continuation runs the statements
 * AFTER that one in the same list (and, inside a switch, the cases that follow). Plain data: the
 * same config bound in another thread resolves it to the same place.
 */
export interface ContinuationRef {
  readonly block: string;
  readonly path: readonly number[];
  /** The statement is the last of its action chain: nothing follows it in its own block. */
  readonly last?: true;
}

/** Where a captured request's routing goes on: a whole block, or the statements after a call. */
export type ContinueAt =
  | { readonly block: string }
  | {
      readonly after: ContinuationRef;
      /**
       * Resume the whole remaining script, not only the rest of the block: when `after`'s list ends,
       * the enclosing statements' lists go on (a `while` is evaluated again), then, for each
       * `route(X)` statement the call sits in (innermost first), the caller's statements after it.
       */
      readonly callers?: readonly ContinuationRef[];
    };

/**
 * A request's routing state as plain data (structured-clone safe), so that any thread can go on
 * routing it: the message with its edits applied (the R-URI as changed), where it came from, the
 * message flags, `$du`, AVPs and XAVPs, the kind of route the run counts as, where to continue,
 * and each module's own state (tm: the transaction's identity). `$var` values are not part of it:
 * the thread that resumes has its own, as a Kamailio process does.
 */
export interface ContinuationData {
  readonly bytes: Uint8Array;
  readonly rcv: ReceiveInfo;
  readonly flags: number;
  readonly du: string | null;
  readonly avps: TaskData;
  readonly xavps: TaskData;
  readonly route: RouteKind;
  readonly at: ContinueAt;
  /** Each module's state, by module name (RouteRunner.onContinuation). */
  readonly modules: { readonly [module: string]: TaskData };
}

/** A module's part of a continuation: what it keeps of a context, and how it puts it back. */
export interface ContinuationHandler {
  /** The state to carry (undefined: nothing). */
  readonly capture: (ctx: import("./call-context.ts").CallContext) => TaskData | undefined;
  /** Put the state back into the context that resumes (any thread). */
  readonly restore: (ctx: import("./call-context.ts").CallContext, data: TaskData) => void;
}

/**
 * The ProcessCalls operation every routing thread answers: resume a ContinuationData there; the
 * answer is the run's RouteOutcome (`{ code, dropped, exited }`).
 */
export const CORE_RESUME = "core.resume";

/**
 * A message's bytes as a Uint8Array of their own, to cross a thread boundary: a view into a
 * pooled Buffer (Node's 8 KiB pool, a TCP read buffer) would clone the whole pool; an exact one
 * is passed as it is.
 */
export const ownBytes = (buf: Uint8Array): Uint8Array =>
  buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength ? buf : new Uint8Array(buf);
