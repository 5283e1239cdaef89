import type { TaskData } from "../module/values.ts";
import type { GroupWorker, WorkerRouting } from "./group-worker.ts";
import { PendingRequests } from "./pending-requests.ts";
import type { ProcessRequestHandlers } from "./process-calls.ts";
import type { Answer, SipHandOff, WireError } from "./protocol.ts";

interface Relayed {
  readonly from: number;
  readonly id: number;
  readonly to: number;
  readonly at: number;
}

/** A relayed request with no answer after this long is forgotten (the requester timed out long ago). */
const RELAY_FORGET_MS = 10 * 60_000;

/**
 * The main thread's router of everything that passes between processes: requests (by process
 * id, with correlation ids), their answers, and SIP messages handed to the process that must
 * route them. Workers never talk to each other directly: a request from worker A to worker B is
 * relayed here under an id of the main thread's own, and B's answer goes back to A under A's id.
 * When a worker's thread goes away, every request waiting on it fails with SM_THREAD_GONE.
 */
export class Switchboard implements WorkerRouting {
  private readonly workers = new Map<number, GroupWorker>();
  /** Requests the main thread made (positive ids). */
  private readonly mine = new PendingRequests();
  /** Requests relayed between two workers, by the negative id main gave them. */
  private readonly relayed = new Map<number, Relayed>();
  private nextRelay = 1;
  /** Main's own request handlers (requests to process 0). */
  handlers: ProcessRequestHandlers | undefined;
  /** Routes a SIP message handed to the main thread. */
  mainSip: ((sip: SipHandOff) => void) | undefined;
  /** A SIP message that no process could take (queue full, no such process). */
  onRefused: (to: number, why: string) => void = () => {};

  register(w: GroupWorker): void {
    this.workers.set(w.id, w);
  }

  /** A request from the main thread to process `to` (a worker). */
  requestFromMain(to: number, op: string, data: TaskData, timeoutMs: number): Promise<TaskData> {
    const w = this.workers.get(to);
    if (w === undefined) return Promise.reject<TaskData>(gone(to, op, "there is no such process"));
    return this.mine.add(to, op, timeoutMs, (id) => {
      if (!w.request(id, 0, op, data)) throw new Error("its thread is not running");
    });
  }

  /** Hand a SIP message to process `to` (0: the main thread). False when it was refused. */
  handOverTo(to: number, sip: SipHandOff): boolean {
    if (to === 0) {
      if (this.mainSip === undefined) return false;
      this.mainSip(sip);
      return true;
    }
    const w = this.workers.get(to);
    if (w === undefined) {
      this.onRefused(to, "there is no such process");
      return false;
    }
    if (w.enqueueSip(sip)) return true;
    this.onRefused(to, `its queue is full (${w.load()} queued)`);
    return false;
  }

  // --------------------------------------------------------------- WorkerRouting (events from workers)

  readonly request = (from: number, m: { readonly id: number; readonly to: number; readonly op: string; readonly data: TaskData }): void => {
    const back = (a: Answer): void => this.workers.get(from)?.answer(a);
    if (m.to === 0) {
      const h = this.handlers;
      if (h === undefined) return back({ t: "res", id: m.id, ok: false, error: gone(0, m.op, "the main thread is not ready") });
      h.run(m.op, m.data, from).then(
        (data) => back({ t: "res", id: m.id, ok: true, data }),
        (error: WireError) => back({ t: "res", id: m.id, ok: false, error }),
      );
      return;
    }
    const target = this.workers.get(m.to);
    const relayId = -this.nextRelay++;
    if (this.nextRelay > 0x7fffffff) this.nextRelay = 1;
    if (target === undefined) return back({ t: "res", id: m.id, ok: false, error: gone(m.to, m.op, "there is no such process") });
    this.relayed.set(relayId, { from, id: m.id, to: m.to, at: Date.now() });
    if (!target.request(relayId, from, m.op, m.data)) {
      this.relayed.delete(relayId);
      return back({ t: "res", id: m.id, ok: false, error: gone(m.to, m.op, "its thread is not running") });
    }
    if ((-relayId & 1023) === 0) this.forgetOld();
  };

  readonly answer = (_from: number, a: Answer): void => {
    if (a.id > 0) {
      this.mine.settle(a);
      return;
    }
    const r = this.relayed.get(a.id);
    if (r === undefined) return;
    this.relayed.delete(a.id);
    this.workers.get(r.from)?.answer({ ...a, id: r.id });
  };

  readonly handOver = (_from: number, to: number, sip: SipHandOff): void => {
    this.handOverTo(to, sip);
  };

  readonly gone = (id: number): void => {
    this.mine.failAll(id, "its thread ended");
    for (const [relayId, r] of this.relayed) {
      if (r.to !== id) continue;
      this.relayed.delete(relayId);
      this.workers.get(r.from)?.answer({ t: "res", id: r.id, ok: false, error: gone(id, "request", "its thread ended") });
    }
  };

  /** Fail everything the main thread waits for (shutdown). */
  close(): void {
    this.mine.failAll(undefined, "the server is stopping");
  }

  private forgetOld(): void {
    const limit = Date.now() - RELAY_FORGET_MS;
    for (const [id, r] of this.relayed) if (r.at < limit) this.relayed.delete(id);
  }
}

const gone = (to: number, op: string, why: string): WireError => ({
  code: "SM_THREAD_GONE",
  message: `request "${op}" to process ${to} failed: ${why}`,
});
