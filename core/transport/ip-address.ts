import { isIP } from "node:net";

/** Strip the brackets of an IPv6 reference (`[::1]` -> `::1`). */
export const unbracket = (host: string): string =>
  host.length > 1 && host.charCodeAt(0) === 91 && host.charCodeAt(host.length - 1) === 93 ? host.slice(1, -1) : host;

/** The 16 bytes of an IPv6 literal (with or without an embedded IPv4 tail). Assumes a valid literal. */
export const ipv6Bytes = (ip: string): number[] => {
  let head = ip;
  let v4tail: number[] = [];
  const lastColon = ip.lastIndexOf(":");
  if (ip.indexOf(".", lastColon) > 0) {
    v4tail = ip.slice(lastColon + 1).split(".").map(Number);
    head = `${ip.slice(0, lastColon + 1)}0:0`;
  }
  const dbl = head.indexOf("::");
  const left = dbl < 0 ? head.split(":") : head.slice(0, dbl) === "" ? [] : head.slice(0, dbl).split(":");
  const rightText = dbl < 0 ? "" : head.slice(dbl + 2);
  const right = rightText === "" ? [] : rightText.split(":");
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  const out: number[] = [];
  for (const g of groups) {
    const v = parseInt(g, 16);
    out.push(v >> 8, v & 0xff);
  }
  if (v4tail.length === 4) out.splice(12, 4, ...v4tail);
  return out;
};

/** `::ffff:1.2.3.4` -> `1.2.3.4`; any other address unchanged. */
const unmap = (ip: string): string => {
  if (ip.length > 7 && ip.charCodeAt(0) === 58 && /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip)) return ip.slice(7);
  return ip;
};

/**
 * True when two IP literals name the same address (IPv6 text forms compared as bytes, an
 * IPv4-mapped IPv6 address equal to its IPv4 form). A host name is never equal to an address.
 */
export const sameIp = (a: string, b: string): boolean => {
  if (a === b) return isIP(a) !== 0;
  const x = unmap(unbracket(a));
  const y = unmap(unbracket(b));
  if (x === y) return isIP(x) !== 0;
  const fx = isIP(x);
  if (fx === 0 || fx !== isIP(y)) return false;
  if (fx === 4) return false;
  const bx = ipv6Bytes(x);
  const by = ipv6Bytes(y);
  for (let i = 0; i < 16; i++) if (bx[i] !== by[i]) return false;
  return true;
};
