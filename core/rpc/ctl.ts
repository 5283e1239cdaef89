import { Either } from "effect";
import { SipmodError, sipmodError } from "../errors.ts";
import type { Json } from "../module/values.ts";
import { rpcCall, RpcCallError } from "./client.ts";
import { RPC_METHOD_FAILED } from "./json-rpc.ts";

/**
 * How `sipmod ctl <method> [params...]` reads its parameters (kamcmd's convention, extended):
 * - a word written like a JSON number (`1`, `-2`, `0.5`, `1e3`) is a number;
 * - `s:TEXT` is the string TEXT, whatever it looks like (`s:42` is "42");
 * - `i:N` is the integer N (an error when N is not an integer);
 * - `j:JSON` is any JSON value (`j:true`, `j:null`, `j:[1,2]`, `j:{"a":1}`);
 * - anything else is a string as written (`007`, `true`, `a b` stay strings).
 */
export const CTL_PARAMS_RULE =
  'numbers (JSON syntax: 1, -2, 0.5) become numbers; "s:TEXT" forces a string, "i:N" an integer, "j:JSON" any JSON value; everything else is a string';

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

const badParam = (arg: string, why: string): SipmodError =>
  sipmodError("SM_RPC", `bad parameter "${arg}": ${why}`, { hint: `ctl parameters: ${CTL_PARAMS_RULE}.` });

export const parseCtlParam = (arg: string): Either.Either<Json, SipmodError> => {
  if (arg.startsWith("s:")) return Either.right(arg.slice(2));
  if (arg.startsWith("i:")) {
    const t = arg.slice(2);
    return /^-?\d+$/.test(t) && Number.isSafeInteger(Number(t))
      ? Either.right(Number(t))
      : Either.left(badParam(arg, `"${t}" is not an integer`));
  }
  if (arg.startsWith("j:")) {
    try {
      return Either.right(JSON.parse(arg.slice(2)) as Json);
    } catch (e) {
      return Either.left(badParam(arg, `not valid JSON (${e instanceof Error ? e.message : String(e)})`));
    }
  }
  if (JSON_NUMBER.test(arg)) {
    const n = Number(arg);
    if (Number.isFinite(n)) return Either.right(n);
  }
  return Either.right(arg);
};

export const parseCtlParams = (args: readonly string[]): Either.Either<readonly Json[], SipmodError> =>
  Either.all(args.map(parseCtlParam));

/** A result as `sipmod ctl` prints it: JSON, indented by two spaces. */
export const formatResult = (result: Json): string => JSON.stringify(result, null, 2);

/** A JSON-RPC error as `sipmod ctl` prints it. */
export const formatRpcError = (e: RpcCallError): string => {
  const d = e.data;
  if (e.code === RPC_METHOD_FAILED && typeof d === "object" && d !== null && !Array.isArray(d)) {
    const r = d as { readonly [k: string]: Json };
    if (typeof r["code"] === "string") {
      const mod = typeof r["module"] === "string" ? ` [${r["module"]}]` : "";
      const fix = typeof r["hint"] === "string" ? `\n  fix: ${r["hint"]}` : "";
      return `error ${r["code"]}${mod}: ${e.message} (JSON-RPC error ${e.code} from ${e.method})${fix}`;
    }
  }
  const detail = d === undefined ? "" : typeof d === "string" ? `: ${d}` : `\n${JSON.stringify(d, null, 2)}`;
  return `error ${e.code} from ${e.method}: ${e.message}${detail}`;
};

/** What `sipmod ctl` prints and its exit code. */
export interface CtlOutcome {
  readonly exitCode: 0 | 1;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `sipmod ctl <method> [params...]`: parse the parameters, call the server at `url`, and return
 * the text to print: the result as indented JSON (exit 0), or the error (exit 1).
 */
export const runCtl = async (
  url: string,
  method: string,
  args: readonly string[],
  options: { readonly timeoutMs?: number } = {},
): Promise<CtlOutcome> => {
  const params = parseCtlParams(args);
  if (Either.isLeft(params)) return { exitCode: 1, stdout: "", stderr: `${params.left.format()}\n` };
  try {
    const result = await rpcCall(url, method, params.right, options);
    return { exitCode: 0, stdout: `${formatResult(result)}\n`, stderr: "" };
  } catch (e) {
    if (e instanceof RpcCallError) return { exitCode: 1, stdout: "", stderr: `${formatRpcError(e)}\n` };
    if (e instanceof SipmodError) return { exitCode: 1, stdout: "", stderr: `${e.format()}\n` };
    return { exitCode: 1, stdout: "", stderr: `error: ${e instanceof Error ? e.message : String(e)}\n` };
  }
};
