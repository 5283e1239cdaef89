import { sipmodError, type SipmodError, type SourcePos } from "../errors.ts";
import { cfgValueText, type CfgGlobalInput, type CfgParamValue } from "./cfg-input.ts";
import { coreParamNames, type GroupParams, type LogLevel } from "./core-params.ts";
import { didYouMeanSuffix } from "./did-you-mean.ts";
import { DEFAULT_GROUP } from "./core-groups.ts";
import { parseGroupSpec } from "./group-spec.ts";

/** A Kamailio global parameter sipmod accepts but that has no effect here, and why. */
export interface IgnoredCfgParam {
  readonly name: string;
  readonly pos: SourcePos;
  readonly reason: string;
}

/**
 * Kamailio global parameters that are accepted and have no effect in sipmod, with the reason.
 * Anything neither mapped nor listed here is an error (SM_CORE_PARAM), so a setting is never
 * silently dropped.
 */
export const IGNORED_CFG_PARAMS: Readonly<Record<string, string>> = {
  log_stderror: "sipmod always logs to stderr",
  log_facility: "sipmod does not write to syslog",
  log_name: "sipmod does not write to syslog",
  log_prefix: "sipmod's log lines have a fixed prefix (time, level, process)",
  fork: "sipmod is one process with worker threads; it never forks",
  auto_aliases: "sipmod adds no aliases from DNS",
  dns: "sipmod does no DNS lookups of its own addresses",
  rev_dns: "sipmod does no reverse DNS lookups",
  dns_try_ipv6: "sipmod does no DNS lookups of its own addresses",
  memdbg: "there is no pkg/shm memory manager to debug",
  memlog: "there is no pkg/shm memory manager to debug",
  mem_summary: "there is no pkg/shm memory manager to summarise",
  async_nonblock: "a full group queue always fails at once in sipmod",
  async_usleep: "group workers wait on their queue, they do not poll",
  mpath: "used only to resolve loadmodule paths to built-in modules",
  disable_tls: "sipmod has no TLS transport yet, so TLS is always off",
};

/** Kamailio's `debug=N` as a log level. */
export const logLevelOfDebug = (n: number): LogLevel =>
  n <= -1 ? "error" : n === 0 ? "warn" : n === 1 ? "notice" : n === 2 ? "info" : "debug";

/** Kamailio global parameter names that map onto a core parameter of another name. */
const RENAMED: Readonly<Record<string, string>> = {
  maxbuffer: "udp_recv_buffer",
  maxsndbuffer: "udp_send_buffer",
  tcp_connection_lifetime: "tcp_idle_timeout",
};

/** Global parameters a cfg file may set, besides the ignored ones. */
export const cfgCoreParamNames: readonly string[] = [
  "listen",
  "children",
  "async_workers",
  "async_workers_group",
  "debug",
  ...Object.keys(RENAMED),
  ...coreParamNames.filter((n) => !["listen", "groups", "rpc", "log_level", "children", "async_workers"].includes(n)),
];

export interface CfgCoreParams {
  /** Core parameters set by the cfg, in the encoded form plugins.json uses. */
  readonly values: { readonly [name: string]: unknown };
  /** The line that set each value (the last one). */
  readonly positions: ReadonlyMap<string, SourcePos>;
  /** `mpath=` if set. */
  readonly mpath: string | undefined;
  readonly ignored: readonly IgnoredCfgParam[];
  readonly errors: readonly SipmodError[];
}

const valueLabel = (v: CfgParamValue): string =>
  typeof v === "string" ? JSON.stringify(v) : cfgValueText(v);

/** The core parameters a cfg file's `name=value` lines set, mapped to plugins.json names. */
export const cfgCoreParams = (globals: readonly CfgGlobalInput[]): CfgCoreParams => {
  const values: { [name: string]: unknown } = {};
  const positions = new Map<string, SourcePos>();
  const ignored: IgnoredCfgParam[] = [];
  const errors: SipmodError[] = [];
  const listen: string[] = [];
  const groups: GroupParams[] = [];
  let defaultGroup: GroupParams | undefined;
  let defaultWorkers: number | undefined;
  let mpath: string | undefined;

  const set = (name: string, value: unknown, pos: SourcePos): void => {
    values[name] = value;
    positions.set(name, pos);
  };

  for (const g of globals) {
    if (g.type !== "param") continue;
    const { name, value, pos } = g;
    switch (name) {
      case "listen":
        positions.set("listen", pos);
        if (typeof value === "object" && (value.advertise !== undefined || value.virtual === true)) {
          errors.push(
            sipmodError(
              "SM_LISTEN",
              `listen=${value.text}: ${value.advertise !== undefined ? `"advertise ${value.advertise.text}"` : "virtual"} is not supported`,
              { pos, hint: `Write the address alone: listen=${value.text}.` },
            ),
          );
          continue;
        }
        if (typeof value === "object" && value.name !== undefined)
          ignored.push({ name: "listen ... name", pos, reason: "sockets are not named in sipmod" });
        listen.push(cfgValueText(value));
        continue;
      case "async_workers_group": {
        positions.set("groups", pos);
        if (typeof value !== "string") {
          errors.push(
            sipmodError("SM_GROUP_SPEC", `async_workers_group must be a quoted string, got ${valueLabel(value)}`, {
              pos,
              hint: 'Write async_workers_group="name=grp;workers=2".',
            }),
          );
          continue;
        }
        const r = parseGroupSpec(value);
        if ("error" in r) {
          errors.push(sipmodError("SM_GROUP_SPEC", `invalid async_workers_group ${JSON.stringify(value)}: ${r.error}`, { pos, hint: r.fix }));
          continue;
        }
        const group = r.group;
        if (group.name === DEFAULT_GROUP) {
          defaultGroup = group;
          continue;
        }
        if (groups.some((x) => x.name === group.name)) {
          errors.push(
            sipmodError("SM_GROUP_SPEC", `async_workers_group: group "${group.name}" is defined twice`, {
              pos,
              hint: "Keep one definition per group name (names are case-sensitive).",
            }),
          );
          continue;
        }
        // Kamailio: a named group defined while there is no default group creates it with 1 worker.
        if (defaultGroup === undefined && defaultWorkers === undefined) defaultWorkers = 1;
        groups.push(group);
        continue;
      }
      case "async_workers": {
        if (typeof value !== "number" || !Number.isSafeInteger(value)) {
          errors.push(
            sipmodError("SM_CORE_PARAM", `async_workers must be an integer, got ${valueLabel(value)}`, {
              pos,
              hint: "Give the number of default-group workers: async_workers=4.",
            }),
          );
          continue;
        }
        // Kamailio ignores 0 or less, and ignores it when the default group already has workers.
        if (value <= 0) continue;
        if (defaultGroup !== undefined || defaultWorkers !== undefined) {
          ignored.push({
            name,
            pos,
            reason: `the default group already has ${defaultGroup?.workers ?? defaultWorkers} worker(s) (Kamailio ignores it too)`,
          });
          continue;
        }
        defaultWorkers = value;
        positions.set("async_workers", pos);
        continue;
      }
      case "debug":
        if (typeof value !== "number" || !Number.isInteger(value))
          errors.push(sipmodError("SM_CORE_PARAM", `debug must be an integer (-1 .. 3), got ${valueLabel(value)}`, { pos }));
        else set("log_level", logLevelOfDebug(value), pos);
        continue;
      case "mpath":
        mpath = cfgValueText(value);
        continue;
    }
    const renamed = RENAMED[name];
    if (renamed !== undefined) {
      set(renamed, value, pos);
      continue;
    }
    const reason = IGNORED_CFG_PARAMS[name];
    if (reason !== undefined) {
      ignored.push({ name, pos, reason });
      continue;
    }
    if (cfgCoreParamNames.includes(name)) {
      set(name, value, pos);
      continue;
    }
    errors.push(
      sipmodError(
        "SM_CORE_PARAM",
        `unknown or unsupported global parameter "${name}"${didYouMeanSuffix(name, [...cfgCoreParamNames, ...Object.keys(IGNORED_CFG_PARAMS)])}`,
        {
          pos,
          hint: `Remove the line or use a supported parameter: ${cfgCoreParamNames.join(", ")} (and these, accepted without effect: ${Object.keys(IGNORED_CFG_PARAMS).join(", ")}).`,
        },
      ),
    );
  }
  if (listen.length > 0) values["listen"] = listen;
  if (defaultWorkers !== undefined) values["async_workers"] = defaultWorkers;
  const allGroups = defaultGroup !== undefined ? [defaultGroup, ...groups] : groups;
  if (allGroups.length > 0) values["groups"] = allGroups;
  return { values, positions, mpath, ignored, errors };
};
