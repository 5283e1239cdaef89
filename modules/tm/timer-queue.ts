/**
 * One sorted queue (a binary min-heap) of the process's tm timers, driven by a single OS timer
 * armed for the earliest entry: thousands of transactions cost one setTimeout, not one each.
 * Cancelled entries are dropped lazily when they reach the top. Times are monotonic milliseconds.
 */
export interface TimerEntry {
  readonly due: number;
  /** Insertion order, so entries due at the same time fire first-in first-out. */
  readonly seq: number;
  cancelled: boolean;
  readonly fire: () => void;
}

export class TimerQueue {
  private readonly heap: TimerEntry[] = [];
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedFor = Infinity;
  private stopped = false;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Live entries (cancelled ones still in the heap are counted until they are dropped). */
  get size(): number {
    return this.heap.length;
  }

  /** Run `fire` in `delayMs` ms. */
  after(delayMs: number, fire: () => void): TimerEntry {
    const e: TimerEntry = { due: this.now() + Math.max(0, delayMs), seq: this.seq++, cancelled: false, fire };
    this.push(e);
    if (e.due < this.armedFor) this.arm();
    return e;
  }

  cancel(e: TimerEntry | undefined): void {
    if (e !== undefined) e.cancelled = true;
  }

  /** Stop for good: nothing fires after this. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.heap.length = 0;
  }

  private arm(): void {
    if (this.stopped) return;
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
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
    // Entries added while firing that are already due run in this pass too (bounded by the heap).
    let budget = this.heap.length + 1024;
    while (this.heap.length > 0 && budget-- > 0) {
      const top = this.heap[0]!;
      if (top.cancelled) {
        this.pop();
        continue;
      }
      if (top.due > now + 0.5) break;
      this.pop();
      try {
        top.fire();
      } catch {
        // A timer action that throws must not stop the others (tm logs inside its actions).
      }
    }
    this.arm();
  }

  private less(a: TimerEntry, b: TimerEntry): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private push(e: TimerEntry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): TimerEntry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
