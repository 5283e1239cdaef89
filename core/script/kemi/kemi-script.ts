import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Effect } from "effect";
import { sipmodError, type SipmodError } from "../../errors.ts";

/**
 * A TypeScript (or JavaScript) routing script, as Kamailio's KEMI scripts: an ES module whose
 * exports are route functions (`request_route`, `reply_route`, `onsend_route`) or objects of them
 * by name (`route`, `event_route`, and the block keywords modules add such as `failure_route`).
 */
export interface KemiScript {
  /** Absolute path of the script. */
  readonly file: string;
  /** Its exports, as imported. */
  readonly exports: { readonly [name: string]: unknown };
}

const SCRIPT_EXT = /\.(?:ts|mts|js|mjs)$/i;

/** True for a config path that names a TypeScript/JavaScript routing script rather than a cfg file. */
export const isKemiScriptFile = (file: string): boolean => SCRIPT_EXT.test(file);

/** Import the script with the runtime's own loader (tsx on Node, native on Bun and Deno). */
export const importKemiScript = (file: string): Effect.Effect<KemiScript, SipmodError> => {
  const path = resolve(file);
  return Effect.tryPromise({
    try: async () => {
      const mod = (await import(pathToFileURL(path).href)) as { readonly [name: string]: unknown };
      return { file: path, exports: { ...mod } } satisfies KemiScript;
    },
    catch: (cause) =>
      sipmodError("SM_CFG_SYNTAX", `cannot load the TypeScript routing script: ${cause instanceof Error ? cause.message : String(cause)}`, {
        pos: { file },
        hint: "Fix the error in the script (it is imported as an ES module; on Node it needs tsx).",
        cause,
      }),
  });
};
