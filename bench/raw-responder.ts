/**
 * The floor reference of the stateless benchmark: a bare `node:dgram` socket that answers every
 * request with `200 OK`, copying Via, From, To (plus a tag), Call-ID and CSeq, and nothing else:
 * no parser, no routing, no Effect. Whatever sipmod does on top costs time above this floor.
 *
 *   node --import tsx bench/raw-responder.ts --port 5090 [--host 127.0.0.1] [--recv-buffer 4194304]
 *   (also runs under `bun` and `deno run -A`)
 *
 * Prints `ready <port>` on stdout once bound; exits on SIGTERM/SIGINT.
 */
import * as dgram from "node:dgram";

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : dflt;
};

const host = arg("host", "127.0.0.1");
const port = Number(arg("port", "0"));
const recvBuffer = Number(arg("recv-buffer", String(4 * 1024 * 1024)));

const COPIED = ["via:", "v:", "from:", "f:", "to:", "t:", "call-id:", "i:", "cseq:"];

/** Build the 200 for one request text; undefined for anything that is not a request. */
const answer = (text: string): string | undefined => {
  if (text.startsWith("SIP/2.0")) return undefined;
  const headEnd = text.indexOf("\r\n\r\n");
  const lines = text.slice(0, headEnd < 0 ? text.length : headEnd).split("\r\n");
  let out = "SIP/2.0 200 OK\r\n";
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon + 1).trimEnd().toLowerCase();
    if (!COPIED.includes(name)) continue;
    if ((name === "to:" || name === "t:") && !/;\s*tag=/i.test(line)) out += `${line};tag=floor1\r\n`;
    else out += `${line}\r\n`;
  }
  return `${out}Server: raw-dgram-floor\r\nContent-Length: 0\r\n\r\n`;
};

const socket = dgram.createSocket(
  recvBuffer > 0
    ? { type: host.includes(":") ? "udp6" : "udp4", recvBufferSize: recvBuffer, sendBufferSize: recvBuffer }
    : { type: host.includes(":") ? "udp6" : "udp4" },
);
socket.on("message", (buf, rinfo) => {
  const reply = answer(buf.toString("latin1"));
  if (reply !== undefined) socket.send(Buffer.from(reply, "latin1"), rinfo.port, rinfo.address);
});
socket.bind(port, host, () => {
  process.stdout.write(`ready ${socket.address().port} recv-buffer ${socket.getRecvBufferSize()}\n`);
});
const stop = () => socket.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
