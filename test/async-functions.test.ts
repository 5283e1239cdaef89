import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { rpcCall } from "../core/rpc/client.ts";
import { sipRequest, statusOf, UdpClient } from "./support/sip-client.ts";
import { startErrors, withServer, type LogLines } from "./support/with-server.ts";
import { tempDir, writeManifest } from "./fixtures/manifest/helpers.ts";

/**
 * The async module's rules over real UDP: delays and their limits, dynamic parameters, unknown
 * routes, what a resumed route keeps and loses, tm's 500 when nothing answers, rest-of-block
 * resume, CANCEL, fr_timer, retransmissions, a worker crash, workers=0, the ms and task variants.
 */
const T = { timeout: 60_000 };
const probe = fileURLToPath(new URL("./fixtures/threads/threadprobe.ts", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const head = (extra = "") => `
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "xlog.so"
loadmodule "async.so"
loadmodule "${probe}"
modparam("async", "workers", 2)
${extra}
`;

const cfg = (extra = "") => `${head(extra)}
request_route {
  if ($rm == "ACK") exit;
  if ($rm == "CANCEL") { if (t_check_trans()) t_relay(); exit; }
  if ($rU == "keep") {
    $var(x) = "v";
    $avp(a) = "A";
    setflag(3);
    $rU = "kept";
    $du = "sip:127.0.0.1:9";
    async_sleep("1");
    $var(f) = "no";
    if (isflagset(3)) $var(f) = "yes";
    send_reply("404", "var=$var(x) avp=$avp(a) flag=$var(f) ru=$rU du=$du proc=$proc");
    exit;
  }
  if ($rU == "block") {
    if ($rm == "MESSAGE") {
      async_sleep("1");
      xinfo("rest of the block\\n");
    }
    send_reply("404", "after the block");
    exit;
  }
  if ($rU == "delay") {
    $var(d) = $(hdr(X-Delay){s.int});
    if ($hdr(X-Delay) == "text") $var(d) = "1";
    async_sleep("$var(d)");
    send_reply("400", "refused rc=$rc");
    exit;
  }
  if ($rU == "route") {
    async_route("$hdr(X-Route)", "1");
    send_reply("400", "refused rc=$rc");
    exit;
  }
  if ($rU == "last") {
    if ($rm == "MESSAGE") async_sleep("1");
    send_reply("400", "refused rc=$rc");
    exit;
  }
  if ($rU == "expr") {
    if (!async_sleep("1")) {
      send_reply("400", "refused rc=$rc");
      exit;
    }
    exit;
  }
  if ($rU == "fr") {
    t_set_fr(1000, 1000);
    t_on_failure("FAILED");
    async_sleep("3");
    send_reply("404", "resumed");
    exit;
  }
  if ($rU == "crash") {
    async_route("CRASH", "1");
    exit;
  }
  if ($rU == "ms") {
    async_ms_sleep("250");
    send_reply("404", "ms proc=$proc");
    exit;
  }
  if ($rU == "task") {
    async_task_route("TASK");
    send_reply("400", "refused rc=$rc");
    exit;
  }
  if ($rU == "gtask") {
    async_task_group_route("TASK", "$hdr(X-Group)");
    send_reply("400", "refused rc=$rc");
    exit;
  }
  if ($rU == "data") {
    async_task_data("DATA", "payload-$ci");
    send_reply("200", "data rc=$rc");
    exit;
  }
  if ($rU == "again") {
    async_sleep("1");
    async_sleep("1");
    send_reply("404", "slept twice proc=$proc");
    exit;
  }
  if ($rU == "fail") {
    $du = "sip:127.0.0.1:9";
    t_set_fr(500, 500);
    t_on_failure("SLEEPY");
    t_relay();
    exit;
  }
  if ($rU == "stack2") {
    $avp(t) = "";
    route(TWICE);
    send_reply("404", "trace$avp(t)");
    exit;
  }
  if ($rU == "chain") {
    async_route("CHAIN", "1");
    exit;
  }
  if ($rU == "stack") {
    $avp(t) = "";
    route(INNER);
    $avp(t) = $avp(t) + "-main";
    send_reply("404", "trace$avp(t) rc=$rc");
    exit;
  }
  send_reply("404", "no case");
  exit;
}
route[INNER] {
  $avp(i) = 0;
  while ($avp(i) < 3) {
    $avp(i) = $avp(i) + 1;
    if ($avp(i) == 1) {
      async_sleep("1");
    }
    if ($avp(i) == 3) break;
    $avp(t) = $avp(t) + "-loop" + $avp(i);
  }
  $avp(t) = $avp(t) + "-inner";
  return(7);
  $avp(t) = $avp(t) + "-notreached";
}
route[RESUME] {
  send_reply("404", "resumed on $proc");
  exit;
}
route[EMPTY] {
  xinfo("resumed, replying nothing\\n");
}
route[TWICE] {
  async_sleep("1");
  $avp(t) = $avp(t) + "-one";
  async_sleep("1");
  $avp(t) = $avp(t) + "-two";
}
route[CHAIN] {
  async_task_route("TASK");
  exit;
}
route[CRASH] {
  crash_thread();
}
route[TASK] {
  send_reply("404", "task gname=$async(gname) proc=$proc");
  exit;
}
route[DATA] {
  $shv(data) = $async(data);
  xinfo("data task: $async(data) in $async(gname)\\n");
}
failure_route[SLEEPY] {
  # the suspension is limited by the transaction's fr (500 ms above), as in Kamailio: raise it
  t_set_fr(3000, 3000);
  async_sleep("1");
  send_reply("404", "failure_route slept on $proc");
}
failure_route[FAILED] {
  xinfo("failure_route ran: $T(reply_code)\\n");
}
`;

let seq = 0;
const req = (port: number, user: string, extra: readonly string[] = [], method = "MESSAGE", callId = `as-${++seq}-${Math.random().toString(36).slice(2)}`) =>
  sipRequest({ method, port, ruri: `sip:${user}@127.0.0.1`, extra, callId });
const finals = (msgs: readonly string[]) => msgs.filter((m) => statusOf(m).code >= 200).map((m) => `${statusOf(m).code} ${statusOf(m).reason}`);

/** One request, its replies (at least `n`), and how long the last took. */
const ask = async (port: number, text: string, n = 1, ms = 8000): Promise<{ readonly replies: string[]; readonly took: number; readonly client: UdpClient }> => {
  const c = await UdpClient.open();
  const t0 = Date.now();
  c.send(port, text);
  await c.waitFor(n, ms);
  const took = Date.now() - t0;
  return { replies: [...c.received], took, client: c };
};
const one = async (port: number, text: string, n = 1, ms = 8000): Promise<{ readonly finals: string[]; readonly took: number }> => {
  const r = await ask(port, text, n, ms);
  await r.client.close();
  return { finals: finals(r.replies), took: r.took };
};

/** A server kept for several tests (each server with async threads takes seconds to boot under tsx). */
interface Shared {
  readonly port: number;
  readonly rpcUrl: string;
  readonly logs: LogLines;
  readonly stop: () => Promise<void>;
}
const startShared = (text: string): Promise<Shared> =>
  new Promise<Shared>((ready, fail) => {
    const tmp = tempDir();
    const file = writeManifest(tmp.dir, text, "test.cfg");
    let finish: () => void = () => {};
    const done = new Promise<void>((r) => (finish = r));
    const running = withServer({ file, listen: ["udp:127.0.0.1:0"] }, async (s, logs) => {
      ready({
        port: s.listeners.find((l) => l.proto === "udp")!.port,
        rpcUrl: s.rpcUrl ?? "",
        logs,
        stop: async () => {
          finish();
          await running;
          tmp.cleanup();
        },
      });
      await done;
    });
    running.catch((e: unknown) => {
      tmp.cleanup();
      fail(e);
    });
  });
const servers = new Map<string, Promise<Shared>>();
/** The server for `text`, started on first use and stopped after the file's tests. */
const on = async <A>(text: string, body: (s: Shared) => Promise<A>): Promise<A> => {
  let p = servers.get(text);
  if (p === undefined) servers.set(text, (p = startShared(text)));
  return body(await p);
};
after(async () => {
  for (const p of servers.values()) await (await p).stop();
});
/** workers=0, ms_timer on, no core async workers: everything that needs a thread is refused. */
const NO_WORKERS = cfg('modparam("async", "ms_timer", 10)').replace('modparam("async", "workers", 2)', 'modparam("async", "workers", 0)');
/** ms_timer on, the core's default group and a group "grp". */
const MS_TASKS = cfg('modparam("async", "ms_timer", 10)\nasync_workers_group="name=grp;workers=1"\nasync_workers=1');
const asyncStats = async (s: Shared) => (await rpcCall(s.rpcUrl, "async.stats")) as { suspended: number; resumed: number };

describe("async module functions", () => {
  test("async_sleep: 1 s later on an async thread; $var lost; AVPs, flags, R-URI and $du kept", T, async () => {
    await on(cfg(), async ({ port }) => {
      const r = await one(port, req(port, "keep"));
      assert.ok(r.took >= 990 && r.took < 1400, `took ${r.took} ms`);
      const reason = r.finals[0]!;
      assert.match(reason, /^404 var=(0|) avp=A flag=yes ru=kept du=sip:127\.0\.0\.1:9 proc=[12]$/);
    });
  });

  test("async_sleep resumes only the rest of its block; nothing after it: tm's 500", T, async () => {
    await on(cfg(), async ({ port, logs }) => {
      const r = await one(port, req(port, "block"));
      assert.deepEqual(r.finals, ["500 I'm terribly sorry, server error occurred (1/TM)"]);
      assert.ok(logs.some((l) => l.includes("rest of the block")));
    });
  });

  test("delays: 0, negative, 101 and a non-integer variable return false and leave no transaction; 100 is accepted", T, async () => {
    await on(cfg(), async (s) => {
      const port = s.port;
      const total = async () => ((await rpcCall(s.rpcUrl, "tm.stats")) as { total: number }).total;
      const before = await total();
      for (const d of ["0", "-1", "101", "text"]) {
        const r = await one(port, req(port, "delay", [`X-Delay: ${d}`]));
        assert.deepEqual(r.finals, ["400 refused rc=-1"], `delay ${d}`);
      }
      assert.equal(await total(), before, "no transaction was created");
      const c = await UdpClient.open();
      c.send(port, req(port, "delay", ["X-Delay: 100"], "INVITE"));
      await c.waitFor(1, 3000);
      await sleep(300);
      assert.deepEqual(c.received.map((m) => statusOf(m).code), [100], "suspended: only the 100");
      await c.close();
    });
  });

  test("async_route: dynamic name; an unknown route returns false; a route that answers nothing gives tm's 500", T, async () => {
    await on(cfg(), async ({ port }) => {
      const ok = await one(port, req(port, "route", ["X-Route: RESUME"]));
      assert.match(ok.finals[0]!, /^404 resumed on [12]$/);
      assert.ok(ok.took >= 990 && ok.took < 1400, `took ${ok.took}`);
      assert.deepEqual((await one(port, req(port, "route", ["X-Route: NOPE"]))).finals, ["400 refused rc=-1"]);
      assert.deepEqual((await one(port, req(port, "route", ["X-Route: EMPTY"]))).finals, ["500 I'm terribly sorry, server error occurred (1/TM)"]);
    });
  });

  test("async_sleep as the last action of a block or inside an expression returns false", T, async () => {
    await on(cfg(), async ({ port }) => {
      assert.deepEqual((await one(port, req(port, "last"))).finals, ["400 refused rc=-1"]);
      assert.deepEqual((await one(port, req(port, "expr"))).finals, ["400 refused rc=-1"]);
    });
  });

  test("a static non-integer delay is a start-up error with file:line", T, async () => {
    for (const bad of ['"abc"', '"1.5"']) {
      const tmp = tempDir();
      try {
        const file = writeManifest(tmp.dir, `${head()}\nrequest_route {\n  async_sleep(${bad});\n  exit;\n}\n`, "bad.cfg");
        const e = await startErrors({ file, listen: ["udp:127.0.0.1:0"] });
        const text = e.format();
        assert.match(text, /bad\.cfg:\d+/, text);
        assert.match(text, /async_sleep/, text);
      } finally {
        tmp.cleanup();
      }
    }
  });

  test("CANCEL while suspended: 487 and 200 at once, and the resumed part never runs", T, async () => {
    await on(cfg(), async ({ port }) => {
      const c = await UdpClient.open();
      const inv = req(c.port, "keep", [], "INVITE");
      c.send(port, inv);
      await c.waitFor(1, 3000);
      c.send(port, inv.replace(/^INVITE /, "CANCEL ").replace(/CSeq: 1 INVITE/, "CSeq: 1 CANCEL"));
      await c.waitFor(3, 3000);
      await sleep(1500);
      // (a 487 not acknowledged is retransmitted: counted once)
      const got = [...new Set(c.received.map((m) => `${statusOf(m).code} ${/CSeq: 1 (\w+)/.exec(m)?.[1]}`))].sort();
      assert.deepEqual(got, ["100 INVITE", "200 CANCEL", "487 INVITE"]);
      await c.close();
    });
  });

  test("fr_timer ends the suspension first: failure_route, then 408; the resume finds nothing", T, async () => {
    await on(cfg(), async ({ port, logs }) => {
      const r = await ask(port, req(port, "fr"), 1, 5000);
      assert.ok(r.took >= 900 && r.took < 2000, `408 after ${r.took}`);
      await sleep(2500);
      assert.deepEqual(finals(r.client.received), ["408 Request Timeout"]);
      assert.ok(logs.some((l) => l.includes("failure_route ran")));
      await r.client.close();
    });
  });

  test("async_sleep in a failure_route: the reply comes 1 s after the branch failed, from an async thread", T, async () => {
    await on(cfg(), async ({ port }) => {
      const r = await one(port, req(port, "fail"), 1, 8000);
      assert.match(r.finals[0]!, /^404 failure_route slept on [12]$/);
      assert.ok(r.took >= 1400 && r.took < 2500, `took ${r.took}`);
    });
  });

  test("a retransmission while suspended is absorbed (one suspension, one answer)", T, async () => {
    await on(cfg(), async (s) => {
      const port = s.port;
      await sleep(300); // the previous test's resumed run reports its end just after its reply
      const before = await asyncStats(s);
      const c = await UdpClient.open();
      const m = req(c.port, "keep");
      c.send(port, m);
      await sleep(200);
      c.send(port, m);
      await sleep(200);
      c.send(port, m);
      await c.waitFor(1, 3000);
      await sleep(500);
      assert.equal(finals(c.received).length, 1);
      const st = await asyncStats(s);
      assert.equal(st.suspended - before.suspended, 1);
      assert.equal(st.resumed - before.resumed, 1);
      await c.close();
    });
  });

  test("async_sleep in a resumed route suspends again (the owner does it)", T, async () => {
    await on(cfg(), async ({ port }) => {
      const r = await one(port, req(port, "again"));
      assert.match(r.finals[0]!, /^404 slept twice proc=[12]$/);
      assert.ok(r.took >= 1990 && r.took < 2600, `took ${r.took}`);
    });
  });

  test("sleep_resume \"stack\": the rest of the while (evaluated again, break), of the route, and of its caller after route()", T, async () => {
    await on(cfg('modparam("async", "sleep_resume", "stack")'), async ({ port }) => {
      const r = await one(port, req(port, "stack"));
      assert.deepEqual(r.finals, ["404 trace-loop1-loop2-inner-main rc=7"]);
      assert.ok(r.took >= 990 && r.took < 1500, `took ${r.took}`);
      // suspended again in the resumed part: the caller's statements still follow
      const twice = await one(port, req(port, "stack2"));
      assert.deepEqual(twice.finals, ["404 trace-one-two"]);
      assert.ok(twice.took >= 1990 && twice.took < 2800, `took ${twice.took}`);
    });
    // Kamailio's rule (the default): the call is the last action of its block, so it returns false and nothing waits
    await on(cfg(), async ({ port }) => {
      const r = await one(port, req(port, "stack"));
      assert.deepEqual(r.finals, ["404 trace-loop1-loop2-inner-main rc=7"]);
      assert.ok(r.took < 900, `took ${r.took}`);
    });
  });

  test("an async worker that dies running a resumed route: tm's 500, the worker is replaced", { timeout: 90_000 }, async () => {
    await on(cfg(), async ({ port, logs }) => {
      const r = await one(port, req(port, "crash"), 1, 10_000);
      assert.deepEqual(r.finals, ["500 I'm terribly sorry, server error occurred (1/TM)"]);
      await sleep(200);
      for (let i = 0; i < 20 && !logs.some((l) => /restarted/.test(l)); i++) await sleep(500);
      const ok = await one(port, req(port, "route", ["X-Route: RESUME"]), 1, 10_000);
      assert.match(ok.finals[0]!, /^404 resumed on [12]$/);
    });
  });

  test("workers=0: async_route and async_sleep return false (logged once at start)", T, async () => {
    await on(NO_WORKERS, async ({ port, logs }) => {
      assert.deepEqual((await one(port, req(port, "route", ["X-Route: RESUME"]))).finals, ["400 refused rc=-1"]);
      assert.equal(logs.filter((l) => l.includes("workers is 0")).length, 1);
    });
  });

  test("async_ms_sleep: 250 ms on a core async worker; without ms_timer or async workers it returns false", T, async () => {
    await on(MS_TASKS, async ({ port }) => {
      const r = await one(port, req(port, "ms"));
      assert.match(r.finals[0]!, /^404 ms proc=\d+$/);
      assert.ok(r.took >= 245 && r.took < 600, `took ${r.took}`);
    });
    await on(NO_WORKERS, async ({ port, logs }) => {
      const r = await one(port, req(port, "ms"));
      assert.deepEqual(r.finals, ["404 ms proc=0"], "refused: the script went on at once");
      assert.ok(logs.some((l) => l.includes("no async task workers")));
    });
  });

  test("task variants: async_task_route, async_task_group_route (unknown group: false), async_task_data with $async(data)", T, async () => {
    await on(MS_TASKS, async ({ port, logs }) => {
      assert.match((await one(port, req(port, "task"))).finals[0]!, /^404 task gname=default proc=\d+$/);
      assert.match((await one(port, req(port, "gtask", ["X-Group: grp"]))).finals[0]!, /^404 task gname=grp proc=\d+$/);
      assert.deepEqual((await one(port, req(port, "gtask", ["X-Group: nosuch"]))).finals, ["400 refused rc=-1"]);
      assert.deepEqual((await one(port, req(port, "data", [], "MESSAGE", "dataid"))).finals, ["200 data rc=1"]);
      // a resumed route that hands the transaction on at once: the second run answers, not tm's 500
      const chained = await Promise.all([1, 2, 3, 4, 5, 6].map(() => one(port, req(port, "chain"), 1, 8000)));
      for (const c of chained) assert.match(c.finals[0]!, /^404 task gname=default proc=\d+$/);
      for (let i = 0; i < 20 && !logs.some((l) => l.includes("data task: payload-dataid@127.0.0.1 in default")); i++) await sleep(100);
      assert.ok(logs.some((l) => l.includes("data task: payload-dataid@127.0.0.1 in default")), logs.filter((l) => l.includes("data")).join("\n"));
    });
  });
});
