import type { LoadedManifest } from "../manifest/loaded-manifest.ts";
import { coreGroups } from "../manifest/core-groups.ts";
import type { ProcessGroupSpec } from "../process/groups.ts";
import { RECEIVER_GROUP } from "../module/process-info.ts";

export { RECEIVER_GROUP } from "../module/process-info.ts";

/**
 * Every process group the server runs: the `children` receivers (when more than one), the
 * core's (async_workers, groups), then the modules'. Process ids follow this order from 1.
 */
export const serverGroupSpecs = (loaded: LoadedManifest): readonly ProcessGroupSpec[] => [
  ...(loaded.core.children > 1
    ? [{ name: RECEIVER_GROUP, size: loaded.core.children, queue: loaded.core.receiver_queue }]
    : []),
  ...coreGroups(loaded.core).map((g) => ({ name: g.name, size: g.workers, queue: g.queue, concurrency: g.concurrency })),
  ...loaded.modules.flatMap((m) =>
    (m.decl.groups?.(m.params as never) ?? []).map((g) => ({ name: g.name, size: g.size, ...(g.queue !== undefined ? { queue: g.queue } : {}) })),
  ),
];

/** Process ids by group name (each group's workers by rank). */
export type GroupIds = Readonly<Record<string, readonly number[]>>;

/** Process ids as makeProcessGroups gives them: 0 is main, then each group's workers in order. */
export const processIds = (specs: readonly ProcessGroupSpec[]): { readonly all: readonly number[]; readonly byGroup: GroupIds } => {
  const all = [0];
  const byGroup: Record<string, number[]> = {};
  for (const s of specs) {
    const mine: number[] = [];
    for (let r = 0; r < s.size; r++) {
      mine.push(all.length);
      all.push(all.length);
    }
    byGroup[s.name] = mine;
  }
  return { all, byGroup };
};
