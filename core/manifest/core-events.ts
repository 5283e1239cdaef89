/**
 * Event routes the core itself raises (`event_route[core:pre-routing]`), which a config may
 * define whatever modules are loaded. Module events come from each declaration's `events`.
 */
export const CORE_EVENTS: readonly string[] = ["core:pre-routing"];
