/** The core's version. A module declares the core major it was built for (`core: 1`). */
export const CORE_VERSION = "0.1.0";
export const CORE_MAJOR = 1;
