/**
 * Route block kinds, as bits so an allowed-routes check is one AND.
 * Values follow Kamailio's route-type flags in meaning (not in number).
 */
export const RouteKinds = {
  request: 1, // request_route, route[NAME] (counts as request), event_route accepts these too
  failure: 2, // failure_route[NAME]; also a route resumed by t_continue/async
  onreply: 4, // tm onreply_route[NAME]
  branch: 8, // branch_route[NAME]
  onsend: 16, // onsend_route
  core_onreply: 32, // reply_route / onreply_route without a name
  branch_failure: 64, // event_route[tm:branch-failure:NAME]
  event: 128, // event_route[group:name]
} as const;

export type RouteKind = keyof typeof RouteKinds;

/** Which blocks a config function may be called from: a list of kinds, or "any". */
export type RouteSet = readonly RouteKind[] | "any";

export const ANY_ROUTE_MASK = 0xff;

export const routeMask = (set: RouteSet): number =>
  set === "any" ? ANY_ROUTE_MASK : set.reduce((m, k) => m | RouteKinds[k], 0);

/** An event_route accepts every function a request_route accepts, as in Kamailio. */
export const routeAllows = (mask: number, kind: RouteKind): boolean =>
  (mask & RouteKinds[kind]) !== 0 || (kind === "event" && (mask & RouteKinds.request) !== 0);

export const routeSetLabel = (set: RouteSet): string =>
  set === "any" ? "ANY_ROUTE" : set.map((k) => `${k.toUpperCase()}_ROUTE`).join("|");
