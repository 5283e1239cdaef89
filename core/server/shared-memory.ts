import { Effect } from "effect";
import { sipmodError } from "../errors.ts";
import type { SharedMemoryApi } from "../module/core-services.ts";

/**
 * The main thread's shared memory: segments created during module init, handed to every group
 * worker in its boot arguments (a Uint8Array over a SharedArrayBuffer keeps its memory shared
 * when structured-cloned to a thread).
 */
export class MainSharedMemory implements SharedMemoryApi {
  private readonly segments = new Map<string, SharedArrayBuffer>();
  readonly segment = (key: string, bytes: number) =>
    Effect.sync(() => {
      let sab = this.segments.get(key);
      if (sab === undefined) {
        sab = new SharedArrayBuffer(bytes);
        this.segments.set(key, sab);
      }
      return sab;
    }).pipe(
      Effect.filterOrFail(
        (sab) => sab.byteLength === bytes,
        (sab) => sipmodError("SM_INIT_FAILED", `shared memory "${key}" exists with ${sab.byteLength} bytes, asked for ${bytes}`),
      ),
    );
  /** What the workers get: key and a view on each segment. */
  views(): Record<string, Uint8Array> {
    return Object.fromEntries([...this.segments].map(([k, sab]) => [k, new Uint8Array(sab)]));
  }
}

/** A group worker's shared memory: the segments the main thread created. */
export const workerSharedMemory = (views: Readonly<Record<string, Uint8Array>>): SharedMemoryApi => ({
  segment: (key, bytes) => {
    const v = views[key];
    if (v === undefined || !(v.buffer instanceof SharedArrayBuffer))
      return Effect.fail(
        sipmodError("SM_INIT_FAILED", `shared memory "${key}" was not created in the main thread`, {
          hint: "Create shared segments in the module's init (main thread); workers get them in childInit.",
        }),
      );
    if (v.buffer.byteLength !== bytes)
      return Effect.fail(sipmodError("SM_INIT_FAILED", `shared memory "${key}" has ${v.buffer.byteLength} bytes, asked for ${bytes}`));
    return Effect.succeed(v.buffer);
  },
});
