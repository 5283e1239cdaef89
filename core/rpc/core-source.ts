import type { GroupStats } from "../process/stats.ts";
import type { ListenerInfo } from "../transport/listener-info.ts";

/** Memory figures of this process, in bytes (Node's process.memoryUsage() shape). */
export interface MemoryFigures {
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/**
 * What the core methods (core.uptime, core.modules, core.psx, core.sockets_list, core.shmmem)
 * and the process part of /metrics read. Plain data and functions; the server fills it in.
 * The functions are called on every request, so they return what is true now.
 */
export interface CoreRpcSource {
  /** When the server started, ms since the epoch. */
  readonly startedAt: number;
  /** Loaded modules in init order. */
  readonly modules: () => readonly { readonly name: string; readonly version: string }[];
  /** Process groups with their workers (ProcessGroupsControlApi.stats); [] when none run. */
  readonly groups: () => readonly GroupStats[];
  /** Bound SIP listeners (TransportApi.listeners); [] before the transport is up. */
  readonly listeners: () => readonly ListenerInfo[];
  /** Default: process.memoryUsage(). */
  readonly memory?: () => MemoryFigures;
  /** Default: Date.now. */
  readonly now?: () => number;
}

export const readMemory = (src: CoreRpcSource): MemoryFigures => {
  if (src.memory !== undefined) return src.memory();
  const m = process.memoryUsage();
  return { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
};

export const readNow = (src: CoreRpcSource): number => (src.now !== undefined ? src.now() : Date.now());
