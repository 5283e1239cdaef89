import { Effect } from "effect";
import { sipmodError } from "../errors.ts";
import type { ProcessGroupsApi } from "../module/core-services.ts";
import type { GroupIds } from "./group-specs.ts";

/**
 * ProcessGroups for the main thread whose groups start after the modules are initialised (as
 * Kamailio forks its workers after mod_init). Until they run, and after they stop, a push fails
 * with SM_GROUP_UNKNOWN naming the reason; `names`/`has` answer from the configured groups.
 */
export class LateGroups implements ProcessGroupsApi {
  private target: ProcessGroupsApi | undefined;
  constructor(
    private readonly configured: readonly string[],
    private readonly byGroup: GroupIds = {},
  ) {}
  attach(target: ProcessGroupsApi | undefined): void {
    this.target = target;
  }
  readonly names = (): readonly string[] => this.configured;
  readonly has = (group: string): boolean => this.configured.includes(group);
  readonly ids = (group: string): readonly number[] => this.byGroup[group] ?? [];
  readonly push: ProcessGroupsApi["push"] = (group, task, data, key) =>
    this.target !== undefined
      ? this.target.push(group, task, data, key)
      : Effect.fail(sipmodError("SM_GROUP_UNKNOWN", `process group "${group}" is not running (the server is starting or stopping)`));
}
