import { Schema } from "effect";

/** async module parameters. */
export const AsyncParams = Schema.Struct({
  workers: Schema.optionalWith(Schema.Int, { default: () => 1 }).annotations({
    description: "Number of worker processes that run the continuations of async_route and async_sleep.",
  }),
});
export type AsyncParams = typeof AsyncParams.Type;
