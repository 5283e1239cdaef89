/**
 * Initialisation order: modules start after the modules they `require` and after the enabled
 * modules they list in `after`; otherwise in the order they were listed. Kahn's algorithm that
 * always takes the earliest-listed ready module, so the result is stable.
 */

export interface OrderNode {
  readonly name: string;
  /** Names this node must start after (requires + enabled `after`), all of them enabled. */
  readonly deps: readonly string[];
}

export type OrderResult =
  | { readonly ok: true; readonly order: readonly number[] }
  | { readonly ok: false; readonly cycles: readonly (readonly string[])[] };

/** Strongly connected components that contain a cycle (Tarjan), each as node indices. */
const cyclicComponents = (n: number, edges: readonly (readonly number[])[]): number[][] => {
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  const visit = (v: number): void => {
    index[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = true;
    for (const w of edges[v]!) {
      if (index[w] === -1) {
        visit(w);
        low[v] = Math.min(low[v]!, low[w]!);
      } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
    }
    if (low[v] === index[v]) {
      const comp: number[] = [];
      for (;;) {
        const w = stack.pop()!;
        onStack[w] = false;
        comp.push(w);
        if (w === v) break;
      }
      if (comp.length > 1 || edges[v]!.includes(v)) out.push(comp.sort((a, b) => a - b));
    }
  };
  for (let v = 0; v < n; v++) if (index[v] === -1) visit(v);
  return out.sort((a, b) => a[0]! - b[0]!);
};

/** A shortest cycle through `start` inside `comp` (BFS), as indices, start repeated at the end. */
const cycleThrough = (start: number, comp: ReadonlySet<number>, edges: readonly (readonly number[])[]): number[] => {
  const prev = new Map<number, number>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of edges[v]!) {
      if (!comp.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let x = v; x !== start; x = prev.get(x)!) path.push(x);
        path.push(start);
        // path is start, ..., v reversed from v; put it in edge order.
        const inner = path.slice(1, -1).reverse();
        return [start, ...inner, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
};

export const initOrder = (nodes: readonly OrderNode[]): OrderResult => {
  const idx = new Map(nodes.map((n, i) => [n.name, i]));
  const edges = nodes.map((n) => n.deps.map((d) => idx.get(d)).filter((x): x is number => x !== undefined));
  const cycles = cyclicComponents(nodes.length, edges);
  if (cycles.length > 0)
    return {
      ok: false,
      cycles: cycles.map((comp) => cycleThrough(comp[0]!, new Set(comp), edges).map((i) => nodes[i]!.name)),
    };
  const placed = new Array<boolean>(nodes.length).fill(false);
  const order: number[] = [];
  while (order.length < nodes.length) {
    for (let i = 0; i < nodes.length; i++) {
      if (placed[i] || !edges[i]!.every((d) => placed[d])) continue;
      placed[i] = true;
      order.push(i);
      break;
    }
  }
  return { ok: true, order };
};
