/**
 * CPU cost of sipmod's per-request stateless path without the sockets: SipMessage.parse,
 * fixTopVia, buildReply and replyTarget on a 415-byte OPTIONS (the SIPp benchmark's request),
 * plus the raw floor's string work for comparison. Median of 5 rounds of 200 000 requests.
 *
 *   node --import tsx bench/stateless-path-bench.ts     (also: bun, deno run -A)
 */
import { runtime, runtimeVersion } from "../core/runtime.ts";
import { isParseFailure, SipMessage } from "../core/sip/message.ts";
import { buildReply } from "../core/sip/reply.ts";
import { fixTopVia } from "../core/transport/fix-top-via.ts";
import type { ReceiveInfo } from "../core/transport/receive-info.ts";
import { replyTarget } from "../core/transport/reply-target.ts";

const REQ = Buffer.from(
  "OPTIONS sip:service@127.0.0.1:5060 SIP/2.0\r\n" +
    "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-12345-1-0\r\n" +
    "Max-Forwards: 70\r\n" +
    'From: "sipp" <sip:sipp@127.0.0.1:5061>;tag=12345SIPpTag001\r\n' +
    "To: <sip:service@127.0.0.1:5060>\r\n" +
    "Call-ID: 1-12345@127.0.0.1\r\n" +
    "CSeq: 1 OPTIONS\r\n" +
    "Contact: <sip:sipp@127.0.0.1:5061>\r\n" +
    "Accept: application/sdp\r\n" +
    "User-Agent: sipp-bench\r\n" +
    "Content-Length: 0\r\n\r\n",
  "latin1",
);

const rcv: ReceiveInfo = {
  proto: "udp", srcIp: "127.0.0.1", srcPort: 5061, dstIp: "127.0.0.1", dstPort: 5060,
  af: 4, listenerId: 0, connId: 0, time: 0,
};

let sink = 0;
const sipmodPath = (): void => {
  const m = SipMessage.parse(REQ);
  if (isParseFailure(m)) throw new Error(m.reason);
  fixTopVia(m, rcv);
  const out = buildReply(m, 200, "OK", { toTag: "t1" });
  sink += out.length + replyTarget(m, rcv).port;
};

const COPIED = ["via:", "from:", "to:", "call-id:", "cseq:"];
const floorPath = (): void => {
  const text = REQ.toString("latin1");
  const lines = text.slice(0, text.indexOf("\r\n\r\n")).split("\r\n");
  let out = "SIP/2.0 200 OK\r\n";
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const name = line.slice(0, line.indexOf(":") + 1).toLowerCase();
    if (COPIED.includes(name)) out += `${line}\r\n`;
  }
  sink += Buffer.from(`${out}Content-Length: 0\r\n\r\n`, "latin1").length;
};

const measure = (f: () => void, n: number): number => {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  return ((performance.now() - t0) * 1000) / n;
};

const N = 200_000;
for (const [name, f] of [["raw floor (string split)", floorPath], ["sipmod parse+fixTopVia+buildReply+replyTarget", sipmodPath]] as const) {
  measure(f, 20_000);
  const rounds = [0, 1, 2, 3, 4].map(() => measure(f, N)).sort((a, b) => a - b);
  process.stdout.write(`${runtime} ${runtimeVersion}  ${name}: median ${rounds[2]!.toFixed(2)} us/request (min ${rounds[0]!.toFixed(2)})\n`);
}
if (sink === 0) process.stdout.write("\n");
