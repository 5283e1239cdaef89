import { Effect, type Runtime, type Scope } from "effect";
import { sipmodError, type SipmodError } from "../errors.ts";
import { rpcApp } from "./app.ts";
import type { CoreRpcSource } from "./core-source.ts";
import { BindError, loadServe } from "./http-serve.ts";
import { buildMethodTable, type ModuleRpcMethods } from "./method-table.ts";
import type { MetricsSource } from "./metrics.ts";
import { parseRpcListen, rpcBaseUrl, type RpcListen } from "./rpc-listen.ts";

export interface RpcServerOptions {
  /** `core.rpc.listen`: "127.0.0.1:5071", "[::1]:0" ... */
  readonly listen: string;
  /** The modules' methods (Registry.rpc). */
  readonly methods: ModuleRpcMethods;
  readonly core: CoreRpcSource;
  /** Runs the methods' Effects; it must provide the services the module methods need. */
  readonly runtime: Runtime.Runtime<unknown>;
  readonly metrics: MetricsSource;
  /** A method that has not answered after this long fails with SM_RPC (default 30000 ms). */
  readonly methodTimeoutMs?: number;
}

export interface RpcServerInfo {
  /** The JSON-RPC endpoint: `http://127.0.0.1:5071/RPC`. */
  readonly url: string;
  /** `http://127.0.0.1:5071/metrics`. */
  readonly metricsUrl: string;
  /** The bound port (the one the system chose when the listen port was 0). */
  readonly port: number;
  readonly host: string;
}

const bindFailure = (l: RpcListen, e: unknown): SipmodError => {
  const where = l.af === 6 ? `[${l.host}]:${l.port}` : `${l.host}:${l.port}`;
  const code = e instanceof BindError ? e.code : undefined;
  const why = e instanceof Error ? e.message : String(e);
  if (code === "EADDRINUSE")
    return sipmodError("SM_LISTEN", `cannot start the RPC server on ${where}: the address is in use`, {
      hint: "Another process (perhaps another sipmod) holds the port: stop it, set core.rpc.listen to another port, or set core.rpc.enabled to false.",
      cause: e,
    });
  if (code === "EACCES")
    return sipmodError("SM_LISTEN", `cannot start the RPC server on ${where}: permission denied`, {
      hint: "Ports below 1024 need privileges: use a port above 1024 in core.rpc.listen.",
      cause: e,
    });
  if (code === "EADDRNOTAVAIL")
    return sipmodError("SM_LISTEN", `cannot start the RPC server on ${where}: the address is not on this machine`, {
      hint: "Use an address of a local interface in core.rpc.listen (127.0.0.1 by default).",
      cause: e,
    });
  return sipmodError("SM_RPC", `cannot start the RPC server on ${where}: ${why}`, {
    hint: "Check core.rpc.listen, or set core.rpc.enabled to false to run without the management server.",
    cause: e,
  });
};

/**
 * Start the management server: JSON-RPC 2.0 on POST /RPC and /jsonrpc, Prometheus text on
 * GET /metrics, served by the current runtime's HTTP server. It stops (open connections
 * closed) when the scope closes.
 */
export const startRpcServer = (opts: RpcServerOptions): Effect.Effect<RpcServerInfo, SipmodError, Scope.Scope> =>
  Effect.gen(function* () {
    const listen = yield* parseRpcListen(opts.listen);
    const table = yield* buildMethodTable(opts.methods, opts.core);
    const dispatch = {
      table,
      runtime: opts.runtime,
      ...(opts.methodTimeoutMs !== undefined ? { timeoutMs: opts.methodTimeoutMs } : {}),
    };
    const app = rpcApp(dispatch, opts.core, opts.metrics);
    const serve = yield* Effect.promise(loadServe);
    const handle = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => serve({ hostname: listen.host, port: listen.port, fetch: (req) => app.fetch(req) }),
        catch: (e) => bindFailure(listen, e),
      }),
      (h) => Effect.promise(() => h.close()),
    );
    const base = rpcBaseUrl(listen.host, handle.port);
    return { url: `${base}/RPC`, metricsUrl: `${base}/metrics`, port: handle.port, host: listen.host };
  });
