import { Either } from "effect";
import { sipmodError, type SipmodError, type SourcePos } from "../errors.ts";

/**
 * Kamailio's core parameters for async task workers, as sipmod reads them:
 *
 *   async_workers=N                                   group "default" with N workers
 *   async_workers_group="name=grp;workers=2;nonblock=0;usleep=0"
 *
 * The group string is a ';'-separated list of key=value (keys case-insensitive, whitespace around
 * tokens ignored, one trailing ';' allowed, a value may be double-quoted, unknown keys ignored).
 * `name` must be non-empty and `workers` an integer >= 1; `nonblock` and `usleep` are integers
 * (kept for compatibility: sipmod's queues never block, and workers do not poll).
 *
 * Unlike Kamailio 5.6, which logs an invalid group string and starts without the group, sipmod
 * refuses to start (SM_GROUP_SPEC naming the problem and the fix).
 */
export interface AsyncGroupSpec {
  readonly name: string;
  /** Number of workers (Kamailio `workers`). */
  readonly size: number;
  readonly nonblock: number;
  readonly usleep: number;
}

export const DEFAULT_GROUP = "default";

const INT = /^[+-]?\d+$/;

const example = (name: string | undefined, workers = 2): string =>
  `async_workers_group="name=${name !== undefined && name !== "" ? name : "grp"};workers=${workers}"`;

const unquote = (v: string): string => (v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v);

/** Parse one `async_workers_group` value. */
export const parseAsyncWorkersGroup = (
  text: string,
  pos?: SourcePos,
): Either.Either<AsyncGroupSpec, SipmodError> => {
  const bad = (problem: string, fix: string): Either.Either<AsyncGroupSpec, SipmodError> =>
    Either.left(
      sipmodError("SM_GROUP_SPEC", `invalid async_workers_group ${JSON.stringify(text)}: ${problem}`, {
        hint: fix,
        ...(pos !== undefined ? { pos } : {}),
      }),
    );

  let body = text.trim();
  if (body.endsWith(";")) body = body.slice(0, -1);
  if (body.trim() === "") return bad("it is empty", `Give at least a name and a worker count: ${example(undefined)}.`);

  let name: string | undefined;
  let workers: string | undefined;
  let nonblock: string | undefined;
  let usleep: string | undefined;
  for (const raw of body.split(";")) {
    const part = raw.trim();
    if (part === "") {
      return bad("it has an empty parameter (two ';' in a row, or a leading ';')", `Separate parameters with a single ';': ${example(undefined)}.`);
    }
    const eq = part.indexOf("=");
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? undefined : unquote(part.slice(eq + 1).trim());
    if (key === "") return bad(`parameter "${part}" has no name before '='`, `Write parameters as key=value: ${example(undefined)}.`);
    if (key === "name") name = value ?? "";
    else if (key === "workers") workers = value ?? "";
    else if (key === "nonblock") nonblock = value ?? "";
    else if (key === "usleep") usleep = value ?? "";
    // Other keys are ignored, as Kamailio does.
  }

  if (name === undefined) return bad("it has no name=", `Name the group: ${example(undefined)}.`);
  if (name === "") return bad("the name is empty", `Give the group a name: ${example(undefined)}.`);
  if (workers === undefined) {
    return bad("it has no workers=", `Say how many workers the group has (>= 1): ${example(name)}.`);
  }
  if (!INT.test(workers) || !Number.isSafeInteger(Number(workers))) {
    return bad(`workers=${JSON.stringify(workers)} is not an integer`, `Give an integer >= 1: ${example(name)}.`);
  }
  const size = Number(workers);
  if (size < 1) return bad(`workers must be >= 1, got ${size}`, `Give an integer >= 1: ${example(name)}.`);

  const intParam = (key: "nonblock" | "usleep", v: string | undefined): number | string => {
    if (v === undefined) return 0;
    if (!INT.test(v) || !Number.isSafeInteger(Number(v))) return `${key}=${JSON.stringify(v)} is not an integer`;
    const n = Number(v);
    if (n < 0) return `${key} must be >= 0, got ${n}`;
    return n;
  };
  const nb = intParam("nonblock", nonblock);
  if (typeof nb === "string") return bad(nb, `Use nonblock=0 or nonblock=1: ${example(name, size)}.`);
  const us = intParam("usleep", usleep);
  if (typeof us === "string") return bad(us, `Give usleep in microseconds, an integer >= 0, or leave it out: ${example(name, size)}.`);
  return Either.right({ name, size, nonblock: nb, usleep: us });
};

/** One group-related core parameter, in config order. */
export type GroupDirective =
  | { readonly param: "async_workers"; readonly value: number; readonly pos?: SourcePos }
  | { readonly param: "async_workers_group"; readonly value: string; readonly pos?: SourcePos };

export interface GroupWarning {
  readonly message: string;
  readonly pos?: SourcePos;
}

export interface AsyncGroups {
  /** The default group (if any) first, then the named groups in the order they were defined. */
  readonly groups: readonly AsyncGroupSpec[];
  /** Parameters Kamailio would ignore with a warning (the caller logs them). */
  readonly warnings: readonly GroupWarning[];
}

/**
 * Fold the `async_workers` / `async_workers_group` parameters, in config order, into the groups
 * to start, with Kamailio's rules:
 * - `async_workers=N` creates group "default" with N workers; N <= 0 is ignored; if the default
 *   group already has workers it is ignored with a warning.
 * - a group string named "default" sets the default group's workers, nonblock and usleep.
 * - any other named group, defined while no default group exists, first creates "default" with
 *   1 worker. The default group is always first (tasks without a group go there).
 * Where sipmod is stricter: an invalid group string, a non-integer `async_workers`, or the same
 * group name defined twice is an SM_GROUP_SPEC error.
 */
export const foldAsyncGroups = (
  directives: readonly GroupDirective[],
): Either.Either<AsyncGroups, SipmodError> => {
  let def: AsyncGroupSpec | undefined;
  const named: AsyncGroupSpec[] = [];
  const warnings: GroupWarning[] = [];
  const at = (pos: SourcePos | undefined) => (pos !== undefined ? { pos } : {});

  for (const d of directives) {
    if (d.param === "async_workers") {
      if (!Number.isSafeInteger(d.value)) {
        return Either.left(
          sipmodError("SM_GROUP_SPEC", `async_workers=${d.value} is not an integer`, {
            hint: "Give the number of default-group workers as an integer: async_workers=4.",
            ...at(d.pos),
          }),
        );
      }
      if (d.value <= 0) continue;
      if (def !== undefined && def.size > 0) {
        warnings.push({
          message: `async_workers=${d.value} ignored: the default group already has ${def.size} worker(s)`,
          ...at(d.pos),
        });
        continue;
      }
      def = { name: DEFAULT_GROUP, size: d.value, nonblock: 0, usleep: 0 };
      continue;
    }
    const parsed = parseAsyncWorkersGroup(d.value, d.pos);
    if (Either.isLeft(parsed)) return Either.left(parsed.left);
    const g = parsed.right;
    if (g.name === DEFAULT_GROUP) {
      def = g;
      continue;
    }
    if (named.some((n) => n.name === g.name)) {
      return Either.left(
        sipmodError("SM_GROUP_SPEC", `async_workers_group: group "${g.name}" is defined twice`, {
          hint: "Keep one definition per group name (names are case-sensitive).",
          ...at(d.pos),
        }),
      );
    }
    def ??= { name: DEFAULT_GROUP, size: 1, nonblock: 0, usleep: 0 };
    named.push(g);
  }
  return Either.right({ groups: def !== undefined ? [def, ...named] : named, warnings });
};
