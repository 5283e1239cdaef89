/** Where a worker is in its life. */
export type WorkerState = "booting" | "ready" | "restarting" | "stopping" | "stopped";

/** Counters of one worker thread, for RPC listings (`core.psx`-like) and metrics. Plain JSON. */
export type WorkerStats = {
  /** 0-based index in the group; a key maps to `keyHash(key) % size`. */
  readonly rank: number;
  readonly state: WorkerState;
  /** Thread id of the current thread (null while none runs). */
  readonly threadId: number | null;
  /** Tasks posted and not yet acknowledged, plus tasks waiting for a restarting worker. */
  readonly queued: number;
  /** Tasks whose handler finished without error. */
  readonly done: number;
  /** Tasks whose handler failed (logged; the worker went on). */
  readonly failed: number;
  /** Tasks lost: in flight during two crashes of the worker, or still queued when the group stopped. */
  readonly lost: number;
  /** Tasks that were unacknowledged when the worker crashed and went to its replacement. */
  readonly redelivered: number;
  /** How many times the thread was restarted after a crash. */
  readonly restarts: number;
};

export type GroupStats = {
  readonly name: string;
  readonly size: number;
  /** Queue capacity per worker. */
  readonly queue: number;
  readonly workers: readonly WorkerStats[];
};
