import { Effect } from "effect";
import { sipmodError, type SipmodError } from "../../core/errors.ts";
import { SharedMemory } from "../../core/module/core-services.ts";
import { SharedShvStore } from "./shv-shared.ts";
import { parseShvset, setShvStore, shvStore } from "./shv-store.ts";

/** The shared-memory segment of $shv: 1 MiB for up to 4096 names and their values. */
export const SHV_SEGMENT = "pv.shv";
export const SHV_BYTES = 1 << 20;
export const SHV_SLOTS = 4096;

/** Apply the shvset lines to the $shv store of this thread. */
export const applyShvset = (lines: readonly string[]): Effect.Effect<void, SipmodError> =>
  Effect.forEach(lines, (line) => {
    const r = parseShvset(line);
    if ("error" in r)
      return Effect.fail(
        sipmodError("SM_PARAM_INVALID", r.error, { module: "pv", hint: 'Write modparam("pv", "shvset", "name=i:1") or "name=s:text".' }),
      );
    return Effect.try({
      try: () => shvStore().set(r.name, r.value),
      catch: (e) => sipmodError("SM_PARAM_INVALID", `shvset "${line}": ${e instanceof Error ? e.message : String(e)}`, { module: "pv" }),
    });
  }).pipe(Effect.asVoid);

/** Use the server's shared segment for $shv in this thread (laid out by the main thread's init). */
export const attachSharedShv = Effect.gen(function* () {
  const mem = yield* SharedMemory;
  const sab = yield* mem.segment(SHV_SEGMENT, SHV_BYTES);
  const cur = shvStore();
  if (!(cur instanceof SharedShvStore) || cur.buffer !== sab) {
    const laidOut = yield* Effect.try({
      try: () => SharedShvStore.format(sab, SHV_SLOTS),
      catch: (e) => sipmodError("SM_INIT_FAILED", `$shv shared memory: ${e instanceof Error ? e.message : String(e)}`, { module: "pv" }),
    });
    setShvStore(new SharedShvStore(laidOut));
  }
});
