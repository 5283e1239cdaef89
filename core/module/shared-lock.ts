/**
 * A mutex in one Int32 word of shared memory (a SharedMemory segment), for data every thread of
 * the server reads and writes: 0 free, 1 held, 2 held with waiters (the futex scheme). A short
 * spin first, then Atomics.wait; unlock wakes one waiter only when there are waiters.
 * Critical sections must be short and must not call out.
 */
export const lockWord = (a: Int32Array, index: number): void => {
  let c = Atomics.compareExchange(a, index, 0, 1);
  if (c === 0) return;
  for (let spin = 0; spin < 64 && c !== 0; spin++) c = Atomics.compareExchange(a, index, 0, 1);
  if (c === 0) return;
  do {
    if (c === 2 || Atomics.compareExchange(a, index, 1, 2) !== 0) Atomics.wait(a, index, 2, 50);
    c = Atomics.compareExchange(a, index, 0, 2);
  } while (c !== 0);
};

export const unlockWord = (a: Int32Array, index: number): void => {
  if (Atomics.sub(a, index, 1) !== 1) {
    Atomics.store(a, index, 0);
    Atomics.notify(a, index, 1);
  }
};

/** Run `f` with the lock in word `index` of `a` held. */
export const withLockWord = <A>(a: Int32Array, index: number, f: () => A): A => {
  lockWord(a, index);
  try {
    return f();
  } finally {
    unlockWord(a, index);
  }
};
