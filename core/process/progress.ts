/**
 * What a worker thread has done with its tasks, in memory the main thread can read after the
 * thread died: slot 0 holds the id of the task it started last; slots 1..N are a ring where each
 * finished task's id is written at `1 + (id & mask)`. Acknowledgements travel in batches, so a
 * crash can come between a task's end and its `done` message: the ring tells the main thread
 * which of the unacknowledged tasks had in fact finished, which one was running (the likely cause
 * of the crash) and which never started, so that only the right ones are run again.
 */
export class TaskProgress {
  private readonly cells: Int32Array;
  private readonly mask: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.cells = new Int32Array(buffer);
    this.mask = this.cells.length - 2;
  }

  /** A buffer for a worker whose queue holds `capacity` tasks. */
  static allocate(capacity: number): SharedArrayBuffer {
    let ring = 64;
    while (ring < capacity * 2) ring *= 2;
    return new SharedArrayBuffer((ring + 1) * 4);
  }

  started(id: number): void {
    Atomics.store(this.cells, 0, id);
  }

  finished(id: number): void {
    Atomics.store(this.cells, 1 + (id & this.mask), id);
  }

  lastStarted(): number {
    return Atomics.load(this.cells, 0);
  }

  hasFinished(id: number): boolean {
    return Atomics.load(this.cells, 1 + (id & this.mask)) === id;
  }
}
