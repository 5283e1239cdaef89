/** Edit distance (insert, delete, substitute, swap of neighbours), for "did you mean" hints. */
const distance = (a: string, b: string): number => {
  const m = a.length;
  const n = b.length;
  const d: number[][] = [];
  for (let i = 0; i <= m; i++) d.push([i]);
  for (let j = 1; j <= n; j++) d[0]![j] = j;
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[m]![n]!;
};

/**
 * The candidate closest to `word` if it is close enough to be a likely typo (case is ignored;
 * at most a third of the word's letters differ), else undefined.
 */
export const didYouMean = (word: string, candidates: Iterable<string>): string | undefined => {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dist = distance(w, c.toLowerCase());
    if (dist < bestD) {
      bestD = dist;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(w.length, best.length) / 3));
  return bestD <= limit ? best : undefined;
};

/** " (did you mean "x"?)" or "". */
export const didYouMeanSuffix = (word: string, candidates: Iterable<string>): string => {
  const s = didYouMean(word, candidates);
  return s === undefined ? "" : ` (did you mean "${s}"?)`;
};
