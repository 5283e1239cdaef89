import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { compatBothModes, compatCfg, withoutTimes } from "./support/compat.ts";
import { replyTo } from "./support/cfg-server.ts";
import { kamailioMissing, withKamailio } from "./support/kamailio.ts";
import { sipRequest, statusOf, UdpClient } from "./support/sip-client.ts";
import { withServer } from "./support/with-server.ts";

// tm and tmx call flows under real Kamailio 5.6 and under sipmod: the same cfg
// (fixtures/compat/tm.cfg), the same messages from real UDP peers on 127.0.0.1 (a UAC and one or two
// UASs per server), and the same observations compared: the status lines the UAC gets and the
// requests that reach each UAS. Both servers run each flow at the same time, each with its own peers.
// Each test states what Kamailio 5.6 does (checked against the real one) and requires sipmod to do the
// same, except where the tm README ("Differences from Kamailio 5.6") documents otherwise.

const T = { timeout: 30_000, skip: kamailioMissing };
const CFG = compatCfg("tm.cfg");
const TRYING = "100 trying -- your call is important to us";
const TM_500 = "500 I'm terribly sorry, server error occurred (1/TM)";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Server = "kamailio" | "sipmod" | "sipmod children=2";

/** One server with its own peers: a UAC and two UASs. */
interface Peers {
  readonly server: Server;
  readonly port: number;
  readonly uac: UdpClient;
  readonly uas: UdpClient;
  readonly uas2: UdpClient;
}

/**
 * Run `flow` against Kamailio and sipmod at the same time (each with its own peers), then against
 * sipmod with children=2 from a fresh start (not at the same time: two servers in one process
 * share the modules' process-wide state, such as $shv), and return Kamailio's and sipmod's
 * results. sipmod with two receiver threads must observe the same as with one (timings aside):
 * that is asserted here, for every flow.
 */
const onBoth = async <A>(flow: (p: Peers) => Promise<A>): Promise<{ readonly kamailio: A; readonly sipmod: A }> => {
  const open = async (server: Server, port: number): Promise<Peers> => ({
    server,
    port,
    uac: await UdpClient.open(),
    uas: await UdpClient.open(),
    uas2: await UdpClient.open(),
  });
  const close = async (ps: readonly Peers[]) => {
    for (const p of ps) for (const c of [p.uac, p.uas, p.uas2]) await c.close();
  };
  const run = (p: Peers) =>
    flow(p).catch((e: unknown) => {
      throw new Error(`${p.server}: ${e instanceof Error ? e.message : String(e)}`);
    });
  const portOf = (x: { readonly listeners: readonly { readonly proto: string; readonly port: number }[] }) =>
    x.listeners.find((l) => l.proto === "udp")!.port;
  const both = await withKamailio({ file: CFG }, (kam) =>
    withServer({ file: CFG, listen: ["udp:127.0.0.1:0"], rpcListen: "127.0.0.1:0", children: 1 }, async (s) => {
      const k = await open("kamailio", kam.port);
      const m = await open("sipmod", portOf(s));
      try {
        const [kamailio, sipmod] = await Promise.all([run(k), run(m)]);
        return { kamailio, sipmod };
      } finally {
        await close([k, m]);
      }
    }),
  );
  if (!compatBothModes) return both;
  const sipmod2 = await withServer({ file: CFG, listen: ["udp:127.0.0.1:0"], rpcListen: "127.0.0.1:0", children: 2 }, async (s2) => {
    const m2 = await open("sipmod children=2", portOf(s2));
    try {
      return await run(m2);
    } finally {
      await close([m2]);
    }
  });
  if (process.env["COMPAT_SHOW"] === "1") console.log(JSON.stringify({ ...both, sipmod2 }, null, 1));
  assert.deepEqual(withoutTimes(sipmod2), withoutTimes(both.sipmod), "sipmod with children=2 observed something else than with children=1");
  return both;
};


// ------------------------------------------------------------------------------------ messages

const header = (msg: string, name: string): string | undefined =>
  msg
    .split("\r\n")
    .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    ?.slice(name.length + 1)
    .trim();

const branchOf = (msg: string): string => /branch=([^;\r\n]+)/.exec(msg)![1]!;

let seq = 0;
const nextId = (what: string) => `${what}-${process.pid}-${++seq}`;

/** A request from the UAC to sip:<user>@127.0.0.1 that the cfg relays to `dst` (X-Dst), `dst2` for a second branch. */
const request = (p: Peers, method: string, user: string, extra: readonly string[] = [], dst = p.uas, dst2 = p.uas2): string =>
  sipRequest({
    method,
    port: p.uac.port,
    ruri: `sip:${user}@127.0.0.1`,
    branch: `z9hG4bK-${nextId("b")}`,
    callId: nextId(`${p.server}-${user}`),
    extra: [`X-Dst: sip:127.0.0.1:${dst.port}`, `X-Dst2: sip:127.0.0.1:${dst2.port}`, ...extra],
  });

/** The CANCEL of an INVITE (same R-URI, Via branch, From, To, Call-ID; CSeq 1 CANCEL). */
const cancelOf = (inv: string): string => inv.replace(/^INVITE /, "CANCEL ").replace("CSeq: 1 INVITE", "CSeq: 1 CANCEL");

/**
 * An ACK for a final reply to `inv`: for a negative reply the INVITE's Via branch (the same
 * transaction), for a 2xx a new branch (a transaction of its own, end to end). To with the reply's tag.
 */
const ackOf = (inv: string, reply: string): string => {
  const lines = inv.split("\r\n");
  const code = statusOf(reply).code;
  const ack = [
    `ACK ${lines[0]!.split(" ")[1]} SIP/2.0`,
    ...lines.slice(1).map((l) => {
      if (/^Via:/i.test(l) && code < 300) return l.replace(/branch=[^;\r\n]+/, `branch=z9hG4bK-${nextId("ack")}`);
      if (/^To:/i.test(l)) return `To: ${header(reply, "To")}`;
      if (/^CSeq:/i.test(l)) return "CSeq: 1 ACK";
      return l;
    }),
  ];
  return ack.join("\r\n");
};

/** A BYE within the dialog an INVITE and its 2xx made (new branch, CSeq 2). */
const byeOf = (inv: string, ok: string): string =>
  ackOf(inv, ok).replace(/^ACK /, "BYE ").replace("CSeq: 1 ACK", "CSeq: 2 BYE");

// ------------------------------------------------------------------------------------ observing

/** Wait until `pred` holds for what `c` received (fail after `ms` with what arrived). */
const until = async (c: UdpClient, what: string, pred: (msgs: readonly string[]) => boolean, ms = 5000): Promise<readonly string[]> => {
  const end = Date.now() + ms;
  while (!pred(c.received)) {
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}; got: ${c.received.map((m) => m.split("\r\n")[0]).join(" | ") || "nothing"}`);
    await sleep(5);
  }
  return c.received;
};

const isReply = (m: string) => m.startsWith("SIP/2.0 ");
const cseqMethod = (m: string) => (header(m, "CSeq") ?? "").split(/\s+/)[1] ?? "";
/** "code reason" of a reply, with the method of its CSeq when it is not `main`. */
const line = (m: string, main = "INVITE") => {
  const s = statusOf(m);
  const method = cseqMethod(m);
  return `${s.code} ${s.reason}${method === main ? "" : ` (${method})`}`;
};
/** The replies the UAC got, in order, each once (retransmissions left out). */
const replies = (c: UdpClient, main = "INVITE"): string[] => [...new Set(c.received.filter(isReply).map((m) => line(m, main)))];
/** The requests a UAS got ("METHOD R-URI"), in order, each once (retransmissions of one transaction left out). */
const requests = (c: UdpClient): string[] => [...new Set(c.received.filter((m) => !isReply(m)).map((m) => m.split(" ", 2).join(" ")))];
const requestsNamed = (c: UdpClient, method: string) => c.received.filter((m) => m.startsWith(`${method} `));
const repliesWith = (c: UdpClient, code: number) => c.received.filter((m) => isReply(m) && statusOf(m).code === code);
const hasReply = (code: number, method?: string) => (msgs: readonly string[]) =>
  msgs.some((m) => isReply(m) && statusOf(m).code === code && (method === undefined || cseqMethod(m) === method));
const hasRequest = (method: string) => (msgs: readonly string[]) => msgs.some((m) => m.startsWith(`${method} `));

/** Both servers observed `expected` (Kamailio checked against the statement, sipmod against Kamailio). */
const same = <A>(r: { readonly kamailio: A; readonly sipmod: A }, expected: A): void => {
  assert.deepEqual(r.kamailio, expected, "Kamailio 5.6 does not do what the test states");
  assert.deepEqual(r.sipmod, r.kamailio, "sipmod differs from Kamailio 5.6");
};

// ------------------------------------------------------------------------------------ flows

describe("compat tm: t_relay", () => {
  test("OPTIONS relayed statefully: the UAS's 200 comes back", T, async () => {
    const r = await onBoth(async (p) => {
      p.uac.send(p.port, request(p, "OPTIONS", "relay"));
      const [req] = await until(p.uas, "OPTIONS", hasRequest("OPTIONS"));
      p.uas.send(p.port, replyTo(req!, 200, "OK from uas"));
      await until(p.uac, "200", hasReply(200));
      await sleep(100);
      return { uac: replies(p.uac, "OPTIONS"), uas: requests(p.uas), viaCount: (p.uac.received[0]!.match(/^Via:/gim) ?? []).length };
    });
    same(r, { uac: ["200 OK from uas"], uas: ["OPTIONS sip:relay@127.0.0.1"], viaCount: 1 });
  });

  test("INVITE: automatic 100, 180 and 200 relayed, the 2xx ACK relayed end to end, BYE relayed", T, async () => {
    const r = await onBoth(async (p) => {
      const inv = request(p, "INVITE", "relay");
      p.uac.send(p.port, inv);
      const [req] = await until(p.uas, "INVITE", hasRequest("INVITE"));
      await until(p.uac, "100", hasReply(100));
      p.uas.send(p.port, replyTo(req!, 180, "Ringing"));
      await until(p.uac, "180", hasReply(180));
      p.uas.send(p.port, replyTo(req!, 200, "OK"));
      await until(p.uac, "200", hasReply(200, "INVITE"));
      const ok = p.uac.received.find((m) => isReply(m) && statusOf(m).code === 200)!;
      p.uac.send(p.port, ackOf(inv, ok));
      await until(p.uas, "ACK", hasRequest("ACK"));
      p.uac.send(p.port, byeOf(inv, ok));
      const bye = (await until(p.uas, "BYE", hasRequest("BYE"))).find((m) => m.startsWith("BYE "))!;
      p.uas.send(p.port, replyTo(bye, 200, "Bye OK"));
      await until(p.uac, "200 for BYE", hasReply(200, "BYE"));
      await sleep(200);
      return { uac: replies(p.uac), uas: requests(p.uas), acks: requestsNamed(p.uas, "ACK").length };
    });
    same(r, {
      uac: [TRYING, "180 Ringing", "200 OK", "200 Bye OK (BYE)"],
      uas: ["INVITE sip:relay@127.0.0.1", "ACK sip:relay@127.0.0.1", "BYE sip:relay@127.0.0.1"],
      acks: 1,
    });
  });
});

describe("compat tm: failure_route", () => {
  test("serial forking: 404 from the first UAS (ACKed hop by hop), the second UAS's 200 goes upstream", T, async () => {
    const r = await onBoth(async (p) => {
      p.uac.send(p.port, request(p, "INVITE", "serial"));
      const [first] = await until(p.uas, "INVITE", hasRequest("INVITE"));
      p.uas.send(p.port, replyTo(first!, 404, "Not Here", "u1"));
      const [second] = await until(p.uas2, "second INVITE", hasRequest("INVITE"));
      await until(p.uas, "ACK of the 404", hasRequest("ACK"));
      p.uas2.send(p.port, replyTo(second!, 200, "OK second", "u2"));
      await until(p.uac, "200", hasReply(200));
      await sleep(100);
      return { uac: replies(p.uac), uas: requests(p.uas), uas2: requests(p.uas2) };
    });
    same(r, {
      uac: [TRYING, "200 OK second"],
      uas: ["INVITE sip:serial@127.0.0.1", "ACK sip:serial@127.0.0.1"],
      uas2: ["INVITE sip:second@127.0.0.1"],
    });
  });

  test("a failure_route that t_reply()s: its code goes upstream, the UAC's ACK for it is absorbed", T, async () => {
    const r = await onBoth(async (p) => {
      const inv = request(p, "INVITE", "own");
      p.uac.send(p.port, inv);
      const [req] = await until(p.uas, "INVITE", hasRequest("INVITE"));
      p.uas.send(p.port, replyTo(req!, 486, "Busy Here"));
      await until(p.uac, "599", hasReply(599));
      p.uac.send(p.port, ackOf(inv, repliesWith(p.uac, 599)[0]!));
      await sleep(800);
      const after = repliesWith(p.uac, 599).length;
      await sleep(700);
      return {
        uac: replies(p.uac),
        uas: requests(p.uas),
        acksAtUas: requestsNamed(p.uas, "ACK").length,
        resentAfterAck: repliesWith(p.uac, 599).length - after,
      };
    });
    same(r, {
      uac: [TRYING, "599 own after 486 Busy Here type=0"],
      uas: ["INVITE sip:own@127.0.0.1", "ACK sip:own@127.0.0.1"],
      acksAtUas: 1,
      resentAfterAck: 0,
    });
  });
});

describe("compat tm: branch_route, onreply_route, t_is_canceled", () => {
  test("branch_route runs per branch ($T_branch_idx, $ru), onreply_route drops a 183, failure_route forks on 486", T, async () => {
    const r = await onBoth(async (p) => {
      p.uac.send(p.port, request(p, "INVITE", "hooks"));
      const [first] = await until(p.uas, "INVITE", hasRequest("INVITE"));
      p.uas.send(p.port, replyTo(first!, 183, "Session Progress", "u1"));
      p.uas.send(p.port, replyTo(first!, 180, "Ringing", "u1"));
      await until(p.uac, "180", hasReply(180));
      p.uas.send(p.port, replyTo(first!, 486, "Busy Here", "u1"));
      const [second] = await until(p.uas2, "second INVITE", hasRequest("INVITE"));
      p.uas2.send(p.port, replyTo(second!, 200, "OK", "u2"));
      await until(p.uac, "200", hasReply(200));
      await sleep(100);
      return {
        uac: replies(p.uac),
        xBranch: [header(first!, "X-Branch"), header(second!, "X-Branch")],
        uas: requests(p.uas),
        uas2: requests(p.uas2),
      };
    });
    same(r, {
      uac: [TRYING, "180 Ringing", "200 OK"],
      xBranch: ["0 sip:hooks@127.0.0.1", "1 sip:second@127.0.0.1"],
      uas: ["INVITE sip:hooks@127.0.0.1", "ACK sip:hooks@127.0.0.1"],
      uas2: ["INVITE sip:second@127.0.0.1"],
    });
  });

  test("a CANCEL while the first branch rings: t_is_canceled() in failure_route stops serial forking, 487 upstream", T, async () => {
    const r = await onBoth(async (p) => {
      const inv = request(p, "INVITE", "hooks");
      p.uac.send(p.port, inv);
      const [first] = await until(p.uas, "INVITE", hasRequest("INVITE"));
      p.uas.send(p.port, replyTo(first!, 180, "Ringing", "u1"));
      await until(p.uac, "180", hasReply(180));
      p.uac.send(p.port, cancelOf(inv));
      const down = (await until(p.uas, "CANCEL", hasRequest("CANCEL"))).find((m) => m.startsWith("CANCEL "))!;
      await until(p.uac, "200 for the CANCEL", hasReply(200, "CANCEL"));
      p.uas.send(p.port, replyTo(down, 200, "OK", "u1"));
      p.uas.send(p.port, replyTo(first!, 487, "Request Terminated", "u1"));
      await until(p.uac, "487", hasReply(487));
      p.uac.send(p.port, ackOf(inv, repliesWith(p.uac, 487)[0]!));
      await sleep(300);
      return { uac: replies(p.uac), uas: requests(p.uas), uas2: requests(p.uas2) };
    });
    same(r, {
      uac: [TRYING, "180 Ringing", "200 canceling (CANCEL)", "487 Request Terminated"],
      uas: ["INVITE sip:hooks@127.0.0.1", "CANCEL sip:hooks@127.0.0.1", "ACK sip:hooks@127.0.0.1"],
      uas2: [],
    });
  });
});

describe("compat tmx: $T_branch_idx", () => {
  test(
    "in a failure_route it counts the branches (1 after the first, 2 after a second from a failure_route)",
    T,
    async () => {
      const r = await onBoth(async (p) => {
        p.uac.send(p.port, request(p, "INVITE", "branchidx"));
        const [first] = await until(p.uas, "INVITE", hasRequest("INVITE"));
        p.uas.send(p.port, replyTo(first!, 404, "Not Here", "u1"));
        const [second] = await until(p.uas2, "second INVITE", hasRequest("INVITE"));
        p.uas2.send(p.port, replyTo(second!, 404, "Not Here Either", "u2"));
        await until(p.uac, "599", hasReply(599));
        return { uac: replies(p.uac) };
      });
      same(r, { uac: [TRYING, "599 first 1 second 2"] });
    },
  );
});

describe("compat tm: timeouts", () => {
  /** Send `method` to `user`; the UAS stays silent (or sends a 180 first); the UAC's replies and when the final came. */
  const silent = (method: string, user: string, ring: boolean) => async (p: Peers) => {
    const start = Date.now();
    const text = request(p, method, user);
    const callId = header(text, "Call-ID")!;
    const mine = (c: UdpClient) => c.received.filter((m) => header(m, "Call-ID") === callId);
    p.uac.send(p.port, text);
    await until(p.uas, method, () => mine(p.uas).some((m) => m.startsWith(`${method} `)));
    const req = mine(p.uas)[0]!;
    let from = start;
    if (ring) {
      p.uas.send(p.port, replyTo(req, 180, "Ringing"));
      await until(p.uac, "180", () => mine(p.uac).some((m) => statusOf(m).code === 180));
      from = Date.now();
    }
    await until(p.uac, "408", () => mine(p.uac).some((m) => statusOf(m).code === 408), 8000);
    const ms = Date.now() - from;
    await sleep(300);
    const cancel = mine(p.uas).find((m) => m.startsWith("CANCEL "));
    return {
      uac: [...new Set(mine(p.uac).map((m) => line(m, method)))],
      uas: [...new Set(mine(p.uas).filter((m) => !isReply(m)).map((m) => m.split(" ", 2).join(" ")))],
      cancelOnInviteBranch: cancel === undefined ? undefined : branchOf(cancel) === branchOf(req),
      ms,
    };
  };
  const timed = (ms: number, lo: number, hi: number, server = "") =>
    assert.ok(ms >= lo && ms <= hi, `${server}: final after ${ms} ms, expected ${lo}..${hi}`);

  test("MESSAGE to a silent UAS: 408 after fr_timer (modparam 2500 ms; the default is 30 s)", T, async () => {
    const r = await onBoth(silent("MESSAGE", "relay", false));
    timed(r.kamailio.ms, 2300, 4500, "kamailio");
    timed(r.sipmod.ms, 2300, 4500, "sipmod");
    same({ kamailio: { ...r.kamailio, ms: 0 }, sipmod: { ...r.sipmod, ms: 0 } }, {
      uac: ["408 Request Timeout"],
      uas: ["MESSAGE sip:relay@127.0.0.1"],
      cancelOnInviteBranch: undefined,
      ms: 0,
    });
  });

  test("INVITE to a silent UAS: 100, then 408 after fr_timer, no CANCEL downstream", T, async () => {
    const r = await onBoth(silent("INVITE", "relay", false));
    timed(r.kamailio.ms, 2300, 4500, "kamailio");
    timed(r.sipmod.ms, 2300, 4500, "sipmod");
    same({ kamailio: { ...r.kamailio, ms: 0 }, sipmod: { ...r.sipmod, ms: 0 } }, {
      uac: [TRYING, "408 Request Timeout"],
      uas: ["INVITE sip:relay@127.0.0.1"],
      cancelOnInviteBranch: undefined,
      ms: 0,
    });
  });

  test("INVITE answered 180 only: 408 after fr_inv_timer (modparam 3000 ms), CANCEL on the branch", T, async () => {
    const r = await onBoth(silent("INVITE", "relay", true));
    timed(r.kamailio.ms, 2800, 5000, "kamailio");
    timed(r.sipmod.ms, 2800, 5000, "sipmod");
    same({ kamailio: { ...r.kamailio, ms: 0 }, sipmod: { ...r.sipmod, ms: 0 } }, {
      uac: [TRYING, "180 Ringing", "408 Request Timeout"],
      uas: ["INVITE sip:relay@127.0.0.1", "CANCEL sip:relay@127.0.0.1"],
      cancelOnInviteBranch: true,
      ms: 0,
    });
  });

  test("t_set_fr(700, 300): MESSAGE 408 after 300 ms; t_set_fr(700): ringing INVITE 408 after 700 ms", T, async () => {
    const r = await onBoth(async (p) => ({ message: await silent("MESSAGE", "setfr", false)(p), invite: await silent("INVITE", "setfrinv", true)(p) }));
    for (const side of [r.kamailio, r.sipmod]) {
      timed(side.message.ms, 200, 900);
      timed(side.invite.ms, 550, 1400);
    }
    const strip = (x: typeof r.kamailio) => ({ message: { ...x.message, ms: 0 }, invite: { ...x.invite, ms: 0 } });
    same({ kamailio: strip(r.kamailio), sipmod: strip(r.sipmod) }, {
      message: { uac: ["408 Request Timeout"], uas: ["MESSAGE sip:setfr@127.0.0.1"], cancelOnInviteBranch: undefined, ms: 0 },
      invite: {
        uac: [TRYING, "180 Ringing", "408 Request Timeout"],
        uas: ["INVITE sip:setfrinv@127.0.0.1", "CANCEL sip:setfrinv@127.0.0.1"],
        cancelOnInviteBranch: true,
        ms: 0,
      },
    });
  });
});

describe("compat tm: CANCEL", () => {
  test("CANCEL of a ringing INVITE: 200 canceling, CANCEL reaches the UAS, its 487 relayed upstream", T, async () => {
    const r = await onBoth(async (p) => {
      const inv = request(p, "INVITE", "relay");
      p.uac.send(p.port, inv);
      const [req] = await until(p.uas, "INVITE", hasRequest("INVITE"));
      p.uas.send(p.port, replyTo(req!, 180, "Ringing"));
      await until(p.uac, "180", hasReply(180));
      p.uac.send(p.port, cancelOf(inv));
      const down = (await until(p.uas, "CANCEL", hasRequest("CANCEL"))).find((m) => m.startsWith("CANCEL "))!;
      await until(p.uac, "200 for the CANCEL", hasReply(200, "CANCEL"));
      p.uas.send(p.port, replyTo(down, 200, "OK"));
      p.uas.send(p.port, replyTo(req!, 487, "Request Terminated"));
      await until(p.uac, "487", hasReply(487));
      p.uac.send(p.port, ackOf(inv, repliesWith(p.uac, 487)[0]!));
      await sleep(300);
      return {
        uac: replies(p.uac),
        uas: requests(p.uas),
        cancelOnInviteBranch: branchOf(down) === branchOf(req!),
        acksAtUas: requestsNamed(p.uas, "ACK").length,
      };
    });
    same(r, {
      uac: [TRYING, "180 Ringing", "200 canceling (CANCEL)", "487 Request Terminated"],
      uas: ["INVITE sip:relay@127.0.0.1", "CANCEL sip:relay@127.0.0.1", "ACK sip:relay@127.0.0.1"],
      cancelOnInviteBranch: true,
      acksAtUas: 1,
    });
  });

  test(
    "CANCEL before the UAS sent anything: 200 canceling and 487 Request Terminated (a faked 487 on the branch), no CANCEL downstream",
    T,
    async () => {
      const r = await onBoth(async (p) => {
        const inv = request(p, "INVITE", "relay");
        p.uac.send(p.port, inv);
        await until(p.uas, "INVITE", hasRequest("INVITE"));
        await until(p.uac, "100", hasReply(100));
        p.uac.send(p.port, cancelOf(inv));
        await until(p.uac, "487 and 200", (m) => hasReply(487)(m) && hasReply(200, "CANCEL")(m));
        p.uac.send(p.port, ackOf(inv, repliesWith(p.uac, 487)[0]!));
        await sleep(700);
        return { uac: replies(p.uac).sort(), uas: requests(p.uas) };
      });
      same(r, {
        uac: [TRYING, "200 canceling (CANCEL)", "487 Request Terminated"].sort(),
        uas: ["INVITE sip:relay@127.0.0.1"],
      });
    },
  );

  test("CANCEL of a parked (t_suspend) INVITE: 487 Request canceled, 200 ok -- no more pending branches; a later wake does not resume", T, async () => {
    const r = await onBoth(async (p) => {
      const inv = request(p, "INVITE", "park");
      p.uac.send(p.port, inv);
      await until(p.uac, "100", hasReply(100));
      p.uac.send(p.port, cancelOf(inv));
      await until(p.uac, "487 and 200", (m) => hasReply(487)(m) && hasReply(200, "CANCEL")(m));
      p.uac.send(p.port, ackOf(inv, repliesWith(p.uac, 487)[0]!));
      await sleep(200);
      p.uac.send(p.port, request(p, "MESSAGE", "wake"));
      await until(p.uac, "the wake's reply", (m) => m.some((x) => isReply(x) && cseqMethod(x) === "MESSAGE"));
      await sleep(200);
      const inviteSide = replies(p.uac, "").filter((l) => !l.endsWith("(MESSAGE)")).sort();
      return { invite: inviteSide, wake: replies(p.uac, "").filter((l) => l.endsWith("(MESSAGE)")), uas: requests(p.uas) };
    });
    same(r, {
      invite: [`${TRYING} (INVITE)`, "487 Request canceled (INVITE)", "200 ok -- no more pending branches (CANCEL)"].sort(),
      wake: ["500 not woken (MESSAGE)"],
      uas: [],
    });
  });
});

describe("compat tm: t_reply reason", () => {
  test(
    "t_reply's reason is a plain string or one variable: \"for $rU\" is sent as written, \"$rU\" as its value, \"$rU tail\" as the value alone",
    T,
    async () => {
      const r = await onBoth(async (p) => {
        p.uac.send(p.port, request(p, "MESSAGE", "reasontext"));
        p.uac.send(p.port, request(p, "MESSAGE", "reasonvar"));
        p.uac.send(p.port, request(p, "MESSAGE", "reasonvartail"));
        await until(p.uac, "three replies", (m) => m.length >= 3);
        return { replies: replies(p.uac, "MESSAGE").sort() };
      });
      same(r, { replies: ["404 for $rU", "404 reasonvar", "404 reasonvartail"] });
    },
  );
});

describe("compat tm: t_newtran without a reply", () => {
  // tm README, differences: sipmod answers 500 (1/TM) when request_route created a transaction and
  // left it without a reply, relay or suspension; Kamailio 5.6 keeps it silently (the UAC retransmits).
  test("t_newtran() then exit: Kamailio sends nothing, sipmod 500 (1/TM) (documented difference)", T, async () => {
    const r = await onBoth(async (p) => {
      p.uac.send(p.port, request(p, "MESSAGE", "newtran"));
      p.uac.send(p.port, request(p, "INVITE", "newtran"));
      await sleep(1200);
      return { message: replies(p.uac, "MESSAGE").filter((l) => !l.endsWith("(INVITE)")), invite: replies(p.uac).filter((l) => !l.endsWith("(MESSAGE)")) };
    });
    assert.deepEqual(r.kamailio, { message: [], invite: [] }, "Kamailio 5.6 does not do what the test states");
    assert.deepEqual(r.sipmod, { message: [TM_500], invite: [TM_500] });
  });
});

describe("compat tmx: t_suspend and t_continue", () => {
  /** Park `method` at `park`, then wake it with MESSAGE `wake`; the parked request's and the wake's replies. */
  const parkWake = (method: string, park: string, wake: string, retransmit = false) => async (p: Peers) => {
    const parked = request(p, method, park);
    p.uac.send(p.port, parked);
    if (method === "INVITE") await until(p.uac, "100", hasReply(100));
    else await sleep(150);
    if (retransmit) {
      p.uac.send(p.port, parked);
      if (method === "INVITE") await until(p.uac, "a second 100", () => repliesWith(p.uac, 100).length >= 2);
      else await sleep(150);
    }
    p.uac.send(p.port, request(p, "MESSAGE", wake));
    await until(p.uac, "the wake's reply", (m) => m.some((x) => isReply(x) && header(x, "Call-ID")!.includes(`-${wake}-`)));
    await sleep(300);
    const order = p.uac.received.filter(isReply).map((m) => `${line(m, "")}`);
    return { replies: [...new Set(order)], hundreds: repliesWith(p.uac, 100).length, uas: requests(p.uas) };
  };

  test("park and wake (INVITE): 100, RESUME's t_reply 480 for the INVITE, then 200 woken for the MESSAGE", T, async () => {
    const r = await onBoth(parkWake("INVITE", "park", "wake"));
    same(r, { replies: [`${TRYING} (INVITE)`, "480 Woken Up (INVITE)", "200 woken (MESSAGE)"], hundreds: 1, uas: [] });
  });

  test("a retransmission of the parked INVITE gets the 100 again and is not suspended twice", T, async () => {
    const r = await onBoth(parkWake("INVITE", "park", "wake", true));
    same(r, { replies: [`${TRYING} (INVITE)`, "480 Woken Up (INVITE)", "200 woken (MESSAGE)"], hundreds: 2, uas: [] });
  });

  test("the resumed route replies with send_reply (stateful)", T, async () => {
    const r = await onBoth(parkWake("INVITE", "park", "wakesend"));
    same(r, { replies: [`${TRYING} (INVITE)`, "486 Woken Busy (INVITE)", "200 woken (MESSAGE)"], hundreds: 1, uas: [] });
  });

  test("a resumed route that does not reply: 500 (1/TM) for the parked MESSAGE, 200 woken", T, async () => {
    const r = await onBoth(parkWake("MESSAGE", "park", "wakesilent"));
    same(r, { replies: [`${TM_500} (MESSAGE)`, "200 woken (MESSAGE)"], hundreds: 0, uas: [] });
  });

  test("suspension timeout by t_set_fr(0, 400): failure_route runs, 408 upstream; a failure_route t_reply wins", T, async () => {
    const r = await onBoth(async (p) => {
      const start = Date.now();
      p.uac.send(p.port, request(p, "INVITE", "parkshort"));
      p.uac.send(p.port, request(p, "INVITE", "parkshortreply"));
      await until(p.uac, "two finals", (m) => m.filter((x) => isReply(x) && statusOf(x).code >= 400).length >= 2, 3000);
      const ms = Date.now() - start;
      const byUser = (u: string) => p.uac.received.filter((m) => isReply(m) && header(m, "Call-ID")!.includes(`-${u}-`)).map((m) => line(m));
      return { plain: [...new Set(byUser("parkshort"))], replied: [...new Set(byUser("parkshortreply"))], ms };
    });
    for (const side of [r.kamailio, r.sipmod]) assert.ok(side.ms >= 300 && side.ms <= 1500, `finals after ${side.ms} ms`);
    same({ kamailio: { ...r.kamailio, ms: 0 }, sipmod: { ...r.sipmod, ms: 0 } }, {
      plain: [TRYING, "408 Request Timeout"],
      replied: [TRYING, "504 failure route saw 408 Request Timeout type=1"],
      ms: 0,
    });
  });

  test("t_continue after the suspension timed out (408 ACKed) does not run the route", T, async () => {
    const r = await onBoth(async (p) => {
      const inv = request(p, "INVITE", "park");
      p.uac.send(p.port, inv);
      await until(p.uac, "408", hasReply(408), 3000);
      p.uac.send(p.port, ackOf(inv, repliesWith(p.uac, 408)[0]!));
      await sleep(200);
      p.uac.send(p.port, request(p, "MESSAGE", "wake"));
      await until(p.uac, "the wake's reply", (m) => m.some((x) => isReply(x) && cseqMethod(x) === "MESSAGE"));
      await sleep(200);
      return { replies: replies(p.uac, "") };
    });
    same(r, { replies: [`${TRYING} (INVITE)`, "408 Request Timeout (INVITE)", "500 not woken (MESSAGE)"] });
  });
});

describe("compat tm: t_check_trans", () => {
  test("a retransmitted MESSAGE: absorbed while pending, the final resent after; the UAS sees one transaction", T, async () => {
    const r = await onBoth(async (p) => {
      const msg = request(p, "MESSAGE", "relay");
      p.uac.send(p.port, msg);
      const [down] = await until(p.uas, "MESSAGE", hasRequest("MESSAGE"));
      p.uac.send(p.port, msg);
      await sleep(100);
      const beforeReply = p.uac.received.length;
      p.uas.send(p.port, replyTo(down!, 202, "Accepted"));
      await until(p.uac, "202", hasReply(202));
      p.uac.send(p.port, msg);
      await until(p.uac, "202 again", (m) => m.filter((x) => isReply(x) && statusOf(x).code === 202).length >= 2);
      await sleep(200);
      return {
        beforeReply,
        finals: repliesWith(p.uac, 202).map((m) => line(m, "MESSAGE")),
        uasBranches: new Set(requestsNamed(p.uas, "MESSAGE").map(branchOf)).size,
      };
    });
    same(r, { beforeReply: 0, finals: ["202 Accepted", "202 Accepted"], uasBranches: 1 });
  });

  test("a retransmitted INVITE gets the 100 again; the UAS sees one INVITE transaction", T, async () => {
    const r = await onBoth(async (p) => {
      const inv = request(p, "INVITE", "relay");
      p.uac.send(p.port, inv);
      const [down] = await until(p.uas, "INVITE", hasRequest("INVITE"));
      await until(p.uac, "100", hasReply(100));
      p.uac.send(p.port, inv);
      await until(p.uac, "100 again", () => repliesWith(p.uac, 100).length >= 2);
      p.uas.send(p.port, replyTo(down!, 486, "Busy Here"));
      await until(p.uac, "486", hasReply(486));
      p.uac.send(p.port, ackOf(inv, repliesWith(p.uac, 486)[0]!));
      await sleep(300);
      return {
        uac: replies(p.uac),
        hundreds: repliesWith(p.uac, 100).length,
        uasInviteBranches: new Set(requestsNamed(p.uas, "INVITE").map(branchOf)).size,
        uas: requests(p.uas),
      };
    });
    same(r, { uac: [TRYING, "486 Busy Here"], hundreds: 2, uasInviteBranches: 1, uas: ["INVITE sip:relay@127.0.0.1", "ACK sip:relay@127.0.0.1"] });
  });

  test("t_newtran + send_reply: a retransmission gets the same reply; the ACK for the negative reply is absorbed", T, async () => {
    const r = await onBoth(async (p) => {
      const msg = request(p, "MESSAGE", "stateful");
      p.uac.send(p.port, msg);
      await until(p.uac, "404", hasReply(404));
      p.uac.send(p.port, msg);
      await until(p.uac, "404 again", (m) => m.filter((x) => isReply(x) && statusOf(x).code === 404).length >= 2);
      const first = repliesWith(p.uac, 404);
      const inv = request(p, "INVITE", "stateful");
      p.uac.send(p.port, inv);
      await until(p.uac, "404 for the INVITE", hasReply(404, "INVITE"));
      const invFinal = p.uac.received.find((m) => isReply(m) && cseqMethod(m) === "INVITE" && statusOf(m).code === 404)!;
      p.uac.send(p.port, ackOf(inv, invFinal));
      await sleep(1500);
      return {
        message: first.map((m) => line(m, "MESSAGE")),
        identical: first[0] === first[1],
        invite: p.uac.received.filter((m) => isReply(m) && cseqMethod(m) === "INVITE").map((m) => line(m)),
        uas: requests(p.uas),
      };
    });
    same(r, { message: ["404 Stateful", "404 Stateful"], identical: true, invite: ["404 Stateful"], uas: [] });
  });
});
