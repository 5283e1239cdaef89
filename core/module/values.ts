/** A script value: Kamailio's int/string typing, plus $null. */
export type ScriptValue = string | number | null;

/** Data that can cross a thread boundary (structured-clone safe). */
export type TaskData =
  | string
  | number
  | boolean
  | null
  | Uint8Array
  | readonly TaskData[]
  | { readonly [key: string]: TaskData };

/** JSON value for RPC params and results. */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };
