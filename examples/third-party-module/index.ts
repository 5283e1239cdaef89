import { Effect, Schema } from "effect";
// A published module would import these from the "sipmod" package; inside this repository the
// example reaches the core through relative paths.
import type { CallContext } from "../../core/module/call-context.ts";
import { defineModule, fn, pv } from "../../core/module/define-module.ts";
import { Slot } from "../../core/module/slot.ts";
import { CORE_MAJOR } from "../../core/version.ts";

/**
 * sipmod-example-module: a small module in the shape of an npm package. It shows a parameter
 * with a default, a config function with a pseudo-variable argument, a pseudo-variable class
 * with an inner name, per-message state in a slot, per-process state and an RPC method.
 */

const Params = Schema.Struct({
  greeting: Schema.optionalWith(Schema.String.pipe(Schema.minLength(1)), { default: () => "Hello" }).annotations({
    description: "The word example_hello() puts before the name.",
  }),
});

/** The greeting built for the message being processed. */
const GREETING = new Slot<string>("example.greeting");

/** How many greetings this process has built (each process has its own count). */
let count = 0;

let greetingWord = "Hello";

type Field = "greeting" | "count";

export default defineModule({
  name: "example",
  version: "0.1.0",
  core: CORE_MAJOR,
  doc: {
    overview:
      "An example of a third-party module. `example_hello(name)` builds the text `<greeting>, <name>!` for the " +
      "message being processed; `$example(greeting)` reads it back and `$example(count)` tells how many greetings " +
      "this process has built.",
    params: { greeting: { doc: "The word put before the name.", example: '"Hi"' } },
  },
  params: Params,
  init: (p) =>
    Effect.sync(() => {
      greetingWord = p.greeting;
    }),
  childInit: (p) =>
    Effect.sync(() => {
      // Group workers do not run init: take the parameter here too.
      greetingWord = p.greeting;
      count = 0;
    }),
  functions: [
    fn({
      name: "example_hello",
      params: [{ name: "name", kind: "string-pv", doc: "Who to greet; may contain pseudo-variables ($fU)." }] as const,
      routes: "any",
      doc: "Builds `<greeting>, <name>!` for this message, readable as `$example(greeting)`. Returns 1, or -1 for an empty name.",
      returns: "1 on success, -1 when the name is empty",
      run: (ctx: CallContext, [name]: readonly [string]) => {
        if (name === "") return -1;
        ctx.set(GREETING, `${greetingWord}, ${name}!`);
        count++;
        return 1;
      },
    }),
  ],
  pvs: [
    pv<Field>({
      name: "example",
      inner: "required",
      doc: "`$example(greeting)`: the greeting built by example_hello() for this message ($null before); `$example(count)`: greetings built by this process.",
      parse: (inner) =>
        inner === "greeting" || inner === "count" ? inner : { error: `$example(${inner ?? ""}): use greeting or count` },
      get: (ctx, field) => (field === "count" ? count : (ctx.get(GREETING) ?? null)),
    }),
  ],
  rpc: [
    {
      name: "example.count",
      doc: "Greetings built by this process.",
      run: () => Effect.succeed({ count }),
    },
  ],
});
