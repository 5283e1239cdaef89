import { Schema } from "effect";

/** How much of the script runs after async_sleep / async_ms_sleep resumes. */
export const SleepResume = Schema.Literal("block", "stack");

/** async module parameters. */
export const AsyncParams = Schema.Struct({
  workers: Schema.optionalWith(Schema.Int, { default: () => 1 }).annotations({
    description: "Number of worker threads (group `async`) that run the routes resumed by async_route and async_sleep.",
  }),
  ms_timer: Schema.optionalWith(Schema.Int.pipe(Schema.greaterThanOrEqualTo(0)), { default: () => 0 }).annotations({
    description: "Non-zero enables async_ms_route and async_ms_sleep (Kamailio's millisecond timer period).",
  }),
  return: Schema.optionalWith(Schema.Int, { default: () => 0 }).annotations({
    description: "What the suspending functions return on success; 0 stops the script.",
  }),
  sleep_resume: Schema.optionalWith(SleepResume, { default: () => "block" as const }).annotations({
    description: '"block": after async_sleep only the rest of the enclosing block runs (Kamailio); "stack": the whole rest of the script.',
  }),
});
export type AsyncParams = typeof AsyncParams.Type;

/** async_route / async_sleep: seconds, 1..MAX_SECONDS. */
export const MAX_SECONDS = 100;
/** async_ms_route / async_ms_sleep: milliseconds, 1..MAX_MS (Kamailio's limit). */
export const MAX_MS = 29_999;
/** Suspensions waiting for their millisecond timer in one thread, at most (Kamailio's MAX_MS_SLEEP_QUEUE). */
export const MAX_MS_QUEUE = 10_000;
/**
 * How long the thread that owns a transaction waits for a resumed route running in another thread
 * to end before it answers the transaction with tm's 500 (a thread that dies is noticed at once).
 */
export const RESUME_TIMEOUT_MS = 120_000;
