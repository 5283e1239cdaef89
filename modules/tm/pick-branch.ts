import type { Branch } from "./transaction.ts";

/**
 * Preference of a final reply when every branch has failed (RFC 3261 §16.7 step 6, as Kamailio's
 * tm orders them): 6xx first; then 3xx, 4xx, 5xx by class; inside 4xx the replies a client can act
 * on (401, 407, 415, 420, 484) before the others; 503 last of all (it means "this hop is
 * overloaded", not the answer). Lower is better; ties go to the branch that answered first.
 */
const preference = (code: number): number => {
  const cls = Math.floor(code / 100);
  if (cls === 6) return 0;
  if (cls === 2) return 1;
  if (code === 503) return 9000;
  if (cls === 4 && (code === 401 || code === 407 || code === 415 || code === 420 || code === 484)) return 3000;
  return cls * 1000 + 500;
};

/** The branch (from `first` on) whose final reply goes upstream, or -1 when none has one. */
export const pickBranch = (branches: readonly Branch[], first: number): number => {
  let best = -1;
  let bestPref = Infinity;
  for (let i = first; i < branches.length; i++) {
    const b = branches[i]!;
    if (b.lastReceived < 200) continue;
    const p = preference(b.lastReceived);
    if (p < bestPref) {
      best = i;
      bestPref = p;
    }
  }
  return best;
};
