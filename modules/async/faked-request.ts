import { Slot } from "../../core/module/slot.ts";
import { isParseFailure, SipMessage } from "../../core/sip/message.ts";
import type { ReceiveInfo } from "../../core/transport/receive-info.ts";

/** Set in the context of a route run by async_task_data: its request is faked, nothing can suspend it. */
export const ASYNC_FAKED = new Slot<boolean>("async.faked");
/** `$async(data)` of a route run by async_task_data. */
export const ASYNC_DATA = new Slot<string>("async.data");

const TEXT =
  "OPTIONS sip:you@kamailio.org SIP/2.0\r\n" +
  "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKsipmodasyncdata\r\n" +
  "From: <sip:you@kamailio.org>;tag=123\r\n" +
  "To: <sip:you@kamailio.org>\r\n" +
  "Call-ID: 123\r\n" +
  "CSeq: 1 OPTIONS\r\n" +
  "Content-Length: 0\r\n\r\n";

/** A fresh parsed copy of the faked request a data task's route runs on (as Kamailio's core faked message). */
export const fakedRequest = (): SipMessage => {
  const m = SipMessage.parse(Buffer.from(TEXT, "latin1"));
  if (isParseFailure(m)) throw new Error("async: the faked request does not parse");
  return m;
};

/** Where the faked request "came from": nowhere on the network. */
export const fakedReceiveInfo = (): ReceiveInfo => ({
  proto: "udp",
  srcIp: "127.0.0.1",
  srcPort: 9,
  dstIp: "127.0.0.1",
  dstPort: 9,
  af: 4,
  listenerId: -1,
  connId: 0,
  time: Date.now(),
});
