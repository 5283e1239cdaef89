import { Data, type Effect } from "effect";
import type { SipmodError } from "../errors.ts";
import type { Json } from "../module/values.ts";

/**
 * A method's parameters were wrong (missing, of the wrong type, unknown name): answered with
 * JSON-RPC -32602. Only the server's own methods raise it; module methods report their problems
 * as SipmodError (-32000).
 */
export class RpcParamsError extends Data.TaggedError("RpcParamsError")<{ readonly message: string }> {}

/** One method the server answers: the core's, `system.*`, or a module's (RpcMethod). */
export interface RpcEntry {
  readonly name: string;
  readonly doc: string;
  /** Parameter names in order: documentation, and how named (object) params map to positions. */
  readonly params?: readonly string[];
  /** Who provides it: "core", "system" or the module's name. */
  readonly module: string;
  readonly run: (params: readonly Json[]) => Effect.Effect<Json, SipmodError | RpcParamsError, unknown>;
}

/** Name and parameter list as shown by system.methodHelp and system.listMethods. */
export const signature = (e: RpcEntry): string => `${e.name}(${(e.params ?? []).join(", ")})`;
