import { Context, Effect } from "effect";
import type { CallContext } from "../../core/module/call-context.ts";
import type { ContinueAt } from "../../core/module/continuation.ts";
import type { ProcessCallsApi, ProcessGroupsApi } from "../../core/module/core-services.ts";
import { AvpStore, XavpStore } from "../../core/module/script-stores.ts";
import { TimerQueue } from "../../core/module/timer-queue.ts";
import type { TaskData } from "../../core/module/values.ts";
import type { TmApi } from "../tm/api.ts";
import { AsyncStats } from "./async-stats.ts";
import { MAX_MS_QUEUE, RESUME_TIMEOUT_MS, type AsyncParams } from "./params.ts";

/** The request a route running for another thread's transaction sends its owner to suspend it. */
export const ASYNC_SUSPEND = "async.suspend";
/** The request that reads a thread's async counters (async.stats gathers every thread). */
export const ASYNC_STATS = "async.stats";

export type AsyncLog = (level: "Info" | "Warning" | "Error", text: string) => void;

/** What resumes a suspension, and where: the route or the rest of a block, on a worker of `group`. */
export interface Resumption {
  readonly at: ContinueAt;
  readonly group: string;
  /** Counted against the millisecond queue limit. */
  readonly ms: boolean;
}

/**
 * One thread's async machinery. A suspension lives in the thread that owns its transaction: one
 * sorted timer queue (one OS timer for any number of suspensions) fires at the due millisecond
 * and hands the continuation to a worker of the resuming group (the least busy one, as seen from
 * here), which runs it and acts on the transaction through its owner (tm's identity handle).
 * When the resumed route ends without a final reply or a relay, tm answers 500; when the worker
 * dies or does not answer, the same.
 */
export class AsyncCore {
  readonly stats = new AsyncStats();
  private readonly timers = new TimerQueue();
  private readonly busy = new Map<number, number>();
  private rr = 0;
  private msQueued = 0;

  constructor(
    readonly params: AsyncParams,
    private readonly tm: TmApi,
    private readonly calls: ProcessCallsApi,
    private readonly groups: ProcessGroupsApi,
    private readonly log: AsyncLog,
  ) {}

  /** A call that returns false before anything is suspended: counted, and logged when `why` is given. */
  refuse(why?: string): -1 {
    this.stats.refused++;
    if (why !== undefined) this.log("Warning", why);
    return -1;
  }

  /** True when `group` has workers to resume on. */
  canResumeIn(group: string): boolean {
    return this.groups.ids(group).length > 0;
  }

  /** True (refused, logged) when this thread, which owns the transaction, already has MAX_MS_QUEUE millisecond suspensions waiting. */
  private msFull(how: Resumption): boolean {
    if (!how.ms || this.msQueued < MAX_MS_QUEUE) return false;
    this.refuse(`async_ms_*: the millisecond queue of the owning thread is full (${MAX_MS_QUEUE} waiting)`);
    return true;
  }

  /**
   * Suspend the transaction of `ctx` (created if needed) and resume it after `delayMs` as `how`
   * says. The success code is the `return` parameter; -1 when nothing could be suspended.
   */
  suspend(ctx: CallContext, delayMs: number, how: Resumption): number | Effect.Effect<number> {
    const remote = this.tm.remoteOf(ctx);
    if (remote !== undefined) {
      // A route running for another thread's transaction (a resumed route): its owner suspends it.
      const data: TaskData = {
        index: remote.index,
        label: remote.label,
        delayMs,
        at: how.at as unknown as TaskData,
        group: how.group,
        ms: how.ms,
        flags: ctx.flags,
        avps: ctx.avps.toData(),
        xavps: ctx.xavps.toData(),
      };
      return this.calls.request(remote.owner, ASYNC_SUSPEND, data).pipe(
        Effect.map((v) => (typeof v === "number" ? v : -1)),
        Effect.catchAll((e) =>
          Effect.as(Effect.sync(() => this.log("Warning", `suspending transaction ${remote.index}:${remote.label} in thread ${remote.owner}: ${e.message}`)), -1),
        ),
      );
    }
    if (this.msFull(how)) return -1;
    const s = this.tm.suspend(ctx);
    if (s === 1) return this.params.return; // canceled meanwhile: nothing to resume (Kamailio: success too)
    if (typeof s !== "object") return -1;
    this.schedule(s.index, s.label, delayMs, how);
    return this.params.return;
  }

  /** ASYNC_SUSPEND in the owning thread: suspend by identity and schedule. */
  suspendHere(d: { readonly [k: string]: unknown }): number {
    const how: Resumption = { at: d["at"] as unknown as ContinueAt, group: d["group"] as string, ms: d["ms"] === true };
    if (this.msFull(how)) return -1;
    const index = d["index"] as number;
    const label = d["label"] as number;
    const s = this.tm.suspendIdent(index, label, {
      flags: d["flags"] as number,
      avps: AvpStore.fromData(d["avps"] as TaskData),
      xavps: XavpStore.fromData(d["xavps"] as TaskData),
    });
    if (s === 1) return this.params.return;
    if (typeof s !== "object") return -1;
    this.schedule(s.index, s.label, d["delayMs"] as number, how);
    return this.params.return;
  }

  private schedule(index: number, label: number, delayMs: number, how: Resumption): void {
    this.stats.suspended++;
    this.stats.waiting++;
    if (how.ms) this.msQueued++;
    this.timers.after(delayMs, () => {
      this.stats.waiting--;
      if (how.ms) this.msQueued--;
      this.fire(index, label, how);
    });
  }

  private fire(index: number, label: number, how: Resumption): void {
    const to = this.pick(how.group);
    if (to === undefined) {
      this.stats.failed++;
      this.log("Error", `no worker in group "${how.group}" to resume transaction ${index}:${label}`);
      this.tm.cancelSuspend(index, label);
      return;
    }
    this.busy.set(to, (this.busy.get(to) ?? 0) + 1);
    const done = (r: number): void => {
      this.busy.set(to, (this.busy.get(to) ?? 1) - 1);
      if (r === 0) this.stats.resumed++;
      else this.stats.expired++;
    };
    try {
      const r = this.tm.resumeIn(index, label, how.at, to, RESUME_TIMEOUT_MS);
      if (r instanceof Promise) r.then(done, () => done(-1));
      else done(r);
    } catch (e) {
      done(-1);
      this.log("Error", `resuming transaction ${index}:${label}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** The worker of `group` with the fewest resumed routes running from this thread; round robin among equals. */
  pick(group: string): number | undefined {
    const ids = this.groups.ids(group);
    const n = ids.length;
    if (n === 0) return undefined;
    const start = this.rr++ % n;
    let best = ids[start]!;
    let bestLoad = this.busy.get(best) ?? 0;
    for (let i = 1; i < n && bestLoad > 0; i++) {
      const id = ids[(start + i) % n]!;
      const load = this.busy.get(id) ?? 0;
      if (load < bestLoad) {
        best = id;
        bestLoad = load;
      }
    }
    return best;
  }

  stop(): void {
    this.timers.stop();
  }
}

export class Async extends Context.Tag("sipmod/async")<Async, AsyncCore>() {}
