/** Which process (thread) code runs in: the receiving main thread or a member of a process group. */
export type ProcessInfo =
  | { readonly kind: "main"; readonly rank: 0 }
  | { readonly kind: "group"; readonly group: string; readonly rank: number };

export const MAIN_PROCESS: ProcessInfo = { kind: "main", rank: 0 };

export const processLabel = (p: ProcessInfo): string =>
  p.kind === "main" ? "main" : `${p.group}#${p.rank}`;
