import { LogLevel } from "effect";
import type { Worker } from "node:worker_threads";
import type { TaskData } from "../module/values.ts";
import type { Answer, FromWorker, SipHandOff, ToWorker, WireError, WorkerInit } from "./protocol.ts";
import { toWireError, wireErrorText } from "./protocol.ts";
import { setImmediate } from "node:timers";
import { spawnThread } from "./spawn.ts";
import { checkFromWorker, checkProtocol } from "./protocol-schema.ts";
import { TaskProgress } from "./progress.ts";
import type { WorkerState, WorkerStats } from "./stats.ts";

/** Restart delays after a crash: initialMs, doubled per crash in a row, at most maxMs. */
export interface RestartPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** A worker that stayed ready this long before crashing starts its backoff from the beginning again. */
const STABLE_MS = 10_000;

export type LogFn = (
  level: LogLevel.LogLevel,
  message: readonly string[],
  annotations: { readonly [key: string]: unknown },
) => void;

/** The main thread's handler of worker requests (WorkerHost.call). */
export type OnWorkerCall = (name: string, data: TaskData, from: { readonly group: string; readonly rank: number }) => void;

/** Where the main thread routes what passes between processes (core/process/switchboard.ts). */
export interface WorkerRouting {
  /** A worker asks process `m.to` to run `m.op`; `from` is the worker's process id. */
  readonly request: (from: number, m: { readonly id: number; readonly to: number; readonly op: string; readonly data: TaskData }) => void;
  /** A worker answers a request the main thread passed to it. */
  readonly answer: (from: number, a: Answer) => void;
  /** A worker hands a SIP message to process `to`. */
  readonly handOver: (from: number, to: number, sip: SipHandOff) => void;
  /** The worker's thread is gone (crash or stop): requests waiting on it fail. */
  readonly gone: (id: number) => void;
}

export interface GroupWorkerEnv {
  readonly group: string;
  readonly rank: number;
  /** worker-entry module. */
  readonly entry: URL;
  readonly init: Omit<WorkerInit, "progress">;
  readonly loadsTypeScript: boolean;
  /** Tasks counted against this worker (posted, not acknowledged) before a push is refused. */
  readonly capacity: number;
  readonly bootTimeoutMs: number;
  readonly restart: RestartPolicy;
  readonly log: LogFn;
  /** Called whenever this worker's load went down (a task finished or was lost). */
  readonly onSettled: () => void;
  /** Runs a worker's request to the main thread (WorkerHost.call). */
  readonly onCall: OnWorkerCall;
  /** Routes requests, answers and SIP hand-overs between processes. */
  readonly routing: WorkerRouting;
}

/** Why the first boot of a worker failed. */
export interface BootFailure {
  readonly rank: number;
  readonly error: WireError;
}

/** A task or a SIP message counted against the worker, kept until acknowledged (redelivered after a crash). */
type QueuedTask =
  | { readonly kind: "task"; readonly task: string; readonly data: TaskData; attempts: number; redelivered?: boolean }
  | { readonly kind: "sip"; readonly task: "sip"; readonly sip: SipHandOff; attempts: number; redelivered?: boolean };

/** A task that was in flight during this many crashes is given up (it may be what crashes the thread). */
const MAX_ATTEMPTS = 2;

/**
 * The main thread's side of one group worker: its thread, the tasks counted against it, restarts
 * after crashes. Driven by the thread's events; the group (group.ts) turns it into Effects.
 *
 * A task counts against the worker from push to acknowledgement. While the worker restarts,
 * pushed tasks wait here (within the same capacity) and are posted once it is ready again.
 */
export class GroupWorker {
  private state: WorkerState = "stopped";
  private thread: Worker | undefined;
  private threadId: number | null = null;
  private nextId = 1;
  private readonly inflight = new Map<number, QueuedTask>();
  private pending: QueuedTask[] = [];
  private done = 0;
  private failed = 0;
  private lost = 0;
  private redelivered = 0;
  private restarts = 0;
  private crashesInRow = 0;
  private readyAt = 0;
  /** Why the current thread is going down (boot failure, uncaught error, boot timeout). */
  private downReason: WireError | undefined;
  private bootTimer: ReturnType<typeof setTimeout> | undefined;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private stopTimer: ReturnType<typeof setTimeout> | undefined;
  private firstBoot: { resolve: () => void; reject: (f: BootFailure) => void } | undefined;
  private exited: Promise<void> = Promise.resolve();

  private readonly progress: TaskProgress;
  private readonly init: WorkerInit;

  constructor(private readonly env: GroupWorkerEnv) {
    const buffer = TaskProgress.allocate(env.capacity);
    this.progress = new TaskProgress(buffer);
    this.init = { ...env.init, progress: buffer };
  }

  get rank(): number {
    return this.env.rank;
  }

  /** ProcessInfo.id of this worker (kept across restarts). */
  get id(): number {
    return this.env.init.id;
  }

  get isReady(): boolean {
    return this.state === "ready";
  }

  /** Tasks counted against this worker now. */
  load(): number {
    return this.inflight.size + this.pending.length;
  }

  stats(): WorkerStats {
    return {
      rank: this.env.rank,
      state: this.state,
      threadId: this.thread !== undefined ? this.threadId : null,
      queued: this.load(),
      done: this.done,
      failed: this.failed,
      lost: this.lost,
      redelivered: this.redelivered,
      restarts: this.restarts,
    };
  }

  /** First boot. Resolves when the thread reported ready; rejects with the reason it did not. */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.firstBoot = { resolve, reject };
      this.launch();
    });
  }

  /**
   * Count a task against this worker and post it (or keep it until the worker is ready again).
   * False if the queue is full or the worker is stopping.
   */
  enqueue(task: string, data: TaskData): boolean {
    return this.accept({ kind: "task", task, data, attempts: 0 });
  }

  /** Count a SIP message against this worker and post it (as `enqueue`). False if the queue is full. */
  enqueueSip(sip: SipHandOff): boolean {
    return this.accept({ kind: "sip", task: "sip", sip, attempts: 0 });
  }

  /** Pass a request from process `from` to this worker; false if its thread is not running. */
  request(id: number, from: number, op: string, data: TaskData): boolean {
    if (this.state !== "ready" || this.thread === undefined) return false;
    this.queueOut(this.thread, { t: "req", id, from, op, data });
    return true;
  }

  /** Deliver the answer to a request this worker made. */
  answer(a: Answer): void {
    if (this.thread !== undefined) this.queueOut(this.thread, a);
  }

  private accept(q: QueuedTask): boolean {
    if (this.load() >= this.env.capacity) return false;
    if (this.state === "ready" && this.thread !== undefined) this.post(this.thread, q);
    else if (this.state === "restarting" || this.state === "booting") this.pending.push(q);
    else return false;
    return true;
  }

  /**
   * Ask the thread to run its shutdown and end; terminate it if it has not ended after
   * `timeoutMs`. Tasks still counted against it are lost (and logged).
   */
  stop(timeoutMs: number): Promise<void> {
    if (this.state === "stopped" || this.state === "stopping") return this.exited;
    this.clearTimer("restartTimer");
    this.clearTimer("bootTimer");
    const thread = this.thread;
    const wasReady = this.state === "ready";
    this.state = "stopping";
    this.loseAll("the group stopped before they were acknowledged");
    if (thread === undefined) {
      this.state = "stopped";
      return this.exited;
    }
    if (wasReady) {
      this.flushOut();
      this.send(thread, { t: "shutdown" });
      this.stopTimer = setTimeout(() => {
        this.log(LogLevel.Warning, `did not stop within ${timeoutMs} ms; terminating its thread`);
        void thread.terminate();
      }, timeoutMs);
    } else {
      void thread.terminate();
    }
    return this.exited;
  }

  /** Terminate the thread now, without its shutdown (used when start-up fails). */
  kill(): Promise<void> {
    if (this.state === "stopped") return this.exited;
    this.clearTimer("restartTimer");
    this.clearTimer("bootTimer");
    this.state = "stopping";
    this.loseAll("the group was stopped");
    if (this.thread === undefined) this.state = "stopped";
    else void this.thread.terminate();
    return this.exited;
  }

  // -------------------------------------------------------------------------------------------

  private launch(): void {
    this.state = "booting";
    this.downReason = undefined;
    const thread = spawnThread(this.env.entry, {
      workerData: this.init,
      name: `sipmod ${this.env.group}#${this.env.rank}`,
      loadsTypeScript: this.env.loadsTypeScript,
    });
    this.thread = thread;
    this.threadId = thread.threadId;
    this.exited = new Promise<void>((resolve) => {
      thread.on("exit", (code: number) => {
        this.onExit(thread, code);
        resolve();
      });
    });
    const check = checkProtocol();
    thread.on("message", (m: FromWorker) => {
      if (check) {
        const r = checkFromWorker(m);
        if (typeof r === "string") return this.log(LogLevel.Error, `SM_THREAD_PROTOCOL: ${r}`);
      }
      this.onMessage(thread, m);
    });
    thread.on("error", (e: unknown) => {
      if (this.thread !== thread) return;
      this.downReason ??= toWireError(e);
      void thread.terminate();
    });
    this.bootTimer = setTimeout(() => {
      this.bootTimer = undefined;
      if (this.thread !== thread || this.state !== "booting") return;
      this.downReason = { message: `did not report ready within ${this.env.bootTimeoutMs} ms` };
      void thread.terminate();
    }, this.env.bootTimeoutMs);
  }

  private onMessage(thread: Worker, m: FromWorker): void {
    if (this.thread !== thread) return;
    switch (m.t) {
      case "batch":
        for (let i = 0; i < m.msgs.length; i++) this.onMessage(thread, m.msgs[i]!);
        return;
      case "ready":
        return this.onReady(thread, m.threadId);
      case "boot-failed":
        this.downReason = m.error;
        void thread.terminate();
        return;
      case "done":
        return this.onDone(m.ids, m.failed);
      case "req":
        return this.env.routing.request(this.id, m);
      case "res":
        return this.env.routing.answer(this.id, m);
      case "sip":
        return this.env.routing.handOver(this.id, m.to, m.sip);
      case "log": {
        const level = LogLevel.allLevels.find((l) => l.label === m.level) ?? LogLevel.Info;
        this.env.log(level, m.message, { ...m.annotations, group: this.env.group, rank: this.env.rank });
        return;
      }
      case "call":
        try {
          this.env.onCall(m.name, m.data, { group: this.env.group, rank: this.env.rank });
        } catch (e) {
          this.log(LogLevel.Error, `request "${m.name}" from the worker failed: ${e instanceof Error ? e.message : String(e)}`);
        }
        return;
      case "stopped":
        if (m.error !== undefined) this.log(LogLevel.Warning, `shutdown failed: ${wireErrorText(m.error)}`, m.error);
        this.clearTimer("stopTimer");
        void thread.terminate();
        return;
    }
  }

  private onReady(thread: Worker, threadId: number): void {
    this.clearTimer("bootTimer");
    if (this.state !== "booting") return;
    this.state = "ready";
    this.readyAt = Date.now();
    // Deno reports threadId 0 inside the thread; keep the main side's id then.
    if (threadId !== 0) this.threadId = threadId;
    const waiting = this.pending;
    this.pending = [];
    for (const t of waiting) this.post(thread, t);
    if (this.firstBoot !== undefined) {
      const fb = this.firstBoot;
      this.firstBoot = undefined;
      fb.resolve();
    } else {
      this.log(LogLevel.Info, `restarted (thread ${this.threadId ?? "?"}), ${waiting.length} waiting task(s) delivered`);
    }
  }

  private onDone(ids: readonly number[], failed: readonly { readonly id: number; readonly error: WireError }[] | undefined): void {
    if (failed !== undefined) {
      for (const f of failed) {
        const q = this.inflight.get(f.id);
        if (q === undefined) continue;
        this.inflight.delete(f.id);
        this.failed++;
        this.log(LogLevel.Warning, `task "${q.task}" failed: ${wireErrorText(f.error)}`, f.error, { task: q.task });
      }
    }
    let settled = 0;
    for (let i = 0; i < ids.length; i++) if (this.inflight.delete(ids[i]!)) settled++;
    this.done += settled;
    if (settled > 0) this.crashesInRow = 0;
    this.env.onSettled();
  }

  private onExit(thread: Worker, code: number): void {
    if (this.thread !== thread) return;
    this.thread = undefined;
    this.clearTimer("bootTimer");
    this.clearTimer("stopTimer");
    if (this.state === "stopping" || this.state === "stopped") {
      this.state = "stopped";
      this.env.routing.gone(this.id);
      this.firstBoot?.reject({ rank: this.env.rank, error: { message: "stopped while booting" } });
      this.firstBoot = undefined;
      return;
    }
    const reason: WireError = this.downReason ?? { message: `thread exited with code ${code}` };
    if (this.firstBoot !== undefined) {
      // The first boot failed: the group's start-up fails; no restart.
      const fb = this.firstBoot;
      this.firstBoot = undefined;
      this.state = "stopped";
      this.loseAll("the worker never started");
      fb.reject({ rank: this.env.rank, error: reason });
      return;
    }
    this.onCrash(reason, this.state === "booting");
  }

  private onCrash(reason: WireError, duringBoot: boolean): void {
    this.env.routing.gone(this.id);
    // What the thread had not acknowledged goes to its replacement, ahead of what waits already;
    // a task that was in flight during MAX_ATTEMPTS crashes is given up (it may be the cause).
    // The thread's progress record tells which unacknowledged tasks had finished (done), which
    // one it started last (the likely cause: run again last, at most MAX_ATTEMPTS times in all),
    // and which never started (run again as they are).
    const again: QueuedTask[] = [];
    const lostNow: string[] = [];
    const last = this.progress.lastStarted();
    let suspect: QueuedTask | undefined;
    for (const [id, q] of this.inflight) {
      if (this.progress.hasFinished(id)) {
        this.done++;
        continue;
      }
      if (id > last) {
        again.push(q);
        continue;
      }
      q.attempts++;
      if (q.attempts >= MAX_ATTEMPTS) lostNow.push(q.task);
      else if (id === last) suspect = q;
      else again.push(q);
    }
    if (suspect !== undefined) again.push(suspect);
    for (const q of again) q.redelivered = true;
    this.inflight.clear();
    this.pending = [...again, ...this.pending];
    this.redelivered += again.length;
    this.lost += lostNow.length;
    if (!duringBoot && Date.now() - this.readyAt > STABLE_MS) this.crashesInRow = 0;
    this.crashesInRow++;
    const delay = Math.min(
      this.env.restart.initialMs * 2 ** Math.min(this.crashesInRow - 1, 30),
      this.env.restart.maxMs,
    );
    const what = duringBoot ? "failed to boot after a restart" : "crashed";
    const lostText =
      (again.length > 0 ? `${again.length} unacknowledged task(s) go to the replacement; ` : "") +
      (lostNow.length === 0 ? "none lost" : `${lostNow.length} task(s) in flight in two crashes lost (${summarize(lostNow)})`);
    this.log(
      LogLevel.Error,
      `SM_GROUP_WORKER_CRASHED: worker ${this.env.group}#${this.env.rank} ${what}: ${wireErrorText(reason)}; ` +
        `${lostText}; restarting in ${delay} ms`,
      reason,
      { code: "SM_GROUP_WORKER_CRASHED", lost: lostNow.length },
    );
    this.state = "restarting";
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.state !== "restarting") return;
      this.restarts++;
      this.launch();
    }, delay);
    if (lostNow.length > 0) this.env.onSettled();
  }

  private post(thread: Worker, q: QueuedTask): void {
    const id = this.nextId++;
    this.inflight.set(id, q);
    const careful = q.redelivered ? ({ careful: true } as const) : {};
    this.queueOut(thread, q.kind === "sip" ? { t: "sip", id, sip: q.sip, ...careful } : { t: "task", id, task: q.task, data: q.data, ...careful });
  }

  private outbox: ToWorker[] = [];
  private outboxThread: Worker | undefined;

  /**
   * Messages for the thread leave as one `batch` per turn of the event loop (one postMessage
   * costs as much as about thirty more messages in the same batch).
   */
  private queueOut(thread: Worker, m: ToWorker): void {
    if (this.outboxThread !== thread) {
      this.flushOut();
      this.outboxThread = thread;
    }
    this.outbox.push(m);
    if (this.outbox.length === 1) setImmediate(this.flushOut);
  }

  private readonly flushOut = (): void => {
    const thread = this.outboxThread;
    const msgs = this.outbox;
    if (msgs.length === 0) return;
    this.outbox = [];
    if (thread === undefined || thread !== this.thread) return; // the thread went away: the tasks are redelivered
    this.send(thread, msgs.length === 1 ? msgs[0]! : { t: "batch", msgs });
  };

  private send(thread: Worker, m: ToWorker): void {
    thread.postMessage(m);
  }

  private loseAll(why: string): void {
    if (this.thread !== undefined || this.state === "stopping") this.env.routing.gone(this.id);
    const names = [...this.inflight.values(), ...this.pending].map((t) => t.task);
    this.inflight.clear();
    this.pending = [];
    if (names.length === 0) return;
    this.lost += names.length;
    this.log(LogLevel.Warning, `${names.length} task(s) lost because ${why} (${summarize(names)})`, undefined, {
      lost: names.length,
    });
    this.env.onSettled();
  }

  private clearTimer(which: "bootTimer" | "restartTimer" | "stopTimer"): void {
    const t = this[which];
    if (t !== undefined) clearTimeout(t);
    this[which] = undefined;
  }

  private log(
    level: LogLevel.LogLevel,
    text: string,
    error?: WireError,
    extra: { readonly [key: string]: unknown } = {},
  ): void {
    const message = [`process group ${this.env.group} worker #${this.env.rank}: ${text}`];
    if (error?.detail !== undefined) message.push(error.detail);
    this.env.log(level, message, { ...extra, group: this.env.group, rank: this.env.rank });
  }
}

/** `a, b x3, c` — task names with counts, at most 5 distinct. */
const summarize = (names: readonly string[]): string => {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  const parts = [...counts].slice(0, 5).map(([n, c]) => (c > 1 ? `${n} x${c}` : n));
  return counts.size > 5 ? `${parts.join(", ")}, ...` : parts.join(", ");
};
