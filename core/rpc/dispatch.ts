import { Cause, Effect, Either, Exit, Option, Runtime } from "effect";
import { errorCodes } from "../error-codes.ts";
import { sipmodError, type SipmodError } from "../errors.ts";
import type { Json } from "../module/values.ts";
import {
  errorResponse,
  resultResponse,
  RPC_INTERNAL_ERROR,
  RPC_INVALID_PARAMS,
  RPC_INVALID_REQUEST,
  RPC_METHOD_FAILED,
  RPC_METHOD_NOT_FOUND,
  RPC_PARSE_ERROR,
  validateRequest,
  type RpcId,
  type RpcRequest,
  type RpcResponse,
} from "./json-rpc.ts";
import { positionalParams } from "./rpc-params.ts";
import { RpcParamsError, type RpcEntry } from "./rpc-method.ts";

export interface DispatchOptions {
  readonly table: ReadonlyMap<string, RpcEntry>;
  /** Runs the methods' Effects (module methods need the module services). */
  readonly runtime: Runtime.Runtime<unknown>;
  /** A method that has not answered after this long fails with SM_RPC (default 30000 ms). */
  readonly timeoutMs?: number;
}

export const DEFAULT_METHOD_TIMEOUT_MS = 30_000;

/** The JSON-RPC error for a SipmodError: -32000, its message, and its code and fix as data. */
export const sipmodErrorObject = (e: SipmodError): { code: number; message: string; data: Json } => ({
  code: RPC_METHOD_FAILED,
  message: e.message,
  data: {
    code: e.code,
    hint: e.hint ?? errorCodes[e.code].fix,
    ...(e.module !== undefined ? { module: e.module } : {}),
  },
});

const describeDefect = (d: unknown): string => (d instanceof Error ? d.message : String(d));

/** Run one method with the given positional params; its outcome as a response for `id`. */
export const runEntry = async (
  entry: RpcEntry,
  params: readonly Json[],
  id: RpcId,
  opts: DispatchOptions,
): Promise<RpcResponse> => {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_METHOD_TIMEOUT_MS;
  const effect = entry.run(params).pipe(
    Effect.timeoutFail({
      duration: timeoutMs,
      onTimeout: () =>
        sipmodError("SM_RPC", `method ${entry.name} did not answer within ${timeoutMs} ms`, {
          module: entry.module,
          hint: "The method is stuck or very slow; check the server's log for the module that provides it.",
        }),
    }),
  );
  let exit: Exit.Exit<Json, SipmodError | RpcParamsError>;
  try {
    exit = await Runtime.runPromiseExit(opts.runtime)(effect);
  } catch (e) {
    return errorResponse(id, RPC_INTERNAL_ERROR, "Internal error", describeDefect(e));
  }
  if (Exit.isSuccess(exit)) return resultResponse(id, exit.value);
  const failure = Cause.failureOption(exit.cause);
  if (Option.isSome(failure)) {
    const f = failure.value;
    if (f instanceof RpcParamsError) return errorResponse(id, RPC_INVALID_PARAMS, "Invalid params", f.message);
    const o = sipmodErrorObject(f);
    return errorResponse(id, o.code, o.message, o.data);
  }
  const defect = Cause.dieOption(exit.cause);
  const why = Option.isSome(defect) ? describeDefect(defect.value) : "the method was interrupted";
  return errorResponse(id, RPC_INTERNAL_ERROR, "Internal error", `${entry.name}: ${why}`);
};

/** Answer one valid request; undefined for a notification (it still runs). */
const answer = async (req: RpcRequest, opts: DispatchOptions): Promise<RpcResponse | undefined> => {
  const id = req.id ?? null;
  const notify = req.id === undefined;
  const entry = opts.table.get(req.method);
  let res: RpcResponse;
  if (entry === undefined) {
    res = errorResponse(id, RPC_METHOD_NOT_FOUND, "Method not found", `no method "${req.method}" (system.listMethods lists them)`);
  } else {
    const p = positionalParams(entry, req.params);
    res = Either.isLeft(p)
      ? errorResponse(id, RPC_INVALID_PARAMS, "Invalid params", p.left.message)
      : await runEntry(entry, p.right, id, opts);
  }
  return notify ? undefined : res;
};

/** Serialize one response; a result that is not JSON-serializable becomes an internal error. */
const serialize = (r: RpcResponse): string => {
  try {
    return JSON.stringify(r);
  } catch (e) {
    return JSON.stringify(errorResponse(r.id, RPC_INTERNAL_ERROR, "Internal error", `result not serializable: ${describeDefect(e)}`));
  }
};

const one = async (x: unknown, opts: DispatchOptions): Promise<string | undefined> => {
  const v = validateRequest(x);
  if (!v.ok) return serialize(errorResponse(v.id, RPC_INVALID_REQUEST, "Invalid Request", v.why));
  const r = await answer(v.request, opts);
  return r === undefined ? undefined : serialize(r);
};

/**
 * Handle a JSON-RPC 2.0 HTTP body: a single request or a batch. Returns the response text, or
 * undefined when nothing is to be sent back (a notification, or a batch of notifications).
 * Batch members run concurrently; their responses keep the batch's order.
 */
export const handleRpcBody = async (body: string, opts: DispatchOptions): Promise<string | undefined> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return serialize(errorResponse(null, RPC_PARSE_ERROR, "Parse error", describeDefect(e)));
  }
  if (!Array.isArray(parsed)) return one(parsed, opts);
  if (parsed.length === 0)
    return serialize(errorResponse(null, RPC_INVALID_REQUEST, "Invalid Request", "a batch must hold at least one request"));
  const out = (await Promise.all(parsed.map((x) => one(x, opts)))).filter((s): s is string => s !== undefined);
  return out.length === 0 ? undefined : `[${out.join(",")}]`;
};
