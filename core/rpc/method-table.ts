import { Either } from "effect";
import { sipmodError, type SipmodError } from "../errors.ts";
import type { RpcMethod } from "../module/define-module.ts";
import { coreMethods } from "./core-methods.ts";
import type { CoreRpcSource } from "./core-source.ts";
import type { RpcEntry } from "./rpc-method.ts";
import { systemMethods } from "./system-methods.ts";

/** Module RPC methods as the registry holds them (Registry.rpc). */
export type ModuleRpcMethods = ReadonlyMap<string, RpcMethod<unknown> & { readonly module: string }>;

/**
 * Every method the server answers: the core's, system.*, and the modules'. A module may not
 * take a name the core or system uses (SM_NAME_DUPLICATE).
 */
export const buildMethodTable = (
  modules: ModuleRpcMethods,
  core: CoreRpcSource,
): Either.Either<ReadonlyMap<string, RpcEntry>, SipmodError> => {
  const table = new Map<string, RpcEntry>();
  for (const e of [...coreMethods(core), ...systemMethods(() => table)]) table.set(e.name, e);
  for (const [name, m] of modules) {
    const prev = table.get(name);
    if (prev !== undefined)
      return Either.left(
        sipmodError("SM_NAME_DUPLICATE", `module "${m.module}" registers RPC method "${name}", which the ${prev.module} provides`, {
          module: m.module,
          hint: `Rename the method in module "${m.module}" (the core and system.* names are reserved).`,
        }),
      );
    table.set(name, {
      name,
      doc: m.doc,
      ...(m.params !== undefined ? { params: m.params } : {}),
      module: m.module,
      run: m.run,
    });
  }
  return Either.right(table);
};
