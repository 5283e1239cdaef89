import { DEFAULT_GROUP_CONCURRENCY, DEFAULT_GROUP_QUEUE, type CoreParams } from "./core-params.ts";

/** A process group the core runs, with its size settled. */
export interface CoreGroup {
  readonly name: string;
  readonly workers: number;
  readonly queue: number;
  readonly concurrency: number;
}

/** The name of the core's first group, used when no group is named (Kamailio's async "default" group). */
export const DEFAULT_GROUP = "default";

/**
 * The core's process groups, the default group first, as Kamailio arranges them:
 * `async_workers=N` sizes the default group; a group named "default" in `groups` sizes it too
 * (and wins); when named groups exist but the default group got no size, it gets 1 worker.
 * No groups at all when nothing asks for one. Module groups (`decl.groups`) come on top.
 */
export const coreGroups = (core: CoreParams): readonly CoreGroup[] => {
  const named = core.groups.filter((g) => g.name !== DEFAULT_GROUP);
  const explicitDefault = core.groups.filter((g) => g.name === DEFAULT_GROUP).at(-1);
  const defaultWorkers =
    explicitDefault?.workers ?? (core.async_workers > 0 ? core.async_workers : named.length > 0 ? 1 : 0);
  const out: CoreGroup[] = [];
  if (defaultWorkers > 0)
    out.push({
      name: DEFAULT_GROUP,
      workers: defaultWorkers,
      queue: explicitDefault?.queue ?? DEFAULT_GROUP_QUEUE,
      concurrency: explicitDefault?.concurrency ?? DEFAULT_GROUP_CONCURRENCY,
    });
  for (const g of named) out.push({ name: g.name, workers: g.workers, queue: g.queue, concurrency: g.concurrency });
  return out;
};
