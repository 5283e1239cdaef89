import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parseOrThrow } from "../core/sip/message.ts";
import { statusOf, UdpClient } from "./support/sip-client.ts";
import { withServer } from "./support/with-server.ts";

const manifest = fileURLToPath(new URL("./fixtures/textops/plugins.json", import.meta.url));
const T = { timeout: 60_000 };

const request = (clientPort: number, method: string, extra: readonly string[], body = ""): string =>
  [
    `${method} sip:bob@127.0.0.1:${clientPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${clientPort};branch=z9hG4bK-${Math.random().toString(36).slice(2)};rport`,
    "From: <sip:alice@127.0.0.1>;tag=a1",
    "To: <sip:bob@127.0.0.1>",
    `Call-ID: textops-${Math.random().toString(36).slice(2)}@127.0.0.1`,
    `CSeq: 1 ${method}`,
    "Max-Forwards: 70",
    ...extra,
    `Content-Length: ${Buffer.byteLength(body)}`,
    "",
    body,
  ].join("\r\n");

describe("textops in the running server", () => {
  test("a forwarded request carries the header and body changes", T, () =>
    withServer({ file: manifest }, async (s) => {
      const port = s.listeners.find((l) => l.proto === "udp")!.port;
      const c = await UdpClient.open();
      try {
        c.send(port, request(c.port, "OPTIONS", ["X-Remove: secret", "x-remove: again", "Content-Type: text/plain"], "hello, hello"));
        const [fwd] = await c.waitFor(1);
        const msg = parseOrThrow(Buffer.from(fwd!, "latin1"));
        assert.equal(msg.isRequest, true);
        assert.equal(msg.ruri, `sip:fwd-bob@127.0.0.1:${c.port}`);
        assert.equal(msg.header("x-remove"), undefined);
        assert.equal(msg.header("x-added"), "OPTIONS from 127.0.0.1");
        assert.equal(msg.headerNames()[0], "X-First");
        assert.equal(msg.body.toString("utf8"), "bye, bye");
        assert.equal(msg.contentLength(), 8);

        c.send(port, request(c.port, "INFO", []));
        const replies = await c.waitFor(2);
        assert.deepEqual(statusOf(replies[1]!), { code: 500, reason: "nothing removed" });
      } finally {
        await c.close();
      }
    }),
  );
});
