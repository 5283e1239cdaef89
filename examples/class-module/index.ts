import {
  classModule,
  configFunction,
  CoreTokens,
  inject,
  injectable,
  pseudoVariable,
  rpcMethod,
  type ClassModuleLifecycle,
} from "../../core/module/class-module.ts";
import { Schema } from "effect";
import type { CallContext } from "../../core/module/call-context.ts";
import type { CoreInfoApi } from "../../core/module/core-services.ts";
import type { ProcessInfo } from "../../core/module/process-info.ts";
import { processLabel } from "../../core/module/process-info.ts";
import { Slot } from "../../core/module/slot.ts";
import type { Json } from "../../core/module/values.ts";
import { CORE_MAJOR } from "../../core/version.ts";

/**
 * The example module written as a class (tsyringe). The same module contract as
 * examples/third-party-module, reached through decorators: `classModule` turns the class into a
 * `defineModule` declaration. Import `injectable`/`inject` from core/module/class-module.ts so
 * that reflect-metadata loads before tsyringe.
 */

const Params = Schema.Struct({
  greeting: Schema.optionalWith(Schema.String.pipe(Schema.minLength(1)), { default: () => "Hi" }).annotations({
    description: "The word class_hello() puts before the name.",
  }),
});
type Params = typeof Params.Type;

const GREETING = new Slot<string>("class_example.greeting");

@injectable()
class Greeter implements ClassModuleLifecycle {
  private count = 0;
  /** Where this instance lives, set in childInit. */
  private where = "";

  // tsx emits no decorator metadata: every constructor parameter names its token.
  constructor(
    @inject(CoreTokens.Params) private readonly params: Params,
    @inject(CoreTokens.Info) private readonly info: CoreInfoApi,
  ) {}

  childInit(proc: ProcessInfo): void {
    this.where = processLabel(proc);
  }

  @configFunction({
    name: "class_hello",
    params: [{ name: "name", kind: "string-pv", doc: "Who to greet; may contain pseudo-variables." }],
    routes: ["request", "failure", "onreply"],
    doc: "Builds `<greeting>, <name>!` for this message, readable as `$class_greeting`. Returns 1, or -1 for an empty name.",
    returns: "1 on success, -1 when the name is empty",
  })
  hello(ctx: CallContext, name: string): number {
    if (name === "") return -1;
    ctx.set(GREETING, `${this.params.greeting}, ${name}!`);
    this.count++;
    return 1;
  }

  @pseudoVariable({ name: "class_greeting", doc: "The greeting class_hello() built for this message ($null before)." })
  greeting(ctx: CallContext): string | null {
    return ctx.get(GREETING) ?? null;
  }

  @rpcMethod({ name: "class_example.info", doc: "Greetings built by this process, where it runs and its base folder." })
  stats(): Json {
    return { count: this.count, process: this.where, baseDir: this.info.baseDir };
  }
}

export default classModule(Greeter, {
  name: "class_example",
  version: "0.1.0",
  core: CORE_MAJOR,
  doc: {
    overview:
      "The example module as a class with dependency injection: `class_hello(name)` builds `<greeting>, <name>!`, " +
      "`$class_greeting` reads it back, `class_example.info` (RPC) reports the count.",
    params: { greeting: { doc: "The word put before the name.", example: '"Hello"' } },
  },
  params: Params,
});
