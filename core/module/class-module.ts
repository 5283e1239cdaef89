// tsyringe needs the Reflect metadata API before it is evaluated: keep this import first.
import "reflect-metadata";
import { Effect, type Schema, type Scope } from "effect";
import { container as rootContainer, type DependencyContainer, type InjectionToken } from "tsyringe";
import type { SipmodError } from "../errors.ts";
import type { CallContext } from "./call-context.ts";
import {
  CoreInfo,
  ProcessGroups,
  SipSender,
  type CoreInfoApi,
  type CoreServices,
  type ProcessGroupsApi,
  type SipSenderApi,
} from "./core-services.ts";
import {
  defineModule,
  type AnyConfigFunction,
  type AnyPvSpec,
  type ArgSpec,
  type Dependency,
  type GroupSpec,
  type ModuleDeclaration,
  type ModuleDoc,
  type DeclaredModule,
  type RpcMethod,
} from "./define-module.ts";
import type { ProcessInfo } from "./process-info.ts";
import type { RouteSet } from "./route-kind.ts";
import type { Json, ScriptValue } from "./values.ts";

/**
 * Class-based modules: a way for third-party authors who prefer classes and dependency
 * injection. A class decorated with `@injectable()` whose methods are marked as config
 * functions, pseudo-variables and RPC methods becomes, through `classModule(Class, {...})`, an
 * ordinary `defineModule` declaration: the loader, the registry and the lifecycle do not know the
 * difference. The class is instantiated once per process (in `init` in the main thread, in
 * `childInit` in each group worker) from a tsyringe child container in which the core's services
 * are registered under `CoreTokens`.
 *
 * tsx (esbuild) emits no decorator metadata: give every constructor parameter an explicit
 * `@inject(token)`. Import `injectable`/`inject` from this file (not from "tsyringe" directly) so
 * that "reflect-metadata" is loaded before tsyringe.
 */
export { inject, injectable } from "tsyringe";

/** Tokens for the core's services in a class module's container. */
export const CoreTokens = {
  /** CoreInfoApi: process, base folder, core params. */
  Info: Symbol.for("sipmod.token.CoreInfo") as InjectionToken<CoreInfoApi>,
  /** ProcessGroupsApi: push tasks to process groups. */
  Groups: Symbol.for("sipmod.token.ProcessGroups") as InjectionToken<ProcessGroupsApi>,
  /** SipSenderApi: send replies and requests. */
  Sender: Symbol.for("sipmod.token.SipSender") as InjectionToken<SipSenderApi>,
  /** The module's own parameters, decoded by its params Schema. */
  Params: Symbol.for("sipmod.token.ModuleParams") as InjectionToken<unknown>,
  /** ProcessInfo of the process the instance lives in. */
  Proc: Symbol.for("sipmod.token.ProcessInfo") as InjectionToken<ProcessInfo>,
} as const;

/** What a decorated config function may return: Kamailio's code now, later, or as an Effect. */
export type ClassFunctionResult = number | Promise<number> | Effect.Effect<number>;
/** What a lifecycle method may return. */
export type ClassLifecycleResult = void | Promise<void> | Effect.Effect<void, SipmodError, CoreServices | Scope.Scope>;
/** What a decorated RPC method may return. */
export type ClassRpcResult = Json | Promise<Json> | Effect.Effect<Json, SipmodError>;

/** Lifecycle methods a module class may have. */
export interface ClassModuleLifecycle {
  /** Once, in the main thread, after the instance is created. */
  init?(): ClassLifecycleResult;
  /** In every process (main and each group worker) after init. */
  childInit?(proc: ProcessInfo): ClassLifecycleResult;
  /** At shutdown (scope close), in every process that created an instance. */
  destroy?(): void | Promise<void>;
}

export interface ConfigFunctionSpec {
  readonly name: string;
  readonly params: readonly ArgSpec[];
  readonly routes: RouteSet;
  /** Event routes it works in (see ConfigFunction.events). */
  readonly events?: readonly string[];
  readonly doc: string;
  readonly returns?: string;
}

export interface PseudoVariableSpec {
  readonly name: string;
  /** Default "none". */
  readonly inner?: "none" | "required" | "optional";
  readonly doc: string;
  /** Parse the inner name once at load time; `{ error }` becomes a load error. */
  readonly parse?: (inner: string | undefined) => unknown;
}

export interface RpcMethodSpec {
  readonly name: string;
  readonly doc: string;
  readonly params?: readonly string[];
}

type Entry =
  | { readonly kind: "function"; readonly key: PropertyKey; readonly spec: ConfigFunctionSpec }
  | { readonly kind: "pv"; readonly key: PropertyKey; readonly spec: PseudoVariableSpec }
  | { readonly kind: "pvSet"; readonly key: PropertyKey; readonly name: string }
  | { readonly kind: "rpc"; readonly key: PropertyKey; readonly spec: RpcMethodSpec };

const entries = new WeakMap<object, Entry[]>();

const record = (target: object, entry: Entry): void => {
  const ctor = (target as { constructor: object }).constructor;
  const list = entries.get(ctor) ?? [];
  list.push(entry);
  entries.set(ctor, list);
};

/** A method decorator that accepts methods whose type fits F. */
type Method<F> = <M extends F>(target: object, key: PropertyKey, descriptor: TypedPropertyDescriptor<M>) => void;

/** Mark a method `(ctx, ...args)` as a config function. Arguments arrive evaluated, in order. */
export const configFunction =
  (spec: ConfigFunctionSpec): Method<(ctx: CallContext, ...args: never[]) => ClassFunctionResult> =>
  (target, key) =>
    record(target, { kind: "function", key, spec });

/** Mark a method `(ctx, name)` as the getter of a pseudo-variable class (`$name` / `$name(inner)`). */
export const pseudoVariable =
  (spec: PseudoVariableSpec): Method<(ctx: CallContext, name: never) => ScriptValue> =>
  (target, key) =>
    record(target, { kind: "pv", key, spec });

/** Mark a method `(ctx, name, value)` as the setter of the pseudo-variable `name` (declared by `@pseudoVariable`). */
export const pseudoVariableSetter =
  (name: string): Method<(ctx: CallContext, inner: never, value: ScriptValue) => void> =>
  (target, key) =>
    record(target, { kind: "pvSet", key, name });

/** Mark a method `(params)` as an RPC method. */
export const rpcMethod =
  (spec: RpcMethodSpec): Method<(params: readonly Json[]) => ClassRpcResult> =>
  (target, key) =>
    record(target, { kind: "rpc", key, spec });

export interface ClassModuleOptions<Name extends string, Deps extends readonly Dependency[], P, PI> {
  readonly name: Name;
  readonly version: string;
  readonly core: number;
  readonly doc: ModuleDoc;
  readonly requires?: Deps;
  readonly after?: readonly string[];
  readonly params?: Schema.Schema<P, PI>;
  readonly groups?: (params: P) => readonly GroupSpec[];
  readonly events?: readonly string[];
}

type Instance = ClassModuleLifecycle & { readonly [key: PropertyKey]: unknown };

const call = (inst: Instance, key: PropertyKey, args: readonly unknown[]): unknown =>
  Reflect.apply(inst[key] as (...a: readonly unknown[]) => unknown, inst, args);

const lifecycle = (r: ClassLifecycleResult): Effect.Effect<void, SipmodError, CoreServices | Scope.Scope> =>
  Effect.isEffect(r) ? r : r instanceof Promise ? Effect.promise(() => r) : Effect.void;

/**
 * Turn a decorated class into a module declaration. The class needs `@injectable()` when its
 * constructor has parameters, each with `@inject(token)`.
 */
export const classModule = <
  const Name extends string,
  const Deps extends readonly Dependency[] = readonly [],
  P = {},
  PI = unknown,
>(
  Class: new (...args: never[]) => object,
  options: ClassModuleOptions<Name, Deps, P, PI>,
): DeclaredModule<Name, Deps, P, never, PI> => {
  const list = entries.get(Class) ?? [];
  // One instance per process (each worker thread imports this module afresh).
  let instance: Instance | undefined;
  const current = (): Instance => {
    if (instance === undefined)
      throw new Error(`class module "${options.name}" was used before its init/childInit ran in this process`);
    return instance;
  };

  const instantiate = (params: P, proc: ProcessInfo | undefined) =>
    Effect.gen(function* () {
      const info = yield* CoreInfo;
      const groups = yield* ProcessGroups;
      const sender = yield* SipSender;
      const child: DependencyContainer = rootContainer.createChildContainer();
      child.register(CoreTokens.Info, { useValue: info });
      child.register(CoreTokens.Groups, { useValue: groups });
      child.register(CoreTokens.Sender, { useValue: sender });
      child.register(CoreTokens.Params, { useValue: params });
      child.register(CoreTokens.Proc, { useValue: proc ?? info.proc });
      const inst = yield* Effect.try({
        try: () => child.resolve(Class as unknown as InjectionToken<Instance>),
        catch: (cause) => cause,
      }).pipe(Effect.orDie);
      instance = inst;
      yield* Effect.addFinalizer(() =>
        Effect.promise(async () => {
          if (instance === inst) instance = undefined;
          await inst.destroy?.();
          await child.dispose();
        }),
      );
      return inst;
    });

  const functions: AnyConfigFunction[] = [];
  const pvs: AnyPvSpec[] = [];
  const rpc: RpcMethod[] = [];
  for (const e of list) {
    if (e.kind === "function") {
      const { key, spec } = e;
      functions.push({
        ...spec,
        run: (ctx: CallContext, args: readonly unknown[]) => {
          const r = call(current(), key, [ctx, ...args]) as ClassFunctionResult;
          return typeof r === "number" ? r : r instanceof Promise ? Effect.promise(() => r) : r;
        },
      } as AnyConfigFunction);
    } else if (e.kind === "pv") {
      const { key, spec } = e;
      const setter = list.find((x): x is Extract<Entry, { kind: "pvSet" }> => x.kind === "pvSet" && x.name === spec.name);
      pvs.push({
        name: spec.name,
        inner: spec.inner ?? "none",
        doc: spec.doc,
        ...(spec.parse !== undefined ? { parse: spec.parse } : {}),
        get: (ctx: CallContext, name: unknown) => call(current(), key, [ctx, name]) as ScriptValue,
        ...(setter !== undefined
          ? { set: (ctx: CallContext, name: unknown, value: ScriptValue) => void call(current(), setter.key, [ctx, name, value]) }
          : {}),
      } as AnyPvSpec);
    } else if (e.kind === "rpc") {
      const { key, spec } = e;
      rpc.push({
        ...spec,
        run: (params: readonly Json[]) =>
          Effect.suspend(() => {
            const r = call(current(), key, [params]) as ClassRpcResult;
            return Effect.isEffect(r) ? r : r instanceof Promise ? Effect.promise(() => r) : Effect.succeed(r);
          }),
      });
    }
  }

  const decl: ModuleDeclaration<Name, Deps, P, never, PI> = {
    name: options.name,
    version: options.version,
    core: options.core,
    doc: options.doc,
    ...(options.requires !== undefined ? { requires: options.requires } : {}),
    ...(options.after !== undefined ? { after: options.after } : {}),
    ...(options.params !== undefined ? { params: options.params } : {}),
    ...(options.groups !== undefined ? { groups: options.groups } : {}),
    ...(options.events !== undefined ? { events: options.events } : {}),
    functions,
    pvs,
    rpc,
    init: (params: P) =>
      Effect.gen(function* () {
        const inst = yield* instantiate(params, undefined);
        if (inst.init !== undefined) yield* lifecycle(inst.init());
      }),
    childInit: (params: P, proc: ProcessInfo) =>
      Effect.gen(function* () {
        const inst = instance ?? (yield* instantiate(params, proc));
        if (inst.childInit !== undefined) yield* lifecycle(inst.childInit(proc));
      }),
  };
  return defineModule(decl);
};
