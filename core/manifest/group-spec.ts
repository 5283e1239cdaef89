import type { GroupParams } from "./core-params.ts";
import { DEFAULT_GROUP_CONCURRENCY, DEFAULT_GROUP_QUEUE } from "./core-params.ts";

/**
 * Parse Kamailio's `async_workers_group` value: `;`-separated `key=value` pairs, keys
 * case-insensitive, whitespace around tokens ignored, a value may be double-quoted, one trailing
 * `;` allowed. Keys: `name`, `workers` (>= 1), sipmod's `queue` and `concurrency` (>= 1); Kamailio's `nonblock` and
 * `usleep` must be integers >= 0 and have no effect (a full queue always fails at once, workers do
 * not poll). Unknown keys are ignored, as Kamailio does. Unlike Kamailio 5.6, which logs an
 * invalid group and starts without it, an invalid string is an error (SM_GROUP_SPEC).
 */
export const parseGroupSpec = (
  spec: string,
): { readonly group: GroupParams } | { readonly error: string; readonly fix: string } => {
  const example = (name = "grp", workers = 2) => `async_workers_group="name=${name};workers=${workers}"`;
  let body = spec.trim();
  if (body.endsWith(";")) body = body.slice(0, -1);
  if (body.trim() === "") return { error: "it is empty", fix: `Give at least a name and a worker count: ${example()}.` };
  const values = new Map<string, string>();
  for (const raw of body.split(";")) {
    const part = raw.trim();
    if (part === "")
      return { error: "it has an empty parameter (two ';' in a row, or a leading ';')", fix: `Separate parameters with one ';': ${example()}.` };
    const eq = part.indexOf("=");
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    let value = eq < 0 ? "" : part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (key === "") return { error: `parameter "${part}" has no name before '='`, fix: `Write parameters as key=value: ${example()}.` };
    values.set(key, value);
  }
  const name = values.get("name");
  if (name === undefined || name === "") return { error: name === undefined ? "it has no name=" : "the name is empty", fix: `Name the group: ${example()}.` };
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    return { error: `invalid group name ${JSON.stringify(name)}`, fix: `Use letters, digits, "_", "." or "-": ${example()}.` };
  const int = (key: string, min: number): number | string | undefined => {
    const v = values.get(key);
    if (v === undefined) return undefined;
    if (!/^[+-]?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) return `${key}=${JSON.stringify(v)} is not an integer`;
    const n = Number(v);
    return n < min ? `${key} must be >= ${min}, got ${n}` : n;
  };
  const workers = int("workers", 1);
  if (workers === undefined) return { error: "it has no workers=", fix: `Say how many workers the group has (>= 1): ${example(name)}.` };
  if (typeof workers === "string") return { error: workers, fix: `Give an integer >= 1: ${example(name)}.` };
  const queue = int("queue", 1);
  if (typeof queue === "string") return { error: queue, fix: `Give the queue length per worker, an integer >= 1: ${example(name, workers)};queue=1024".` };
  const concurrency = int("concurrency", 1);
  if (typeof concurrency === "string") return { error: concurrency, fix: `Give the tasks a worker runs at once, an integer >= 1: ${example(name, workers)};concurrency=64".` };
  for (const key of ["nonblock", "usleep"]) {
    const v = int(key, 0);
    if (typeof v === "string") return { error: v, fix: `Give an integer >= 0 or leave ${key} out: ${example(name, workers)}.` };
  }
  return { group: { name, workers, queue: queue ?? DEFAULT_GROUP_QUEUE, concurrency: concurrency ?? DEFAULT_GROUP_CONCURRENCY } };
};
