import type { AnyConfigFunction, AnyModule, AnyPvSpec, BlockSpec, RpcMethod } from "./define-module.ts";

/** A config function and the module that provides it. */
export interface RegisteredFunction {
  readonly module: string;
  readonly fn: AnyConfigFunction<unknown>;
}

/** A pseudo-variable class and the module that provides it. */
export interface RegisteredPv {
  readonly module: string;
  readonly pv: AnyPvSpec;
}

/**
 * What the loaded modules offer to the routing engine and the RPC server, built once by the
 * manifest loader after the dependency checks. Read-only afterwards.
 */
export interface Registry {
  /** Modules in initialisation order. */
  readonly modules: readonly AnyModule[];
  /** Config functions by name; several entries differ by parameter count. */
  readonly functions: ReadonlyMap<string, readonly RegisteredFunction[]>;
  /** Pseudo-variable classes by name (`ru`, `hdr`, `T`). */
  readonly pvs: ReadonlyMap<string, RegisteredPv>;
  /** Route block keywords added by modules (`failure_route` ...). */
  readonly blocks: ReadonlyMap<string, BlockSpec & { readonly module: string }>;
  /** Event route names modules raise (`tm:branch-failure`), plus the core's. */
  readonly events: ReadonlySet<string>;
  readonly rpc: ReadonlyMap<string, RpcMethod<unknown> & { readonly module: string }>;
  /** For an unknown function: which known (not enabled) built-in module provides it, if any. */
  readonly providerHint: (fnName: string) => string | undefined;
}
