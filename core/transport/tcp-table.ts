import { addrKey, type TcpConnection } from "./tcp-connection.ts";

/**
 * The open TCP connections, by id (ReceiveInfo.connId) and by the peer's `ip:port`, so a reply
 * goes back on the connection its request came on and a later send to the same peer reuses it.
 */
export class TcpTable {
  private readonly byId = new Map<number, TcpConnection>();
  private readonly byAddr = new Map<string, TcpConnection>();
  private nextId = 1;

  newId(): number {
    return this.nextId++;
  }

  add(c: TcpConnection): void {
    this.byId.set(c.id, c);
    this.byAddr.set(c.key, c);
  }

  remove(c: TcpConnection): boolean {
    if (this.byId.get(c.id) !== c) return false;
    this.byId.delete(c.id);
    if (this.byAddr.get(c.key) === c) this.byAddr.delete(c.key);
    return true;
  }

  get(id: number): TcpConnection | undefined {
    return this.byId.get(id);
  }

  byAddress(ip: string, port: number): TcpConnection | undefined {
    return this.byAddr.get(addrKey(ip, port));
  }

  get size(): number {
    return this.byId.size;
  }

  all(): TcpConnection[] {
    return [...this.byId.values()];
  }
}
