/**
 * Random mutations of valid messages (bounded: 2000 cases, a fixed seed): parsing never throws,
 * never hangs; on a parsed message every getter either works or throws SipParseError, and
 * edits, serialize() and buildReply() never throw.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { isParseFailure, SipMessage, SipParseError } from "../core/sip/message.ts";
import { buildReply } from "../core/sip/reply.ts";
import { findMessageEnd } from "../core/sip/framing.ts";

const dirs = ["./fixtures/sip/", "./fixtures/rfc4475/"];
const seeds: Buffer[] = [];
for (const d of dirs) {
  const url = new URL(d, import.meta.url);
  for (const f of readdirSync(url)) if (f.endsWith(".sip") || f.endsWith(".dat")) seeds.push(readFileSync(new URL(f, url)));
}

/** xorshift32: the same sequence on every runtime. */
const rng = (seed: number): (() => number) => {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
};

const SPECIAL = [0, 9, 10, 13, 32, 34, 37, 44, 58, 59, 60, 61, 62, 64, 91, 92, 93, 127, 255, 0xc3];

const mutate = (src: Buffer, r: () => number): Buffer => {
  let b = Buffer.from(src);
  const rounds = 1 + Math.floor(r() * 4);
  for (let k = 0; k < rounds; k++) {
    const at = Math.floor(r() * Math.max(1, b.length));
    switch (Math.floor(r() * 8)) {
      case 0: // flip a byte to a random value
        if (b.length > 0) b[at] = Math.floor(r() * 256);
        break;
      case 1: // put a SIP-special byte
        if (b.length > 0) b[at] = SPECIAL[Math.floor(r() * SPECIAL.length)]!;
        break;
      case 2: // delete a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(r() * 40)))]);
        break;
      case 3: // insert CRLF, maybe with folding whitespace
        b = Buffer.concat([b.subarray(0, at), Buffer.from(r() < 0.5 ? "\r\n" : "\r\n "), b.subarray(at)]);
        break;
      case 4: // truncate
        b = b.subarray(0, at);
        break;
      case 5: // duplicate a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + 60), b.subarray(at)]);
        break;
      case 6: // insert random bytes
        b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + Math.floor(r() * 8) }, () => Math.floor(r() * 256))), b.subarray(at)]);
        break;
      default: // change a digit run (lengths, CSeq, ports)
        if (b.length > 0 && b[at]! >= 48 && b[at]! <= 57) b[at] = 48 + Math.floor(r() * 10);
        else b = Buffer.concat([b.subarray(0, at), Buffer.from(String(Math.floor(r() * 1e12))), b.subarray(at)]);
    }
  }
  return b;
};

const exercise = (m: SipMessage): void => {
  const lazy: (() => unknown)[] = [
    () => m.via(),
    () => m.vias().map((v) => v.params.size),
    () => m.callId(),
    () => m.cseq(),
    () => m.from().params.size,
    () => m.to().tag,
    () => m.contact().map((c) => c.params.size),
    () => m.route(),
    () => m.recordRoute(),
    () => m.maxForwards(),
    () => m.headerValues("allow"),
    () => m.headerValues("contact"),
  ];
  for (const f of lazy) {
    try {
      f();
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
    }
  }
  m.method;
  m.ruri;
  m.reason;
  m.version;
  m.parsedRuri();
  m.contentLength();
  m.headerNames().forEach((n) => m.header(n));
  void m.body.length;
  m.serialize();
  if (m.isRequest) {
    buildReply(m, 200, "OK", { toTag: "fz" });
    m.setTopViaParam("received", "192.0.2.1");
    m.setTopViaParam("rport", "5060");
    m.prependVia("SIP/2.0/UDP fuzz.example;branch=z9hG4bKfz");
    m.addHeader("X-Fuzz", "1");
    m.removeHeader("contact");
    m.setRuri("sip:fuzz@example.com");
    buildReply(m, 404, "Not Found", { toTag: "fz" });
  } else m.removeTopVia();
  m.setBody("x");
  const out = m.serialize({ contentLength: "always" });
  // what we write must frame and parse again without throwing
  findMessageEnd(out, 0);
  SipMessage.parse(out);
};

test("2000 mutated messages: no exception, no hang", () => {
  const r = rng(0x5eed);
  const t0 = Date.now();
  let parsed = 0;
  let failed = 0;
  for (let i = 0; i < 2000; i++) {
    const seed = seeds[Math.floor(r() * seeds.length)]!;
    const b = mutate(seed, r);
    const res = SipMessage.parse(b);
    if (isParseFailure(res)) {
      failed++;
      assert.ok([0, 400, 413, 414, 505, 513].includes(res.status));
      if (res.partial) {
        buildReply(res.partial, res.status, "Bad Request");
        exercise(res.partial);
      }
    } else {
      parsed++;
      exercise(res);
    }
    findMessageEnd(b, 0);
  }
  assert.equal(parsed + failed, 2000);
  assert.ok(parsed > 100, `only ${parsed} mutated messages parsed`);
  assert.ok(failed > 100, `only ${failed} mutated messages failed`);
  assert.ok(Date.now() - t0 < 30000, "took too long");
});
