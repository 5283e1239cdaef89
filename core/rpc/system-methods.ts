import { Effect, Either } from "effect";
import { oneString, noParams } from "./rpc-params.ts";
import { RpcParamsError, signature, type RpcEntry } from "./rpc-method.ts";

/** system.listMethods and system.methodHelp over the server's full method table. */
export const systemMethods = (table: () => ReadonlyMap<string, RpcEntry>): readonly RpcEntry[] => [
  {
    name: "system.listMethods",
    doc: "Names of every method this server answers, sorted.",
    module: "system",
    run: (params) =>
      Either.match(noParams("system.listMethods", params), {
        onLeft: (e) => Effect.fail(e),
        onRight: () => Effect.sync(() => [...table().keys()].sort()),
      }),
  },
  {
    name: "system.methodHelp",
    doc: "What a method does: its parameters, its description and the module that provides it.",
    params: ["method"],
    module: "system",
    run: (params) =>
      Either.match(oneString("system.methodHelp", "the method name", params), {
        onLeft: (e) => Effect.fail(e),
        onRight: (name) => {
          const e = table().get(name);
          if (e === undefined)
            return Effect.fail(
              new RpcParamsError({ message: `no method "${name}" (system.listMethods lists them)` }),
            );
          return Effect.succeed(`${signature(e)}: ${e.doc} [${e.module}]`);
        },
      }),
  },
];
