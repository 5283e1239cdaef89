/** The group of worker threads that runs the resumed routes, like Kamailio's ASYNC MOD TIMER processes. */
export const ASYNC_GROUP = "async";
