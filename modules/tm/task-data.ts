import type { TaskData } from "../../core/module/values.ts";

/** Fields of a request's data from another thread (plain structured-clone objects). */
export const field = (d: TaskData, k: string): TaskData | undefined => (d as { readonly [key: string]: TaskData })[k];

/** A number field, NaN when absent or not a number. */
export const num = (d: TaskData, k: string): number => {
  const v = field(d, k);
  return typeof v === "number" ? v : NaN;
};

/** A string field, undefined when absent or not a string. */
export const text = (d: TaskData, k: string): string | undefined => {
  const v = field(d, k);
  return typeof v === "string" ? v : undefined;
};
