/**
 * The code every group worker thread runs. It imports the boot module named in `workerData`,
 * calls its `boot(args, proc, host)` once, tells the main thread it is ready (or why boot failed),
 * then runs tasks and SIP messages (at most `concurrency` at once; the rest wait in arrival order),
 * acknowledging them in batches, and answers requests from other processes, until the main thread
 * asks it to stop.
 * Log lines written with Effect's logging in the boot module and the handlers are forwarded to the
 * main thread, whose logger prints them (annotated with group and rank).
 */
import { Effect, Exit, Layer, Logger, LogLevel, ManagedRuntime, Scope, Cause, HashMap } from "effect";
import { parentPort, threadId, workerData, type MessagePort } from "node:worker_threads";
import type { ProcessInfo } from "../module/process-info.ts";
import type { TaskData } from "../module/values.ts";
import type { BootFunction, WorkerHandlers, WorkerHost } from "./boot-module.ts";
import { setImmediate } from "node:timers";
import { PendingRequests } from "./pending-requests.ts";
import { TaskProgress } from "./progress.ts";
import { checkProtocol, checkToWorker } from "./protocol-schema.ts";
import { causeToWireError, toWireError, type FromWorker, type SipHandOff, type ToWorker, type WireError, type WorkerInit } from "./protocol.ts";

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

/**
 * What the thread sends on the hot path (replies to send, hand-overs, requests, answers, acks)
 * waits in an outbox and leaves as one `batch` message per turn of the event loop: one
 * postMessage costs about as much as thirty messages more in the same batch
 * (bench/RESULTS.md, thread hand-off).
 */
let outbox: FromWorker[] = [];
let outboxQueued = false;
const post = (m: FromWorker): void => {
  outbox.push(m);
  if (!outboxQueued) {
    outboxQueued = true;
    setImmediate(flushOutbox);
  }
};

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

const requests = new PendingRequests();
const host: WorkerHost = {
  call: (name, data) => post({ t: "call", name, data }),
  request: (to, op, data, timeoutMs) =>
    requests.add(to, op, timeoutMs, (id) => post({ t: "req", id, to, op, data })),
  handOver: (to, sip) => post({ t: "sip", to, sip }),
};
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

// ------------------------------------------------------------------ acknowledgements (batched)

let doneIds: number[] = [];
let failedTasks: { readonly id: number; readonly error: WireError }[] = [];
const progress = new TaskProgress(init.progress);

/**
 * Send the outbox with the acknowledgements of the tasks that finished since the last one. A task
 * counts as finished in the progress record only once what it sent has been posted: a thread that
 * dies before that has its task run again by the replacement, so a reply is not lost with it.
 */
const flushOutbox = (): void => {
  outboxQueued = false;
  const ids = doneIds;
  const failed = failedTasks;
  if (ids.length > 0) {
    doneIds = [];
    failedTasks = [];
    outbox.push(failed.length === 0 ? { t: "done", ids } : { t: "done", ids, failed });
  }
  if (outbox.length === 0) return;
  const msgs = outbox;
  outbox = [];
  send(msgs.length === 1 ? msgs[0]! : { t: "batch", msgs });
  for (let i = 0; i < ids.length; i++) progress.finished(ids[i]!);
};
/** A task run again after a crash: what it sent, and its acknowledgement, leave as soon as it ends. */
const carefully = (r: void | Promise<void>): void | Promise<void> => {
  if (r instanceof Promise) return r.then(flushOutbox);
  flushOutbox();
};
/** Acknowledge a task: it leaves with the next outbox. */
const ack = (id: number, error?: WireError): void => {
  doneIds.push(id);
  if (error !== undefined) failedTasks.push({ id, error });
  if (!outboxQueued) {
    outboxQueued = true;
    setImmediate(flushOutbox);
  }
};

// ------------------------------------------------------------------ running tasks, at most `concurrency` at once

let running = 0;
const queued: (() => void | Promise<void>)[] = [];
let idle: (() => void) | undefined;

const startJob = (job: () => void | Promise<void>): void => {
  running++;
  let r: void | Promise<void>;
  try {
    r = job();
  } catch {
    r = undefined;
  }
  if (r instanceof Promise) void r.then(jobEnded, jobEnded);
  else jobEnded();
};
const jobEnded = (): void => {
  running--;
  const next = queued.shift();
  if (next !== undefined) startJob(next);
  else if (running === 0 && idle !== undefined) idle();
};
const schedule = (job: () => void | Promise<void>): void => {
  if (running < init.concurrency) startJob(job);
  else queued.push(job);
};

const runTask = (handlers: WorkerHandlers, id: number, task: string, data: TaskData): void | Promise<void> => {
  try {
    const result = handlers.handle(task, data);
    if (Effect.isEffect(result)) {
      return runtime.runPromiseExit(result).then((exit) =>
        ack(id, Exit.isSuccess(exit) ? undefined : causeToWireError(exit.cause)),
      );
    }
    return Promise.resolve(result).then(
      () => ack(id),
      (e: unknown) => ack(id, toWireError(e)),
    );
  } catch (e) {
    ack(id, toWireError(e));
  }
};

const runSip = (handlers: WorkerHandlers, id: number, sip: SipHandOff): void | Promise<void> => {
  if (handlers.sip === undefined) return ack(id, { code: "SM_GROUP_UNKNOWN", message: "this worker does not route SIP messages" });
  try {
    const r = handlers.sip(sip);
    if (r instanceof Promise) return r.then(() => ack(id), (e: unknown) => ack(id, toWireError(e)));
    ack(id);
  } catch (e) {
    ack(id, toWireError(e));
  }
};

const answerRequest = (handlers: WorkerHandlers, id: number, from: number, op: string, data: TaskData): void => {
  const fail = (error: WireError): void => post({ t: "res", id, ok: false, error });
  if (handlers.request === undefined) return fail({ code: "SM_THREAD_UNKNOWN_OP", message: `process ${proc.id} handles no requests ("${op}")` });
  try {
    const r = handlers.request(op, data, from);
    if (Effect.isEffect(r)) {
      void runtime.runPromiseExit(r).then((exit) =>
        Exit.isSuccess(exit) ? post({ t: "res", id, ok: true, data: exit.value }) : fail(causeToWireError(exit.cause)),
      );
    } else if (r instanceof Promise) {
      r.then((v) => post({ t: "res", id, ok: true, data: v }), (e: unknown) => fail(toWireError(e)));
    } else post({ t: "res", id, ok: true, data: r });
  } catch (e) {
    fail(toWireError(e));
  }
};

const stop = async (handlers: WorkerHandlers): Promise<void> => {
  if (running > 0 || queued.length > 0) await new Promise<void>((resolve) => (idle = resolve));
  flushOutbox();
  requests.failAll(undefined, "the worker is stopping");
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
  const onMessage = (m: ToWorker): void => {
    switch (m.t) {
      case "batch":
        for (let i = 0; i < m.msgs.length; i++) onMessage(m.msgs[i]!);
        return;
      case "sip":
        return schedule(() => {
          progress.started(m.id);
          return m.careful === true ? carefully(runSip(handlers, m.id, m.sip)) : runSip(handlers, m.id, m.sip);
        });
      case "task":
        return schedule(() => {
          progress.started(m.id);
          return m.careful === true ? carefully(runTask(handlers, m.id, m.task, m.data)) : runTask(handlers, m.id, m.task, m.data);
        });
      case "req":
        return answerRequest(handlers, m.id, m.from, m.op, m.data);
      case "res":
        requests.settle(m);
        return;
      case "shutdown":
        void stop(handlers);
        return;
    }
  };
  if (checkProtocol()) {
    port.on("message", (m: unknown) => {
      const r = checkToWorker(m);
      if (typeof r === "string") send({ t: "log", level: "ERROR", message: [`SM_THREAD_PROTOCOL: ${r}`], annotations: {} });
      else onMessage(r);
    });
  } else port.on("message", onMessage);
  send({ t: "ready", threadId });
};

void main();
