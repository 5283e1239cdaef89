import type { ForwardingApi } from "../script/builtins/forwarding.ts";
import type { ListenerInfo } from "../transport/listener-info.ts";
import type { Proto } from "../transport/receive-info.ts";

const DEFAULT_PORT: Partial<Record<Proto, number>> = { udp: 5060, tcp: 5060, tls: 5061 };

/**
 * Forwarding facts from the bound listeners: our Via address for a protocol and family (the
 * listener the message arrived on when it fits, else the first of that protocol and family), and
 * whether a host:port names this server (any listener's IP and port; 0.0.0.0/:: match every
 * address is not assumed: sipmod binds IP literals).
 */
export const forwardingFromListeners = (listeners: readonly ListenerInfo[]): ForwardingApi => ({
  viaFor: (proto, af, rcv) => {
    const arrived = rcv !== undefined ? listeners[rcv.listenerId] : undefined;
    const l =
      arrived !== undefined && arrived.proto === proto && arrived.af === af
        ? arrived
        : listeners.find((x) => x.proto === proto && x.af === af);
    return l === undefined ? undefined : { host: l.af === 6 ? `[${l.ip}]` : l.ip, port: l.port };
  },
  isLocal: (host, port, proto) => {
    const h = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
    const p = port ?? DEFAULT_PORT[proto] ?? 5060;
    return listeners.some((l) => l.ip === h && l.port === p);
  },
});
