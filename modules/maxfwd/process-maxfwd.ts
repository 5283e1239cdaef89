import type { CallContext } from "../../core/module/call-context.ts";

/**
 * mf_process_maxfwd_header(max): Kamailio's return codes.
 *  2  no Max-Forwards header: one is added with the value `max`;
 *  1  the header was found and its value decremented (and capped at `limit`);
 * -1  the header was found with value 0: the request must not be forwarded (reply 483);
 * -2  the header is malformed, or `max` is out of range.
 */
export const processMaxfwd = (ctx: CallContext, max: number, limit: number): number => {
  const msg = ctx.msg;
  if (!msg.isRequest || !Number.isInteger(max) || max < 1 || max > 255) return -2;
  const raw = msg.header("max-forwards");
  if (raw === undefined) {
    msg.addHeader("Max-Forwards", String(max), "last");
    return 2;
  }
  const value = parseMaxfwd(raw);
  if (value === undefined) return -2;
  if (value === 0) return -1;
  const next = Math.min(value - 1, limit);
  msg.replaceHeader("Max-Forwards", String(next));
  return 1;
};

/** is_maxfwd_lt(max): 1 if the header's value is less than `max`, -1 if not, -2 without a valid header. */
export const isMaxfwdLessThan = (ctx: CallContext, max: number): number => {
  const raw = ctx.msg.header("max-forwards");
  if (raw === undefined) return -2;
  const value = parseMaxfwd(raw);
  if (value === undefined) return -2;
  return value < max ? 1 : -1;
};

/** A Max-Forwards value: 1 to 3 digits, 0..255. */
const parseMaxfwd = (raw: string): number | undefined => {
  const s = raw.trim();
  if (s.length === 0 || s.length > 3) return undefined;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    v = v * 10 + c;
  }
  return v <= 255 ? v : undefined;
};
