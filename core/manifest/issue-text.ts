/**
 * Schema decode messages for one parameter, made readable: drop the "Expected undefined" that
 * every optional field adds, fold `Expected "a", actual x; Expected "b", actual x` (a union of
 * literals) into `Expected "a" | "b", actual x`, and drop repeats.
 */
export const summarizeIssues = (messages: readonly string[]): string => {
  const useful = messages.filter((m) => !/(^|: )Expected undefined, actual/.test(m));
  const list = [...new Set(useful.length > 0 ? useful : messages)];
  const parts = list.map((m) => /^Expected (.+), actual (.+)$/.exec(m));
  if (list.length > 1 && parts.every((p) => p !== null && p[2] === parts[0]![2]))
    return `Expected ${parts.map((p) => p![1]).join(" | ")}, actual ${parts[0]![2]}`;
  return list.join("; ");
};
