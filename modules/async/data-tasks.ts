import { Effect } from "effect";
import { RouteRunner, type ProcessGroupsApi } from "../../core/module/core-services.ts";
import type { TaskData } from "../../core/module/values.ts";
import { Async, type AsyncCore } from "./async-core.ts";
import { ASYNC_DATA, ASYNC_FAKED, fakedReceiveInfo, fakedRequest } from "./faked-request.ts";

/** The task name (`<module>.<task>`) of async_task_data's routes. */
export const DATA_TASK = "async.data";

/** async_task_data / async_task_group_data: hand route + data to a worker of `group`; 1, or -1 when the group refused it. */
export const pushData = (a: AsyncCore, groups: ProcessGroupsApi, group: string, route: string, data: string): Effect.Effect<number> =>
  groups.push(group, DATA_TASK, { route, data }).pipe(
    Effect.map(() => {
      a.stats.dataPushed.set(group, (a.stats.dataPushed.get(group) ?? 0) + 1);
      return 1;
    }),
    Effect.catchAll((e) =>
      Effect.sync(() => a.refuse(`async_task_data: group "${group}" did not take the task: ${e.message}`)),
    ),
  );

/** In the worker: run route[route] on a faked request as a request route, `$async(data)` = data. */
export const runDataTask = (task: TaskData) =>
  Effect.gen(function* () {
    const routes = yield* RouteRunner;
    const a = yield* Async;
    const t = task as { readonly route?: unknown; readonly data?: unknown };
    const route = typeof t.route === "string" ? t.route : "";
    const data = typeof t.data === "string" ? t.data : "";
    a.stats.dataRan++;
    const o = routes.run(`route[${route}]`, fakedRequest(), fakedReceiveInfo(), {
      route: "request",
      prepare: (ctx) => {
        ctx.set(ASYNC_FAKED, true);
        ctx.set(ASYNC_DATA, data);
      },
    });
    if (o instanceof Promise) yield* Effect.promise(() => o);
  });
