import { createSocket, type Socket } from "node:dgram";
import { connect, type Socket as TcpSocket } from "node:net";

/** A SIP request as text with CRLF line ends and a correct Content-Length. */
export const sipRequest = (opts: {
  readonly method?: string;
  readonly ruri?: string;
  readonly port: number;
  readonly transport?: "UDP" | "TCP";
  readonly branch?: string;
  readonly callId?: string;
  readonly extra?: readonly string[];
  readonly maxForwards?: number | null;
}): string => {
  const method = opts.method ?? "OPTIONS";
  const lines = [
    `${method} ${opts.ruri ?? "sip:service@127.0.0.1"} SIP/2.0`,
    `Via: SIP/2.0/${opts.transport ?? "UDP"} 127.0.0.1:${opts.port};branch=${opts.branch ?? `z9hG4bK-${Math.random().toString(36).slice(2)}`};rport`,
    "From: <sip:tester@127.0.0.1>;tag=t1",
    "To: <sip:service@127.0.0.1>",
    `Call-ID: ${opts.callId ?? `c-${Math.random().toString(36).slice(2)}`}@127.0.0.1`,
    `CSeq: 1 ${method}`,
    ...(opts.maxForwards === null ? [] : [`Max-Forwards: ${opts.maxForwards ?? 70}`]),
    ...(opts.extra ?? []),
    "Content-Length: 0",
  ];
  return `${lines.join("\r\n")}\r\n\r\n`;
};

/** The status code and reason of a reply's first line. */
export const statusOf = (reply: string): { readonly code: number; readonly reason: string } => {
  const m = /^SIP\/2\.0 (\d{3}) ([^\r\n]*)/.exec(reply);
  if (m === null) throw new Error(`not a SIP reply: ${reply.slice(0, 80)}`);
  return { code: Number(m[1]), reason: m[2]! };
};

/** A UDP SIP client on 127.0.0.1 (port 0) that collects the datagrams it receives. */
export class UdpClient {
  readonly received: string[] = [];
  private waiters: (() => void)[] = [];
  private constructor(private readonly sock: Socket) {
    sock.on("message", (m) => {
      this.received.push(m.toString("latin1"));
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static async open(): Promise<UdpClient> {
    // a large receive buffer: a test server on the same event loop can answer in bursts
    const sock = createSocket({ type: "udp4", recvBufferSize: 4 * 1024 * 1024 });
    await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", resolve));
    return new UdpClient(sock);
  }
  get port(): number {
    return this.sock.address().port;
  }
  send(port: number, text: string | Uint8Array): void {
    this.sock.send(typeof text === "string" ? Buffer.from(text, "latin1") : text, port, "127.0.0.1");
  }
  /** Wait until `n` datagrams have arrived in all (or fail after `ms`). */
  async waitFor(n: number, ms = 15_000): Promise<string[]> {
    const until = Date.now() + ms;
    while (this.received.length < n) {
      const left = until - Date.now();
      if (left <= 0) throw new Error(`expected ${n} replies, got ${this.received.length}: ${this.received.map((r) => r.split("\r\n")[0]).join(" | ")}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.received;
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.sock.close(() => resolve()));
  }
}

/** Send one message over a new TCP connection and collect what comes back until `until` matches. */
export const tcpExchange = (port: number, text: string, until: (got: string) => boolean, ms = 15_000): Promise<string> =>
  new Promise((resolve, reject) => {
    const s: TcpSocket = connect(port, "127.0.0.1");
    let got = "";
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`TCP reply not complete after ${ms} ms: ${got}`));
    }, ms);
    s.on("connect", () => s.write(text));
    s.on("data", (d) => {
      got += d.toString("latin1");
      if (until(got)) {
        clearTimeout(t);
        s.end();
        s.destroy();
        resolve(got);
      }
    });
    s.on("error", (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
