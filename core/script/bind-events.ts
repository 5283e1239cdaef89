import { sipmodError } from "../errors.ts";
import { eventMatches } from "../module/route-kind.ts";
import type { BindEnv, EventUse } from "./bind-env.ts";

/**
 * Calls of functions that work only in some event routes (ConfigFunction.events), checked once
 * every block is bound. Kamailio 5.6 accepts such a call in any block its route flags allow (an
 * event route's name plays no part at load), so a call elsewhere stays valid and gets a warning
 * (SM_CFG_EVENT_ROUTE) only when it can never run in one of those event routes: it is written in
 * another top-level block, or in a route[] block that is called, through static route() calls
 * only, from other top-level blocks. A route[] that nothing calls by name (a module may run it,
 * t_continue for one) or any route() whose name is computed at run time leaves it unknown, and
 * unknown is not warned about.
 */

const eventsLabel = (events: readonly string[]): string => events.map((e) => `event_route[${e}]`).join(" or ");

/** The top-level blocks that reach `key` through static route() calls; `open` when something else may run it. */
const entryBlocks = (
  env: BindEnv,
  callers: ReadonlyMap<string, ReadonlySet<string>>,
  key: string,
): { readonly entries: ReadonlySet<string>; readonly open: boolean } => {
  const entries = new Set<string>();
  let open = false;
  const seen = new Set<string>();
  const visit = (k: string): void => {
    if (seen.has(k)) return;
    seen.add(k);
    if (env.blocks.get(k)?.keyword !== "route") {
      entries.add(k);
      return;
    }
    const from = callers.get(k);
    if (from === undefined || from.size === 0) {
      open = true;
      return;
    }
    for (const c of from) visit(c);
  };
  visit(key);
  return { entries, open };
};

const isMatchingEvent = (env: BindEnv, key: string, events: readonly string[]): boolean => {
  const b = env.blocks.get(key);
  return b?.keyword === "event_route" && b.name !== undefined && eventMatches(events, b.name);
};

const warn = (env: BindEnv, u: EventUse, where: string): void => {
  env.warnings.push(
    sipmodError(
      "SM_CFG_EVENT_ROUTE",
      `${u.fn}() works only in ${eventsLabel(u.events)}; ${where} it is accepted, as Kamailio 5.6 accepts it at load, ` +
        `but it does nothing useful there at run time`,
      {
        pos: { file: u.pos.file, line: u.pos.line, column: u.pos.column },
        module: u.module,
        hint: `Call ${u.fn}() from ${eventsLabel(u.events)}, directly or through a route[] block called from there.`,
      },
    ),
  );
};

/** Add a SM_CFG_EVENT_ROUTE warning for every call of env.eventUses that cannot run in its event routes. */
export const checkEventUses = (env: BindEnv): void => {
  if (env.eventUses.length === 0) return;
  const callers = new Map<string, Set<string>>();
  for (const [from, names] of env.routeCalls) {
    for (const n of names) {
      const key = `route[${n}]`;
      let set = callers.get(key);
      if (set === undefined) callers.set(key, (set = new Set()));
      set.add(from);
    }
  }
  for (const u of env.eventUses) {
    if (isMatchingEvent(env, u.block, u.events)) continue;
    if (env.blocks.get(u.block)?.keyword !== "route") {
      warn(env, u, `in ${u.block}`);
      continue;
    }
    if (env.dynamicRouteCalls.length > 0) continue;
    const { entries, open } = entryBlocks(env, callers, u.block);
    if (open || [...entries].some((k) => isMatchingEvent(env, k, u.events))) continue;
    warn(env, u, `in ${u.block}, which is called only from ${[...entries].sort().join(", ")},`);
  }
};
