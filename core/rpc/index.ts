/** The management layer: what core/server and core/cli.ts use. */
export { startRpcServer, type RpcServerInfo, type RpcServerOptions } from "./server.ts";
export type { CoreRpcSource, MemoryFigures } from "./core-source.ts";
export type { MetricsSource } from "./metrics.ts";
export type { ModuleRpcMethods } from "./method-table.ts";
export { rpcCall, RpcCallError, endpointUrl } from "./client.ts";
export { runCtl, parseCtlParams, formatResult, formatRpcError, CTL_PARAMS_RULE, type CtlOutcome } from "./ctl.ts";
export { parseRpcListen, rpcUrlFromListen } from "./rpc-listen.ts";
