import { sipmodError } from "../errors.ts";
import type { Json } from "../module/values.ts";
import type { RpcErrorObject, RpcParams } from "./json-rpc.ts";

/** The server answered the call with a JSON-RPC error object. */
export class RpcCallError extends Error {
  readonly code: number;
  readonly data: Json | undefined;
  constructor(
    readonly method: string,
    error: RpcErrorObject,
  ) {
    super(error.message);
    this.name = "RpcCallError";
    this.code = error.code;
    this.data = error.data;
  }
}

export const DEFAULT_CALL_TIMEOUT_MS = 60_000;

/** `http://127.0.0.1:5071` and `http://127.0.0.1:5071/` mean its /RPC endpoint. */
export const endpointUrl = (url: string): string => {
  const u = new URL(url);
  if (u.pathname === "" || u.pathname === "/") u.pathname = "/RPC";
  return u.href;
};

const isRecord = (x: unknown): x is { readonly [k: string]: unknown } =>
  typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * Call one method and return its result. Rejects with RpcCallError when the server answered with
 * an error object, and with a SipmodError (SM_RPC) when there was no usable answer: no server,
 * an HTTP error, a body that is not a JSON-RPC response, or no answer within `timeoutMs`.
 */
export const rpcCall = async (
  url: string,
  method: string,
  params: RpcParams = [],
  options: { readonly timeoutMs?: number } = {},
): Promise<Json> => {
  const target = endpointUrl(url);
  const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let status: number;
  let text: string;
  try {
    const res = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      signal: abort.signal,
    });
    status = res.status;
    text = await res.text();
  } catch (e) {
    const why = abort.signal.aborted ? `no answer within ${timeoutMs} ms` : e instanceof Error ? e.message : String(e);
    // The low-level reason ("connect ECONNREFUSED 127.0.0.1:5071"), without a stack trace.
    const inner = e instanceof Error && e.cause !== undefined ? e.cause : e;
    const cause = inner instanceof Error ? inner.message : String(inner);
    throw sipmodError("SM_RPC", `cannot reach the management server at ${target}: ${why}`, {
      hint: "Is sipmod running? Its RPC server listens on core.rpc.listen (127.0.0.1:5071 by default); pass the same address to `sipmod ctl`.",
      cause,
    });
  } finally {
    clearTimeout(timer);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw sipmodError("SM_RPC", `the server at ${target} answered HTTP ${status} with a body that is not JSON`, {
      hint: "Check that the address is sipmod's RPC server (core.rpc.listen) and not another HTTP service.",
    });
  }
  if (isRecord(body) && body["jsonrpc"] === "2.0") {
    const err = body["error"];
    if (isRecord(err) && typeof err["code"] === "number" && typeof err["message"] === "string")
      throw new RpcCallError(method, err as unknown as RpcErrorObject);
    if ("result" in body) return body["result"] as Json;
  }
  throw sipmodError("SM_RPC", `the server at ${target} answered HTTP ${status} without a JSON-RPC 2.0 response`, {
    hint: "Check that the address is sipmod's RPC server (core.rpc.listen) and not another HTTP service.",
  });
};
