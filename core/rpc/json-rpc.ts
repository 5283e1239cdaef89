import type { Json } from "../module/values.ts";

/**
 * JSON-RPC 2.0 wire types and the standard error codes (https://www.jsonrpc.org/specification).
 */

/** A request id: a string, a number, or null (a request without an `id` member is a notification). */
export type RpcId = string | number | null;

/** Positional (array) or named (object) parameters. */
export type RpcParams = readonly Json[] | { readonly [name: string]: Json };

/** A request that passed validation. `id` is absent for a notification. */
export interface RpcRequest {
  readonly method: string;
  readonly params: RpcParams;
  readonly id?: RpcId;
}

export interface RpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: Json;
}

export type RpcResponse =
  | { readonly jsonrpc: "2.0"; readonly id: RpcId; readonly result: Json }
  | { readonly jsonrpc: "2.0"; readonly id: RpcId; readonly error: RpcErrorObject };

/** Standard codes, and -32000 for a method that failed with a SipmodError. */
export const RPC_PARSE_ERROR = -32700;
export const RPC_INVALID_REQUEST = -32600;
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_INVALID_PARAMS = -32602;
export const RPC_INTERNAL_ERROR = -32603;
export const RPC_METHOD_FAILED = -32000;

export const resultResponse = (id: RpcId, result: Json): RpcResponse => ({ jsonrpc: "2.0", id, result });

export const errorResponse = (id: RpcId, code: number, message: string, data?: Json): RpcResponse => ({
  jsonrpc: "2.0",
  id,
  error: data === undefined ? { code, message } : { code, message, data },
});

const isRecord = (x: unknown): x is { readonly [k: string]: unknown } =>
  typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * Check one element of a request (or batch) against JSON-RPC 2.0: `jsonrpc: "2.0"`, a string
 * `method`, `params` absent or an array or object, `id` absent or a string, number or null.
 * Returns the request, or the id to answer an invalid request with (null when it cannot be read).
 */
export const validateRequest = (
  x: unknown,
): { readonly ok: true; readonly request: RpcRequest } | { readonly ok: false; readonly id: RpcId; readonly why: string } => {
  if (!isRecord(x)) return { ok: false, id: null, why: "a request must be a JSON object" };
  const rawId = x["id"];
  const idOk = rawId === undefined || rawId === null || typeof rawId === "string" || typeof rawId === "number";
  const id: RpcId = idOk && rawId !== undefined ? (rawId as RpcId) : null;
  if (!idOk) return { ok: false, id: null, why: '"id" must be a string, a number or null' };
  if (x["jsonrpc"] !== "2.0") return { ok: false, id, why: '"jsonrpc" must be exactly "2.0"' };
  const method = x["method"];
  if (typeof method !== "string") return { ok: false, id, why: '"method" must be a string' };
  const params = x["params"];
  if (params !== undefined && typeof params !== "object") return { ok: false, id, why: '"params" must be an array or an object' };
  if (params === null) return { ok: false, id, why: '"params" must be an array or an object' };
  const request: RpcRequest = {
    method,
    params: (params ?? []) as RpcParams,
    ...(rawId !== undefined ? { id: rawId as RpcId } : {}),
  };
  return { ok: true, request };
};
