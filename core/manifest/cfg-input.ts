import type { SourcePos } from "../errors.ts";

/**
 * The global lines of a cfg file the loader needs: `loadmodule`, `modparam` and core parameters
 * (`listen=`, `children=` ...). core/script parses the file and hands these over (core/manifest
 * sits below core/script, so it takes the parsed lines rather than parsing itself). Lines are in
 * file order, includes expanded where they stand.
 */
export type CfgGlobalInput =
  | { readonly type: "loadmodule"; readonly path: string; readonly pos: SourcePos }
  | {
      readonly type: "modparam";
      readonly module: string;
      readonly param: string;
      readonly value: string | number;
      readonly pos: SourcePos;
    }
  | { readonly type: "param"; readonly name: string; readonly value: CfgParamValue; readonly pos: SourcePos }
  /** Kamailio cfg-framework variables (`group.name = value`): not the loader's business. */
  | { readonly type: "cfgvar"; readonly pos: SourcePos };

/** A core parameter's value as the parser gives it: `listen=` values come as a structured address. */
export type CfgParamValue = string | number | boolean | CfgListenValue;

/** A socket address as core/script's parser gives it for `listen=` (its ListenValue). */
export interface CfgListenValue {
  /** The address as written, without `advertise`/`name` parts (`udp:127.0.0.1:5060`). */
  readonly text: string;
  readonly advertise?: { readonly text: string } | undefined;
  readonly name?: string | undefined;
  readonly virtual?: boolean | undefined;
}

export interface CfgGlobalsInput {
  /** The cfg file, as the user named it (messages show it). */
  readonly file: string;
  readonly globals: readonly CfgGlobalInput[];
}

/** A cfg value as text: strings as they are, numbers in decimal, booleans as yes/no, addresses as written. */
export const cfgValueText = (v: CfgParamValue): string =>
  typeof v === "string" ? v : typeof v === "number" ? String(v) : typeof v === "boolean" ? (v ? "yes" : "no") : v.text;
