import { Effect } from "effect";
import type { ProcessCallsApi } from "./core-services.ts";
import type { Json, TaskData } from "./values.ts";

/** Numbers summed field by field (nested objects too): one figure for the whole server. */
export const sumStats = (parts: readonly Json[]): Json => {
  const add = (a: Json, b: Json): Json => {
    if (typeof a === "number" && typeof b === "number") return a + b;
    if (typeof a === "object" && a !== null && !Array.isArray(a) && typeof b === "object" && b !== null && !Array.isArray(b)) {
      const out: { [k: string]: Json } = { ...(a as { [k: string]: Json }) };
      for (const [k, v] of Object.entries(b as { [k: string]: Json })) out[k] = k in out ? add(out[k]!, v) : v;
      return out;
    }
    return a;
  };
  return parts.reduce((acc, p) => add(acc, p));
};

/** Ask every thread for `op` and collect the answers (a thread that does not answer is left out, logged). */
export const fromEveryThread = (calls: ProcessCallsApi, op: string, data: TaskData): Effect.Effect<readonly { readonly proc: number; readonly value: Json }[]> =>
  Effect.forEach(
    calls.processes(),
    (proc) =>
      calls.request(proc, op, data, 2000).pipe(
        Effect.map((value) => [{ proc, value: value as Json }]),
        Effect.catchAll((e) => Effect.as(Effect.logWarning(`${op}: process ${proc} did not answer: ${e.message}`), [])),
      ),
    { concurrency: "unbounded" },
  ).pipe(Effect.map((xs) => xs.flat()));
