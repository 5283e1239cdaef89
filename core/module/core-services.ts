import { Context, type Effect } from "effect";
import type { SipmodError } from "../errors.ts";
import type { ProcessInfo } from "./process-info.ts";
import type { TaskData } from "./values.ts";

/**
 * Services the core gives every module, as Effect tags. core/module only declares them;
 * the layers that implement them live in the layers above (process, transport, script)
 * and are provided by the server when it boots (in the main thread and in every worker).
 */

/** Which process this is and the core parameters it runs with. */
export interface CoreInfoApi {
  readonly proc: ProcessInfo;
  /** Folder of the manifest or cfg file; relative paths resolve from here. */
  readonly baseDir: string;
  /** The core parameters (listen, children, groups ...) as loaded. */
  readonly params: { readonly [key: string]: unknown };
}
export class CoreInfo extends Context.Tag("sipmod/CoreInfo")<CoreInfo, CoreInfoApi>() {}

/** Hand a task to a process group. A full queue or unknown group fails at once. */
export interface ProcessGroupsApi {
  /** Names of the groups this server runs. */
  readonly names: () => readonly string[];
  readonly has: (group: string) => boolean;
  /**
   * Queue `data` for the handler `task` ("module.taskname") in group `group`.
   * `key` picks the worker (same key, same worker); without a key the least loaded one.
   */
  readonly push: (
    group: string,
    task: string,
    data: TaskData,
    key?: string,
  ) => Effect.Effect<void, SipmodError>;
}
export class ProcessGroups extends Context.Tag("sipmod/ProcessGroups")<ProcessGroups, ProcessGroupsApi>() {}

/** The services every module may use without declaring a dependency. */
export type CoreServices = CoreInfo | ProcessGroups;
