/**
 * Route block kinds, as bits so an allowed-routes check is one AND.
 * Values follow Kamailio's route-type flags in meaning (not in number).
 *
 * Kamailio 5.6 checks a module function against the block it is written in when the config is
 * loaded (`sr_cmd_flags_match`, "Command cannot be used in the block"), and never again at run
 * time. The block kinds it checks against: request_route and route[] are REQUEST_ROUTE,
 * failure_route FAILURE_ROUTE, onreply_route[NAME] TM_ONREPLY_ROUTE, reply_route (onreply_route
 * without a name) CORE_ONREPLY_ROUTE, branch_route BRANCH_ROUTE, onsend_route ONSEND_ROUTE, and every
 * event_route[...] EVENT_ROUTE, which 5.6 defines as REQUEST_ROUTE: an event route, whatever its
 * name (core:pre-routing, tm:branch-failure:NAME ...), accepts exactly the functions request_route
 * accepts. BRANCH_FAILURE_ROUTE is only a run-time route type in 5.6 (no block has it at load).
 */
export const RouteKinds = {
  request: 1, // request_route, route[NAME] (counts as request), event_route accepts these too
  failure: 2, // failure_route[NAME]; also a route resumed by t_continue/async
  onreply: 4, // tm onreply_route[NAME] (Kamailio's TM_ONREPLY_ROUTE)
  branch: 8, // branch_route[NAME]
  onsend: 16, // onsend_route
  core_onreply: 32, // reply_route / onreply_route without a name
  branch_failure: 64, // event_route[tm:branch-failure:NAME] at run time
  event: 128, // event_route[group:name]; as a function's route, Kamailio's EVENT_ROUTE (= REQUEST_ROUTE)
} as const;

export type RouteKind = keyof typeof RouteKinds;

/** Which blocks a config function may be called from: a list of kinds, or "any". */
export type RouteSet = readonly RouteKind[] | "any";

export const ANY_ROUTE_MASK = 0xff;

export const routeMask = (set: RouteSet): number =>
  set === "any" ? ANY_ROUTE_MASK : set.reduce((m, k) => m | RouteKinds[k], 0);

/** Kamailio 5.6: EVENT_ROUTE is REQUEST_ROUTE, so either bit lets a function into both kinds of block. */
const REQUEST_OR_EVENT = RouteKinds.request | RouteKinds.event;

/**
 * Whether a function whose routes are `mask` may be called in a block of `kind`, as Kamailio 5.6
 * decides at load: request_route, route[] and every event_route (tm:branch-failure too) accept
 * the functions allowed in REQUEST_ROUTE or EVENT_ROUTE; an event_route[tm:branch-failure:NAME]
 * also accepts those declared for `branch_failure`. Every other kind needs its own bit.
 */
export const routeAllows = (mask: number, kind: RouteKind): boolean => {
  switch (kind) {
    case "request":
    case "event":
      return (mask & REQUEST_OR_EVENT) !== 0;
    case "branch_failure":
      return (mask & (REQUEST_OR_EVENT | RouteKinds.branch_failure)) !== 0;
    default:
      return (mask & RouteKinds[kind]) !== 0;
  }
};

export const routeSetLabel = (set: RouteSet): string =>
  set === "any" ? "ANY_ROUTE" : set.map((k) => `${k.toUpperCase()}_ROUTE`).join("|");

/** The blocks a kind stands for, as a config writes them. */
const BLOCKS_OF: Readonly<Record<RouteKind, string>> = {
  request: "request_route, route[]",
  failure: "failure_route[]",
  onreply: "onreply_route[NAME]",
  branch: "branch_route[]",
  onsend: "onsend_route",
  core_onreply: "reply_route",
  branch_failure: "event_route[tm:branch-failure:NAME]",
  event: "event_route[]",
};

/** Where a function with these routes may be written, in the config's words (for error hints). */
export const routeSetBlocks = (set: RouteSet): string => {
  if (set === "any") return "any route block";
  const kinds = new Set<RouteKind>(set);
  // A request function is an event function too (Kamailio's EVENT_ROUTE is REQUEST_ROUTE).
  if (kinds.has("request") || kinds.has("event")) {
    kinds.add("request");
    kinds.add("event");
    kinds.delete("branch_failure");
  }
  return (Object.keys(BLOCKS_OF) as RouteKind[])
    .filter((k) => kinds.has(k))
    .map((k) => BLOCKS_OF[k])
    .join(", ");
};

/**
 * Whether an event route name is one of `events`: the same name, or a name below one written as
 * a prefix (`tm:branch-failure` covers `tm:branch-failure:NAME`).
 */
export const eventMatches = (events: readonly string[], name: string): boolean =>
  events.some((e) => name === e || name.startsWith(`${e}:`));
