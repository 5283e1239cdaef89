/**
 * The code every group worker thread runs. It imports the boot module named in `workerData`,
 * calls its `boot(args, proc)` once, tells the main thread it is ready (or why boot failed), then
 * runs tasks one at a time, acknowledging each, until the main thread asks it to stop.
 * Log lines written with Effect's logging in the boot module and the handlers are forwarded to the
 * main thread, whose logger prints them (annotated with group and rank).
 */
import { Effect, Exit, Layer, Logger, LogLevel, ManagedRuntime, Scope, Cause, HashMap } from "effect";
import { parentPort, threadId, workerData, type MessagePort } from "node:worker_threads";
import type { ProcessInfo } from "../module/process-info.ts";
import type { TaskData } from "../module/values.ts";
import type { BootFunction, WorkerHandlers, WorkerHost } from "./boot-module.ts";
import { causeToWireError, toWireError, type FromWorker, type ToWorker, type WorkerInit } from "./protocol.ts";

const port: MessagePort | null = parentPort;
if (port === null) throw new Error("core/process/worker-entry.ts runs only inside a worker thread");

// Deno's node:worker_threads parentPort has no close(); the web worker's global close() does the job.
const closable = port as MessagePort & { close?: () => void };
if (typeof closable.close !== "function") {
  closable.close = () => (globalThis as unknown as { close?: () => void }).close?.();
}

const init = workerData as WorkerInit;
const proc: ProcessInfo = { kind: "group", group: init.group, rank: init.rank, id: init.id };
const send = (m: FromWorker): void => port.postMessage(m);

const messageTexts = (message: unknown): string[] =>
  (Array.isArray(message) ? (message as unknown[]) : [message]).map((m) =>
    typeof m === "string" ? m : m instanceof Error ? (m.stack ?? m.message) : safeJson(m),
  );

const safeJson = (v: unknown): string => {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

/** Sends every log line to the main thread instead of printing it here. */
const forwardLogger = Logger.make(({ logLevel, message, cause, annotations }) => {
  const texts = messageTexts(message);
  if (!Cause.isEmpty(cause)) texts.push(Cause.pretty(cause));
  const ann: Record<string, string> = {};
  for (const [k, v] of HashMap.toEntries(annotations)) ann[k] = typeof v === "string" ? v : safeJson(v);
  send({ t: "log", level: logLevel.label, message: texts, annotations: ann });
});

const minLevel = LogLevel.allLevels.find((l) => l.label === init.logLevel) ?? LogLevel.Info;
const runtime = ManagedRuntime.make(
  Layer.merge(Logger.replace(Logger.defaultLogger, forwardLogger), Logger.minimumLogLevel(minLevel)),
);
const bootScope = Effect.runSync(Scope.make());

const loadBoot = async (): Promise<BootFunction> => {
  const mod = (await import(init.bootUrl)) as { readonly boot?: unknown };
  if (typeof mod.boot !== "function") {
    throw new Error(`boot module ${init.bootUrl} has no exported function \`boot\``);
  }
  return mod.boot as BootFunction;
};

const host: WorkerHost = { call: (name, data) => send({ t: "call", name, data }) };

const runBoot = async (): Promise<WorkerHandlers | undefined> => {
  let boot: BootFunction;
  try {
    boot = await loadBoot();
  } catch (e) {
    send({ t: "boot-failed", error: toWireError(e) });
    return undefined;
  }
  const exit = await runtime.runPromiseExit(
    Effect.suspend(() => {
      const result: unknown = boot(init.bootArgs, proc, host);
      return Effect.isEffect(result)
        ? (result as Effect.Effect<WorkerHandlers, unknown, Scope.Scope>)
        : Effect.dieMessage("boot() must return an Effect of the worker handlers (see core/process/boot-module.ts)");
    }).pipe(Scope.extend(bootScope)),
  );
  if (Exit.isFailure(exit)) {
    send({ t: "boot-failed", error: causeToWireError(exit.cause) });
    return undefined;
  }
  const handlers = exit.value;
  if (typeof handlers !== "object" || handlers === null || typeof handlers.handle !== "function") {
    send({ t: "boot-failed", error: { message: "boot() returned no `handle` function" } });
    return undefined;
  }
  return handlers;
};

const runTask = async (handlers: WorkerHandlers, id: number, task: string, data: TaskData): Promise<void> => {
  try {
    const result = handlers.handle(task, data);
    if (Effect.isEffect(result)) {
      const exit = await runtime.runPromiseExit(result);
      send(Exit.isSuccess(exit) ? { t: "done", id } : { t: "done", id, error: causeToWireError(exit.cause) });
    } else {
      await result;
      send({ t: "done", id });
    }
  } catch (e) {
    send({ t: "done", id, error: toWireError(e) });
  }
};

const stop = async (handlers: WorkerHandlers): Promise<void> => {
  let error: unknown;
  try {
    await handlers.shutdown?.();
  } catch (e) {
    error = e;
  }
  await Effect.runPromise(Scope.close(bootScope, Exit.void));
  await runtime.dispose();
  send(error === undefined ? { t: "stopped" } : { t: "stopped", error: toWireError(error) });
  port.close();
};

const main = async (): Promise<void> => {
  const handlers = await runBoot();
  if (handlers === undefined) {
    await Effect.runPromise(Scope.close(bootScope, Exit.void));
    await runtime.dispose();
    port.close();
    return;
  }
  // Tasks run strictly one after another, in arrival order.
  let chain: Promise<void> = Promise.resolve();
  port.on("message", (m: ToWorker) => {
    if (m.t === "task") chain = chain.then(() => runTask(handlers, m.id, m.task, m.data));
    else if (m.t === "shutdown") chain = chain.then(() => stop(handlers));
  });
  send({ t: "ready", threadId });
};

void main();
