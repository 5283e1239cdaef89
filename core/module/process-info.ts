/** Which process (thread) code runs in: the receiving main thread or a member of a process group. */
/**
 * `id` numbers every process of one server: 0 is the main thread, group workers follow from 1 in
 * the order of the groups and their ranks. It is stable for the server's life (a restarted worker
 * keeps it), so it can name the owner of state held in one process (tm transactions).
 */
export type ProcessInfo =
  | { readonly kind: "main"; readonly rank: 0; readonly id: 0 }
  | { readonly kind: "group"; readonly group: string; readonly rank: number; readonly id: number };

/** The group of `children` receiver threads (only when children > 1). */
export const RECEIVER_GROUP = "receiver";

export const MAIN_PROCESS: ProcessInfo = { kind: "main", rank: 0, id: 0 };

export const processLabel = (p: ProcessInfo): string =>
  p.kind === "main" ? "main" : `${p.group}#${p.rank}`;
