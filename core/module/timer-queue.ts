/**
 * One sorted queue (an indexed binary min-heap) of the process's tm timers, driven by a single OS
 * timer armed for the earliest entry: thousands of transactions cost one setTimeout, not one each.
 * Cancelling removes the entry at once (O(log n)), so a finished transaction is not kept alive by
 * the closures of its timers. Times are monotonic milliseconds.
 */
export interface TimerEntry {
  readonly due: number;
  /** Insertion order, so entries due at the same time fire first-in first-out. */
  readonly seq: number;
  /** Position in the heap; -1 once fired or cancelled. */
  pos: number;
  fire: (() => void) | undefined;
}

export class TimerQueue {
  private readonly heap: TimerEntry[] = [];
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedFor = Infinity;
  private stopped = false;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Entries waiting to fire. */
  get size(): number {
    return this.heap.length;
  }

  /** Run `fire` in `delayMs` ms. */
  after(delayMs: number, fire: () => void): TimerEntry {
    const e: TimerEntry = { due: this.now() + Math.max(0, delayMs), seq: this.seq++, pos: -1, fire };
    if (this.stopped) return e;
    this.push(e);
    if (e.due < this.armedFor) this.arm();
    return e;
  }

  cancel(e: TimerEntry | undefined): void {
    if (e === undefined || e.pos < 0) return;
    this.removeAt(e.pos);
    e.fire = undefined;
  }

  /** Stop for good: nothing fires after this. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const e of this.heap) {
      e.pos = -1;
      e.fire = undefined;
    }
    this.heap.length = 0;
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
    const top = this.heap[0];
    if (top === undefined) return;
    this.armedFor = top.due;
    const t = setTimeout(() => this.run(), Math.max(0, Math.ceil(top.due - this.now())));
    (t as { unref?: () => void }).unref?.();
    this.timer = t;
  }

  private run(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = this.now();
    // Entries added while firing that are already due run in this pass too (bounded).
    let budget = this.heap.length + 1024;
    while (this.heap.length > 0 && budget-- > 0) {
      const top = this.heap[0]!;
      if (top.due > now + 0.5) break;
      this.removeAt(0);
      const fire = top.fire;
      top.fire = undefined;
      try {
        fire?.();
      } catch {
        // A timer action that throws must not stop the others (tm logs inside its actions).
      }
    }
    this.arm();
  }

  private less(a: TimerEntry, b: TimerEntry): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private place(e: TimerEntry, i: number): void {
    this.heap[i] = e;
    e.pos = i;
  }

  private push(e: TimerEntry): void {
    this.heap.push(e);
    e.pos = this.heap.length - 1;
    this.up(e.pos);
  }

  private removeAt(i: number): void {
    const h = this.heap;
    const e = h[i]!;
    const last = h.pop()!;
    e.pos = -1;
    if (i < h.length) {
      this.place(last, i);
      this.down(i);
      this.up(last.pos);
    }
  }

  private up(i: number): void {
    const h = this.heap;
    const e = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!this.less(e, parent)) break;
      this.place(parent, i);
      i = p;
    }
    this.place(e, i);
  }

  private down(i: number): void {
    const h = this.heap;
    const e = h[i]!;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(h[r]!, h[l]!) ? r : l;
      if (!this.less(h[c]!, e)) break;
      this.place(h[c]!, i);
      i = c;
    }
    this.place(e, i);
  }
}
