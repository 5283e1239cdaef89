import { sipmodError, type SipmodError, type SourcePos } from "../errors.ts";
import type { AnyConfigFunction, AnyModule, BlockSpec, RpcMethod } from "../module/define-module.ts";
import type { RegisteredFunction, RegisteredPv, Registry } from "../module/registry.ts";
import { CORE_EVENTS } from "./core-events.ts";

/**
 * Build the registry from the modules in init order, reporting every clash: a config function
 * name exported by two modules (one module may export several arities of one name), and any
 * pseudo-variable, block keyword or RPC method registered twice.
 */
export const buildRegistry = (
  modules: readonly { readonly decl: AnyModule; readonly origin: SourcePos }[],
  providerHint: (fnName: string) => string | undefined,
): { readonly registry: Registry; readonly errors: readonly SipmodError[] } => {
  const errors: SipmodError[] = [];
  const functions = new Map<string, RegisteredFunction[]>();
  const pvs = new Map<string, RegisteredPv>();
  const blocks = new Map<string, BlockSpec & { readonly module: string }>();
  const events = new Set<string>(CORE_EVENTS);
  const rpc = new Map<string, RpcMethod<unknown> & { readonly module: string }>();

  for (const { decl, origin } of modules) {
    const m = decl.name;
    for (const f of decl.functions ?? []) {
      const fn = f as AnyConfigFunction<unknown>;
      const list = functions.get(fn.name) ?? [];
      const other = list.find((r) => r.module !== m);
      if (other !== undefined) {
        errors.push(
          sipmodError(
            "SM_FUNCTION_DUPLICATE",
            `config function "${fn.name}" is exported by both "${other.module}" and "${m}"`,
            { pos: origin, module: m },
          ),
        );
        continue;
      }
      if (list.some((r) => r.fn.params.length === fn.params.length)) {
        errors.push(
          sipmodError(
            "SM_FUNCTION_DUPLICATE",
            `module "${m}" declares config function "${fn.name}" twice with ${fn.params.length} parameter(s)`,
            { pos: origin, module: m, hint: "Give each declaration of one name a different number of parameters." },
          ),
        );
        continue;
      }
      list.push({ module: m, fn });
      functions.set(fn.name, list);
    }
    for (const pv of decl.pvs ?? []) {
      const prev = pvs.get(pv.name);
      if (prev !== undefined) {
        errors.push(
          sipmodError("SM_NAME_DUPLICATE", `pseudo-variable "$${pv.name}" is registered by both "${prev.module}" and "${m}"`, {
            pos: origin,
            module: m,
          }),
        );
        continue;
      }
      pvs.set(pv.name, { module: m, pv });
    }
    for (const b of decl.blocks ?? []) {
      const prev = blocks.get(b.keyword);
      if (prev !== undefined) {
        errors.push(
          sipmodError("SM_NAME_DUPLICATE", `route block "${b.keyword}" is added by both "${prev.module}" and "${m}"`, {
            pos: origin,
            module: m,
          }),
        );
        continue;
      }
      blocks.set(b.keyword, { ...b, module: m });
    }
    for (const e of decl.events ?? []) events.add(e);
    for (const r of decl.rpc ?? []) {
      const method = r as RpcMethod<unknown>;
      const prev = rpc.get(method.name);
      if (prev !== undefined) {
        errors.push(
          sipmodError("SM_NAME_DUPLICATE", `RPC method "${method.name}" is registered by both "${prev.module}" and "${m}"`, {
            pos: origin,
            module: m,
          }),
        );
        continue;
      }
      rpc.set(method.name, { ...method, module: m });
    }
  }

  return {
    registry: { modules: modules.map((x) => x.decl), functions, pvs, blocks, events, rpc, providerHint },
    errors,
  };
};
