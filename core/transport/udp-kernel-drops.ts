import { readFileSync } from "node:fs";
import { endianness } from "node:os";
import { ipv6Bytes } from "./ip-address.ts";

/**
 * The rows of Linux's /proc/net/udp{,6} for sockets bound to ip:port, each split into its columns
 * (1: local address, 9: inode, last: drops). Several sockets may share a port. Returns undefined
 * where /proc is not available (not Linux). Not for the hot path: it reads a file.
 */
export const udpSocketRows = (ip: string, port: number, af: 4 | 6): string[][] | undefined => {
  let text: string;
  try {
    text = readFileSync(af === 6 ? "/proc/net/udp6" : "/proc/net/udp", "latin1");
  } catch {
    return undefined;
  }
  const want = `${procAddress(ip, af)}:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const lines = text.split("\n");
  const rows: string[][] = [];
  for (let i = 1; i < lines.length; i++) {
    const cols = lines[i]!.trim().split(/\s+/);
    if (cols[1] === want) rows.push(cols);
  }
  return rows;
};

/**
 * Datagrams the kernel dropped on a bound UDP socket because its receive buffer was full
 * (the "drops" column of its /proc/net/udp row). This is the counter that shows a too small
 * receive buffer. Returns undefined where /proc is not available (not Linux) or no socket is bound.
 */
export const udpKernelDrops = (ip: string, port: number, af: 4 | 6): number | undefined => {
  const cols = udpSocketRows(ip, port, af)?.[0];
  if (cols === undefined) return undefined;
  const drops = Number(cols[cols.length - 1]);
  return Number.isFinite(drops) ? drops : undefined;
};

/** The hex form /proc/net/udp uses: each 32-bit word of the address in host byte order. */
const procAddress = (ip: string, af: 4 | 6): string => {
  const bytes = af === 4 ? ip.split(".").map(Number) : ipv6Bytes(ip);
  const le = endianness() === "LE";
  let out = "";
  for (let w = 0; w < bytes.length; w += 4) {
    const word = bytes.slice(w, w + 4);
    if (le) word.reverse();
    for (const b of word) out += b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
};
