/** The script variable stores live in core/module (CallContext exposes them); re-exported for the engine. */
export * from "../module/script-stores.ts";
