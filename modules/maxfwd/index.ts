import { Effect, Schema } from "effect";
import { defineModule, fn } from "../../core/module/define-module.ts";
import { CORE_MAJOR } from "../../core/version.ts";
import { isMaxfwdLessThan, processMaxfwd } from "./process-maxfwd.ts";

const MaxfwdParams = Schema.Struct({
  max_limit: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 255)), { default: () => 70 }).annotations({
    description: "Upper limit for the Max-Forwards value of forwarded requests.",
  }),
});

/** The max_limit of this process, set by childInit (each worker thread has its own copy). */
let maxLimit = 70;

/** maxfwd: Max-Forwards processing (RFC 3261 §16.3 step 2 and §16.6 step 3), so loops end in 483. */
export default defineModule({
  name: "maxfwd",
  version: "0.1.0",
  core: CORE_MAJOR,
  doc: {
    overview:
      "Max-Forwards processing: decrement the header of a request being forwarded, add it when missing, and tell " +
      "the config when the value reached 0 so it can answer `483 Too Many Hops` and stop a loop.",
    params: {
      max_limit: {
        doc:
          "Upper limit for the Max-Forwards value in forwarded requests: after the decrement, a larger value is " +
          "lowered to this one.",
        example: "32",
      },
    },
  },
  params: MaxfwdParams,
  childInit: (p) =>
    Effect.sync(() => {
      maxLimit = p.max_limit;
    }),
  functions: [
    fn({
      name: "mf_process_maxfwd_header",
      params: [{ name: "max_value", kind: "int-pv", doc: "Value of the header to add when there is none (1..255)." }] as const,
      routes: ["request"],
      doc:
        "If the request has no Max-Forwards header, add one with the value `max_value`. If it has one, decrement " +
        "its value (and lower it to the `max_limit` parameter if larger). A value of 0 is left as it is.",
      returns:
        "Returns 2 (true) when the header was added, 1 (true) when it was decremented, -1 (false) when its value is " +
        "0 (answer 483), -2 (false) when the header is malformed.",
      run: (ctx, [max]) => processMaxfwd(ctx, max, maxLimit),
    }),
    fn({
      name: "is_maxfwd_lt",
      params: [{ name: "max_value", kind: "int-pv" }] as const,
      routes: ["request", "failure", "branch"],
      doc: "Check whether the Max-Forwards value of the request is lower than `max_value`.",
      returns: "Returns 1 (true) when lower, -1 (false) when not, -2 (false) when the header is missing or malformed.",
      run: (ctx, [max]) => isMaxfwdLessThan(ctx, max),
    }),
  ],
});
