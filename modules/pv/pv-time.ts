import { pv, type AnyPvSpec } from "../../core/module/define-module.ts";
import type { CallContext } from "../../core/module/call-context.ts";

/** Time pseudo-variables: the message's receive time and the current time. */

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** C's ctime() in local time, without the newline: `Tue Nov 22 10:04:05 2026`. */
export const ctime = (ms: number): string => {
  const d = new Date(ms);
  const day = d.getDate();
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${day < 10 ? ` ${day}` : day} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
};

const nowMs = (): number => performance.timeOrigin + performance.now();

/** Time of the context (read once per message), or now. */
const cachedMs = (ctx: CallContext): number => ctx.now();

type TvName = "s" | "u" | "sn" | "un" | "Sn";

const secs = (ms: number): number => Math.floor(ms / 1000);
const usecs = (ms: number): number => Math.floor((ms * 1000) % 1_000_000);

export const timePvs: readonly AnyPvSpec[] = [
  pv<undefined>({
    name: "Tf",
    inner: "none",
    doc: "Receive time of the message as a ctime() string (`Tue Nov 22 10:04:05 2026`).",
    get: (ctx) => ctime(ctx.rcv.time),
  }),
  pv<undefined>({
    name: "Ts",
    inner: "none",
    doc: "Receive time of the message as a Unix timestamp (seconds).",
    get: (ctx) => secs(ctx.rcv.time),
  }),
  pv<undefined>({
    name: "TF",
    inner: "none",
    doc: "Current time as a ctime() string (read on every use).",
    get: () => ctime(nowMs()),
  }),
  pv<TvName>({
    name: "TV",
    inner: "required",
    doc:
      "Current time: $TV(s) seconds and $TV(u) microseconds (read once per message), $TV(sn) and $TV(un) the same " +
      "read on every use, $TV(Sn) `seconds.microseconds` as a string read on every use.",
    parse: (inner) =>
      inner === "s" || inner === "u" || inner === "sn" || inner === "un" || inner === "Sn"
        ? inner
        : { error: `$TV(${inner ?? ""}): use s, u, sn, un or Sn` },
    get: (ctx, n) => {
      switch (n) {
        case "s":
          return secs(cachedMs(ctx));
        case "u":
          return usecs(cachedMs(ctx));
        case "sn":
          return secs(nowMs());
        case "un":
          return usecs(nowMs());
        case "Sn": {
          const ms = nowMs();
          return `${secs(ms)}.${String(usecs(ms)).padStart(6, "0")}`;
        }
      }
    },
  }),
];
