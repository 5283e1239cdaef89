/**
 * A value that is usually there at once and sometimes only later. The interpreter runs every
 * closure synchronously and returns plain values; when a config function's Effect has to wait
 * (I/O, a timer), the closure returns a `Pending` and the closures above it chain the rest of
 * their work onto it. The fast path costs one `instanceof`/`typeof` check per step.
 */
export class Pending<T> {
  constructor(readonly promise: Promise<T>) {}

  /** Continue with `f` once the value is there; `f` may itself be pending. */
  then<U>(f: (v: T) => Maybe<U>): Pending<U> {
    return new Pending(
      this.promise.then((v) => {
        const r = f(v);
        return r instanceof Pending ? r.promise : r;
      }),
    );
  }

  /** Handle a rejection of the kind `is` accepts; others stay rejections. */
  recover<E>(is: (e: unknown) => e is E, f: (e: E) => Maybe<T>): Pending<T> {
    return new Pending(
      this.promise.catch((e: unknown) => {
        if (!is(e)) throw e;
        const r = f(e);
        return r instanceof Pending ? r.promise : r;
      }),
    );
  }
}

export type Maybe<T> = T | Pending<T>;

/** `f(v)` now, or once `v` is there. */
export const andThen = <T, U>(v: Maybe<T>, f: (v: T) => Maybe<U>): Maybe<U> =>
  v instanceof Pending ? v.then(f) : f(v);

/** Run `f`; a thrown or rejected error accepted by `is` becomes `onError(e)`. */
export const attempt = <T, E>(f: () => Maybe<T>, is: (e: unknown) => e is E, onError: (e: E) => Maybe<T>): Maybe<T> => {
  let r: Maybe<T>;
  try {
    r = f();
  } catch (e) {
    if (is(e)) return onError(e);
    throw e;
  }
  return r instanceof Pending ? r.recover(is, onError) : r;
};

/** Evaluate `n` steps in order (each may be pending), collecting their results. */
export const sequence = <T>(n: number, step: (i: number) => Maybe<T>): Maybe<T[]> => {
  const out = new Array<T>(n);
  const from = (i: number): Maybe<T[]> => {
    for (; i < n; i++) {
      const v = step(i);
      if (v instanceof Pending) {
        const k = i;
        return v.then((x) => {
          out[k] = x;
          return from(k + 1);
        });
      }
      out[i] = v;
    }
    return out;
  };
  return from(0);
};
