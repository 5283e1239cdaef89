import { Effect } from "effect";
import { sipmodError } from "../../core/errors.ts";
import { parseShvset, shvStore } from "./shv-store.ts";

/** Apply the shvset lines to this thread's $shv store (run in every process, see index.ts). */
export const applyShvset = (lines: readonly string[]): Effect.Effect<void, ReturnType<typeof sipmodError>> =>
  Effect.forEach(lines, (line) => {
    const r = parseShvset(line);
    if ("error" in r)
      return Effect.fail(
        sipmodError("SM_PARAM_INVALID", r.error, { module: "pv", hint: 'Write modparam("pv", "shvset", "name=i:1") or "name=s:text".' }),
      );
    return Effect.sync(() => shvStore().set(r.name, r.value));
  }).pipe(Effect.asVoid);
