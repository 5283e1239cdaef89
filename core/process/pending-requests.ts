import type { TaskData } from "../module/values.ts";
import type { Answer, WireError } from "./protocol.ts";

interface Waiting {
  readonly resolve: (data: TaskData) => void;
  readonly reject: (e: WireError) => void;
  readonly deadline: number;
  /** The process the request went to (failAll on its crash). */
  readonly to: number;
  readonly op: string;
}

/**
 * The requests this thread sent and waits for, by correlation id. One sweep timer (while any
 * request waits) ends those past their deadline with SM_THREAD_TIMEOUT, so a thousand waiting
 * requests cost one timer, not a thousand.
 */
export class PendingRequests {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private sweep: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly sweepMs = 50) {}

  get size(): number {
    return this.waiting.size;
  }

  /** Register a request; `send(id)` posts it. The Promise settles with the answer or a failure. */
  add(to: number, op: string, timeoutMs: number, send: (id: number) => void): Promise<TaskData> {
    return new Promise<TaskData>((resolve, reject) => {
      const id = this.nextId++;
      if (this.nextId > 0x7fffffff) this.nextId = 1;
      this.waiting.set(id, { resolve, reject, deadline: Date.now() + timeoutMs, to, op });
      this.arm();
      try {
        send(id);
      } catch (e) {
        this.waiting.delete(id);
        reject({ code: "SM_THREAD_GONE", message: `request "${op}" to process ${to} could not be sent: ${e instanceof Error ? e.message : String(e)}` });
      }
    });
  }

  /** An answer arrived: settle its request (an unknown id, e.g. one that timed out, is ignored). */
  settle(a: Answer): boolean {
    const w = this.waiting.get(a.id);
    if (w === undefined) return false;
    this.waiting.delete(a.id);
    if (a.ok) w.resolve(a.data);
    else w.reject(a.error);
    this.disarmIfIdle();
    return true;
  }

  /** Fail every request sent to `to` (it crashed or stopped), or every request when `to` is undefined. */
  failAll(to: number | undefined, why: string): void {
    for (const [id, w] of this.waiting) {
      if (to !== undefined && w.to !== to) continue;
      this.waiting.delete(id);
      w.reject({ code: "SM_THREAD_GONE", message: `request "${w.op}" to process ${w.to} failed: ${why}` });
    }
    this.disarmIfIdle();
  }

  private arm(): void {
    if (this.sweep !== undefined) return;
    this.sweep = setInterval(() => this.expire(), this.sweepMs);
    (this.sweep as { unref?: () => void }).unref?.();
  }

  private disarmIfIdle(): void {
    if (this.waiting.size > 0 || this.sweep === undefined) return;
    clearInterval(this.sweep);
    this.sweep = undefined;
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, w] of this.waiting) {
      if (w.deadline > now) continue;
      this.waiting.delete(id);
      w.reject({ code: "SM_THREAD_TIMEOUT", message: `request "${w.op}" to process ${w.to} got no answer in time` });
    }
    this.disarmIfIdle();
  }
}
