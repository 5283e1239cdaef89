import { Context, Effect, FiberRef, Layer, LogLevel, Runtime, type Scope } from "effect";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { sipmodError, type SipmodError } from "../errors.ts";
import { ProcessGroups, type ProcessGroupsApi } from "../module/core-services.ts";
import type { TaskData } from "../module/values.ts";
import type { LogFn, OnWorkerCall } from "./group-worker.ts";
import { ProcessGroup } from "./group.ts";
import { Switchboard } from "./switchboard.ts";
import type { GroupStats } from "./stats.ts";

/** One group to start. */
export interface ProcessGroupSpec {
  readonly name: string;
  readonly size: number;
  /** Tasks per worker counted from push to acknowledgement before push fails (default 1024). */
  readonly queue?: number;
  /** Tasks a worker runs at once; a task that waits (timer, DNS, another thread) lets the next start (default 64). */
  readonly concurrency?: number;
}

/** The module every worker thread boots (see boot-module.ts) and the data its `boot` gets. */
export interface BootSpec {
  /** A URL, or a file path (relative to the current directory). */
  readonly url: URL | string;
  readonly args: TaskData;
}

export interface ProcessGroupsOptions {
  /** How long shutdown waits for queued tasks (default 5000 ms). */
  readonly drainTimeoutMs?: number;
  /** How long a worker's shutdown may take before its thread is terminated (default 2000 ms). */
  readonly stopTimeoutMs?: number;
  /** How long a worker may take to boot (default 30000 ms). */
  readonly bootTimeoutMs?: number;
  /** First restart delay after a crash, doubled per crash in a row (default 100 ms). */
  readonly restartInitialMs?: number;
  /** Longest restart delay (default 5000 ms). */
  readonly restartMaxMs?: number;
  /** Handles workers' requests to the main thread (WorkerHost.call); without it they are logged and dropped. */
  readonly onCall?: OnWorkerCall;
  /** Routes requests and SIP hand-overs between processes (a new one when not given). */
  readonly switchboard?: Switchboard;
}

export const DEFAULT_QUEUE = 1024;
export const DEFAULT_CONCURRENCY = 64;

/** Process ids are 8 bits in tm's transaction labels: 0 is main, so at most this many workers. */
export const MAX_WORKERS = 255;

/** ProcessGroupsApi plus what management (RPC, metrics) needs. */
export interface ProcessGroupsControlApi extends ProcessGroupsApi {
  /** Per group and worker: state, thread id, queued, done, failed, lost, restarts. */
  readonly stats: () => readonly GroupStats[];
  /** The process ids of a group's workers, by rank (empty for an unknown group). */
  readonly ids: (group: string) => readonly number[];
  /** Every worker's process id. */
  readonly allIds: () => readonly number[];
  readonly switchboard: Switchboard;
}
export class ProcessGroupsControl extends Context.Tag("sipmod/ProcessGroupsControl")<
  ProcessGroupsControl,
  ProcessGroupsControlApi
>() {}

const entryUrl = new URL(`./worker-entry${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);

const toUrl = (u: URL | string): URL => {
  if (u instanceof URL) return u;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(u) || u.startsWith("file:")) return new URL(u);
  return pathToFileURL(isAbsolute(u) ? u : resolve(u));
};

const checkSpecs = (specs: readonly ProcessGroupSpec[]): Effect.Effect<void, SipmodError> =>
  Effect.suspend(() => {
    const seen = new Set<string>();
    for (const s of specs) {
      const fail = (problem: string) => Effect.fail(sipmodError("SM_GROUP_SPEC", `process group "${s.name}": ${problem}`));
      if (s.name === "") return Effect.fail(sipmodError("SM_GROUP_SPEC", "a process group has an empty name"));
      if (seen.has(s.name)) return fail("defined twice");
      seen.add(s.name);
      if (!Number.isInteger(s.size) || s.size < 1) return fail(`size must be an integer >= 1, got ${s.size}`);
      if (s.queue !== undefined && (!Number.isInteger(s.queue) || s.queue < 1)) {
        return fail(`queue must be an integer >= 1, got ${s.queue}`);
      }
      if (s.concurrency !== undefined && (!Number.isInteger(s.concurrency) || s.concurrency < 1)) {
        return fail(`concurrency must be an integer >= 1, got ${s.concurrency}`);
      }
    }
    const total = specs.reduce((n, s) => n + s.size, 0);
    if (total > MAX_WORKERS) {
      return Effect.fail(
        sipmodError(
          "SM_THREAD_LIMIT",
          `the configuration starts ${total} worker threads (${specs.map((s) => `${s.name}=${s.size}`).join(", ")}); ` +
            `at most ${MAX_WORKERS} fit in a transaction identity's 8-bit owner`,
        ),
      );
    }
    return Effect.void;
  });

/**
 * Start every group (all workers boot in parallel) and return the API modules use to push tasks.
 * Fails if any worker cannot boot, naming the group, the rank and why; the threads already
 * started are then terminated. Closing the Scope shuts the groups down: no new tasks, drain,
 * each worker's shutdown, threads ended.
 *
 * Log lines (worker crashes, failed tasks, and whatever the workers log with Effect) go through
 * the logger of the Effect that runs this, annotated with `group` and `rank`.
 */
export const makeProcessGroups = (
  specs: readonly ProcessGroupSpec[],
  boot: BootSpec,
  options: ProcessGroupsOptions = {},
): Effect.Effect<ProcessGroupsControlApi, SipmodError, Scope.Scope> =>
  Effect.gen(function* () {
    yield* checkSpecs(specs);
    const rt = yield* Effect.runtime<never>();
    const minLevel = yield* FiberRef.get(FiberRef.currentMinimumLogLevel);
    const runLog = Runtime.runSync(rt);
    const log: LogFn = (level, message, annotations) => {
      try {
        runLog(Effect.logWithLevel(level, ...message).pipe(Effect.annotateLogs({ ...annotations })));
      } catch {
        // A logger that throws must not take the group down.
      }
    };
    const bootUrl = toUrl(boot.url);
    const drainTimeoutMs = options.drainTimeoutMs ?? 5000;
    const stopTimeoutMs = options.stopTimeoutMs ?? 2000;
    let nextId = 1;
    const switchboard = options.switchboard ?? new Switchboard();
    const groups = specs.map(
      (s) =>
        new ProcessGroup({
          name: s.name,
          size: s.size,
          firstId: (nextId += s.size) - s.size,
          queue: s.queue ?? DEFAULT_QUEUE,
          entry: entryUrl,
          bootUrl: bootUrl.href,
          bootArgs: boot.args,
          loadsTypeScript: /\.[mc]?ts$/.test(bootUrl.pathname),
          logLevel: minLevel.label,
          bootTimeoutMs: options.bootTimeoutMs ?? 30_000,
          restart: { initialMs: options.restartInitialMs ?? 100, maxMs: options.restartMaxMs ?? 5000 },
          log,
          concurrency: s.concurrency ?? DEFAULT_CONCURRENCY,
          routing: switchboard,
          onCall:
            options.onCall ??
            ((name, _data, from) =>
              log(LogLevel.Warning, [`request "${name}" from ${from.group}#${from.rank} dropped: nothing handles worker requests`], {})),
        }),
    );
    const byName = new Map(groups.map((g) => [g.name, g] as const));
    for (const g of groups) for (const w of g.members()) switchboard.register(w);
    const allIds = groups.flatMap((g) => g.members().map((w) => w.id));

    // Registered before start so an interrupted start-up also ends every thread.
    yield* Effect.addFinalizer(() =>
      Effect.forEach(groups, (g) => g.shutdown(drainTimeoutMs, stopTimeoutMs), {
        concurrency: "unbounded",
        discard: true,
      }).pipe(Effect.ensuring(Effect.sync(() => switchboard.close()))),
    );
    yield* Effect.forEach(groups, (g) => g.start(), { concurrency: "unbounded", discard: true }).pipe(
      Effect.tapError(() => Effect.forEach(groups, (g) => g.kill(), { concurrency: "unbounded", discard: true })),
    );

    const names = groups.map((g) => g.name);
    const api: ProcessGroupsControlApi = {
      names: () => names,
      has: (group) => byName.has(group),
      push: (group, task, data, key) =>
        Effect.suspend(() => {
          const g = byName.get(group);
          if (g === undefined) {
            return Effect.fail(
              sipmodError(
                "SM_GROUP_UNKNOWN",
                `no process group "${group}" (groups: ${names.length > 0 ? names.join(", ") : "none"}); task "${task}" refused`,
              ),
            );
          }
          const refused = g.tryPush(task, data, key);
          return refused === undefined ? Effect.void : Effect.fail(refused);
        }),
      stats: () => groups.map((g) => g.stats()),
      ids: (group) => byName.get(group)?.members().map((w) => w.id) ?? [],
      allIds: () => allIds,
      switchboard,
    };
    return api;
  });

/** Provides `ProcessGroups` (for modules) and `ProcessGroupsControl` (for management) from one set of groups. */
export const processGroupsLayer = (
  specs: readonly ProcessGroupSpec[],
  boot: BootSpec,
  options: ProcessGroupsOptions = {},
): Layer.Layer<ProcessGroups | ProcessGroupsControl, SipmodError> =>
  Layer.scopedContext(
    Effect.map(makeProcessGroups(specs, boot, options), (api) =>
      Context.make(ProcessGroups, api as ProcessGroupsApi).pipe(Context.add(ProcessGroupsControl, api)),
    ),
  );
