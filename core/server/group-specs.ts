import type { LoadedManifest } from "../manifest/loaded-manifest.ts";
import { coreGroups } from "../manifest/core-groups.ts";
import type { ProcessGroupSpec } from "../process/groups.ts";

/** Every process group the server runs: the core's (async_workers, groups) then the modules'. */
export const serverGroupSpecs = (loaded: LoadedManifest): readonly ProcessGroupSpec[] => [
  ...coreGroups(loaded.core).map((g) => ({ name: g.name, size: g.workers, queue: g.queue })),
  ...loaded.modules.flatMap((m) =>
    (m.decl.groups?.(m.params as never) ?? []).map((g) => ({ name: g.name, size: g.size, ...(g.queue !== undefined ? { queue: g.queue } : {}) })),
  ),
];
