import { Either } from "effect";
import type { Json } from "../module/values.ts";
import type { RpcParams } from "./json-rpc.ts";
import { RpcParamsError, type RpcEntry } from "./rpc-method.ts";

/** Strip the "?" that marks an optional parameter name ("name?"), if the author used one. */
const bareName = (p: string): string => (p.endsWith("?") ? p.slice(0, -1) : p);

/**
 * Turn the request's params into the positional list a method runs with. An array is passed as
 * is. An object is mapped through the method's declared parameter names (missing names become
 * trailing gaps filled with null, unknown names are an error); a method that declares no names
 * takes positional parameters only.
 */
export const positionalParams = (entry: RpcEntry, params: RpcParams): Either.Either<readonly Json[], RpcParamsError> => {
  if (Array.isArray(params)) return Either.right(params as readonly Json[]);
  const named = params as { readonly [name: string]: Json };
  const keys = Object.keys(named);
  if (keys.length === 0) return Either.right([]);
  const names = (entry.params ?? []).map(bareName);
  if (names.length === 0)
    return Either.left(new RpcParamsError({ message: `${entry.name} takes positional parameters only (pass an array)` }));
  const unknown = keys.filter((k) => !names.includes(k));
  if (unknown.length > 0)
    return Either.left(
      new RpcParamsError({
        message: `${entry.name} has no parameter ${unknown.map((k) => JSON.stringify(k)).join(", ")} (it takes: ${names.join(", ")})`,
      }),
    );
  let last = -1;
  names.forEach((n, i) => {
    if (Object.hasOwn(named, n)) last = i;
  });
  const out: Json[] = [];
  for (let i = 0; i <= last; i++) out.push(Object.hasOwn(named, names[i]!) ? named[names[i]!]! : null);
  return Either.right(out);
};

// ---- checks used by the server's own methods --------------------------------------------------

export const noParams = (method: string, params: readonly Json[]): Either.Either<void, RpcParamsError> =>
  params.length === 0
    ? Either.void
    : Either.left(new RpcParamsError({ message: `${method} takes no parameters (got ${params.length})` }));

export const oneString = (method: string, what: string, params: readonly Json[]): Either.Either<string, RpcParamsError> => {
  const v = params[0];
  if (params.length !== 1 || typeof v !== "string")
    return Either.left(new RpcParamsError({ message: `${method} takes one string parameter: ${what}` }));
  return Either.right(v);
};
