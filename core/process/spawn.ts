import * as WT from "node:worker_threads";
import { runtime } from "../runtime.ts";

/**
 * Start a worker thread running the ES module at `entry`.
 *
 * Why plain `node:worker_threads` and not @effect/platform's Worker: Node, Bun and Deno all have
 * it with the same events (`message`, `error`, `exit`) and the same semantics for an uncaught
 * exception or `process.exit` in the thread (the thread ends, `exit` fires), which is exactly what
 * crash detection needs. @effect/platform's pool adds a request protocol we do not need, retries a
 * failed spawn forever (we must report a boot failure with its group and rank), and on Deno needs
 * shims on the runner side. The group code (group-worker.ts) wraps these threads in its own
 * lifecycle and exposes Effects; finalizers are registered with the caller's Scope (groups.ts).
 *
 * Node 20 under tsx does not pass its loader to worker threads, so when TypeScript must be loaded
 * in the thread (`loadsTypeScript`, or an entry ending in .ts) the thread starts from a tiny eval
 * bootstrap that registers tsx and then imports the entry. Bun and Deno run .ts natively.
 */
export const spawnThread = (
  entry: URL,
  options: WT.WorkerOptions & { readonly loadsTypeScript?: boolean },
): WT.Worker => {
  const { loadsTypeScript, ...workerOptions } = options;
  const needsTsx = runtime === "node" && (loadsTypeScript === true || entry.pathname.endsWith(".ts"));
  if (needsTsx) {
    // Resolved here, in the main thread, so the bootstrap does not depend on the thread's cwd.
    const tsxApi = import.meta.resolve("tsx/esm/api");
    const bootstrap =
      `import(${JSON.stringify(tsxApi)})` +
      `.then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
    return new WT.Worker(bootstrap, { ...workerOptions, eval: true });
  }
  return new WT.Worker(entry, workerOptions);
};
