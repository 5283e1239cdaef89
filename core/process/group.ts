import { Effect } from "effect";
import { SipmodError, sipmodError } from "../errors.ts";
import type { TaskData } from "../module/values.ts";
import {
  GroupWorker,
  type BootFailure,
  type GroupWorkerEnv,
  type LogFn,
  type OnWorkerCall,
  type RestartPolicy,
  type WorkerRouting,
} from "./group-worker.ts";
import { keyRank } from "./key-hash.ts";
import { isErrorCode, toWireError } from "./protocol.ts";
import type { GroupStats } from "./stats.ts";

export interface ProcessGroupConfig {
  readonly name: string;
  readonly size: number;
  /** ProcessInfo.id of rank 0; rank r gets firstId + r. */
  readonly firstId: number;
  /** Tasks counted per worker (from push to acknowledgement) before a push is refused. */
  readonly queue: number;
  readonly entry: URL;
  readonly bootUrl: string;
  readonly bootArgs: TaskData;
  readonly loadsTypeScript: boolean;
  readonly logLevel: string;
  readonly bootTimeoutMs: number;
  readonly restart: RestartPolicy;
  readonly log: LogFn;
  readonly onCall: OnWorkerCall;
  /** Tasks a worker runs at once (default 1 when not given). */
  readonly concurrency: number;
  readonly routing: WorkerRouting;
}

/**
 * A named group of `size` worker threads, each with a bounded queue.
 *
 * - `push` with a key picks the worker by a stable hash of the key (same key, same worker: dialog
 *   affinity); without a key, the least loaded ready worker. A full queue fails at once with
 *   SM_GROUP_QUEUE_FULL; nothing ever waits for room.
 * - A crashed worker restarts by itself with backoff (group-worker.ts); tasks pushed to it
 *   meanwhile wait, within its capacity, and run once it is ready.
 * - `shutdown` stops accepting, waits for queued tasks up to a time limit, then stops each thread.
 */
export class ProcessGroup {
  readonly name: string;
  readonly size: number;
  readonly queue: number;
  private readonly workers: readonly GroupWorker[];
  private accepting = false;
  private stopping = false;
  private nextStart = 0;
  private drained: (() => void)[] = [];

  constructor(config: ProcessGroupConfig) {
    this.name = config.name;
    this.size = config.size;
    this.queue = config.queue;
    const workers: GroupWorker[] = [];
    for (let rank = 0; rank < config.size; rank++) {
      const env: GroupWorkerEnv = {
        group: config.name,
        rank,
        entry: config.entry,
        init: {
          bootUrl: config.bootUrl,
          bootArgs: config.bootArgs,
          group: config.name,
          rank,
          id: config.firstId + rank,
          logLevel: config.logLevel,
          concurrency: config.concurrency,
        },
        loadsTypeScript: config.loadsTypeScript,
        capacity: config.queue,
        bootTimeoutMs: config.bootTimeoutMs,
        restart: config.restart,
        log: config.log,
        onSettled: () => this.checkDrained(),
        onCall: config.onCall,
        routing: config.routing,
      };
      workers.push(new GroupWorker(env));
    }
    this.workers = workers;
  }

  /**
   * Boot every worker in parallel. Fails with the first worker that could not boot, naming the
   * group, the rank and the reason; the caller then kills the group.
   */
  start(): Effect.Effect<void, SipmodError> {
    return Effect.async<void, SipmodError>((resume) => {
      Promise.all(this.workers.map((w) => w.start())).then(
        () => {
          if (!this.stopping) this.accepting = true;
          resume(Effect.void);
        },
        (f: BootFailure | Error) => resume(Effect.fail(this.bootError(f instanceof Error ? { rank: -1, error: toWireError(f) } : f))),
      );
    });
  }

  /** Queue a task; see the class comment for how the worker is chosen. */
  push(task: string, data: TaskData, key?: string): Effect.Effect<void, SipmodError> {
    return Effect.suspend(() => {
      const refused = this.tryPush(task, data, key);
      return refused === undefined ? Effect.void : Effect.fail(refused);
    });
  }

  /** The synchronous core of `push`: undefined when queued, else the error. */
  tryPush(task: string, data: TaskData, key?: string): SipmodError | undefined {
    if (!this.accepting) {
      return sipmodError(
        "SM_GROUP_QUEUE_FULL",
        `process group "${this.name}" is ${this.stopping ? "shutting down" : "not started"}; task "${task}" refused`,
        { hint: "Push tasks only while the server runs; tasks pushed during shutdown are refused." },
      );
    }
    const worker = key !== undefined ? this.workers[keyRank(key, this.size)]! : this.leastLoaded();
    if (worker.enqueue(task, data)) return undefined;
    return sipmodError(
      "SM_GROUP_QUEUE_FULL",
      `process group "${this.name}" worker #${worker.rank} has ${worker.load()} task(s) queued ` +
        `(capacity ${this.queue}); task "${task}" refused`,
    );
  }

  /** The workers, by rank (the switchboard addresses them by process id). */
  members(): readonly GroupWorker[] {
    return this.workers;
  }

  stats(): GroupStats {
    return { name: this.name, size: this.size, queue: this.queue, workers: this.workers.map((w) => w.stats()) };
  }

  /**
   * Stop accepting, wait until every queued task is acknowledged (at most `drainTimeoutMs`), then
   * run each worker's shutdown and end its thread (terminated after `stopTimeoutMs`). Never fails.
   */
  shutdown(drainTimeoutMs: number, stopTimeoutMs: number): Effect.Effect<void> {
    return Effect.promise(async () => {
      if (this.stopping) {
        await Promise.all(this.workers.map((w) => w.stop(stopTimeoutMs)));
        return;
      }
      this.stopping = true;
      this.accepting = false;
      await this.waitDrained(drainTimeoutMs);
      await Promise.all(this.workers.map((w) => w.stop(stopTimeoutMs)));
    });
  }

  /** End every thread now, without draining or shutdown handlers (failed start-up). */
  kill(): Effect.Effect<void> {
    return Effect.promise(async () => {
      this.stopping = true;
      this.accepting = false;
      await Promise.all(this.workers.map((w) => w.kill()));
    });
  }

  // -------------------------------------------------------------------------------------------

  private leastLoaded(): GroupWorker {
    // Prefer ready workers; among equals, rotate the starting point so ties spread.
    const n = this.size;
    const start = this.nextStart;
    this.nextStart = (start + 1) % n;
    let best: GroupWorker | undefined;
    let bestScore = Infinity;
    for (let i = 0; i < n; i++) {
      const w = this.workers[(start + i) % n]!;
      const score = w.load() + (w.isReady ? 0 : this.queue);
      if (score < bestScore) {
        best = w;
        bestScore = score;
      }
    }
    return best!;
  }

  private totalLoad(): number {
    let sum = 0;
    for (const w of this.workers) sum += w.load();
    return sum;
  }

  private checkDrained(): void {
    if (this.drained.length === 0 || this.totalLoad() > 0) return;
    const waiting = this.drained;
    this.drained = [];
    for (const resolve of waiting) resolve();
  }

  private waitDrained(timeoutMs: number): Promise<void> {
    if (this.totalLoad() === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.drained = this.drained.filter((r) => r !== done);
        resolve();
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.drained.push(done);
    });
  }

  private bootError(f: BootFailure): SipmodError {
    const e = f.error;
    return new SipmodError({
      code: isErrorCode(e.code) ? e.code : "SM_INIT_FAILED",
      message: `process group "${this.name}" worker #${f.rank} failed to boot: ${e.message}`,
      module: e.module,
      hint: e.hint,
      cause: e.detail,
    });
  }
}
