import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Effect, Either } from "effect";
import { parseCfgFile, parseCfgSource } from "../core/script/parse-cfg.ts";
import type { CfgFile, Expr, ParamGlobal, RouteBlock, Stmt } from "../core/script/ast.ts";

const fixture = (rel: string): string => fileURLToPath(new URL(`./fixtures/cfg/${rel}`, import.meta.url));

const parseFile = (file: string, defines: Record<string, string> = {}): CfgFile => {
  const r = Effect.runSync(Effect.either(parseCfgFile(file, { defines })));
  if (Either.isLeft(r)) assert.fail(`${file} did not parse:\n${r.left.format()}`);
  return r.right;
};

const blockLabels = (cfg: CfgFile): string[] => cfg.blocks.map((b) => (b.name === undefined ? b.keyword : `${b.keyword}[${b.name}]`));

/** Every statement of a block, depth first. */
const allStmts = (body: readonly Stmt[]): Stmt[] => {
  const out: Stmt[] = [];
  const walk = (s: Stmt): void => {
    out.push(s);
    if (s.kind === "block") s.body.forEach(walk);
    else if (s.kind === "if") {
      walk(s.then);
      if (s.else) walk(s.else);
    } else if (s.kind === "while") walk(s.body);
    else if (s.kind === "switch") s.clauses.forEach((c) => c.body.forEach(walk));
  };
  body.forEach(walk);
  return out;
};

/** Function calls of a block in source order, including calls inside conditions and arguments. */
const callsIn = (b: RouteBlock): string[] => {
  const out: string[] = [];
  const expr = (e: Expr): void => {
    if (e.kind === "call") {
      out.push(e.name);
      e.args.forEach(expr);
    } else if (e.kind === "binary") {
      expr(e.left);
      expr(e.right);
    } else if (e.kind === "unary" || e.kind === "defined" || e.kind === "cast" || e.kind === "strlen" || e.kind === "strempty") expr(e.operand);
  };
  for (const s of allStmts(b.body)) {
    if (s.kind === "call") expr(s);
    else if (s.kind === "if" || s.kind === "while") expr(s.cond);
    else if (s.kind === "switch") expr(s.subject);
    else if (s.kind === "assign") expr(s.value);
  }
  return out;
};

describe("Kamailio experiment configs (kamailio-exp)", () => {
  const dir = fixture("kamailio-exp");
  const files = readdirSync(dir).filter((f) => f.endsWith(".cfg")).sort();

  test("there are 15 of them", () => {
    assert.equal(files.length, 15);
  });

  for (const f of files) {
    test(`${f} parses`, () => {
      const cfg = parseFile(`${dir}/${f}`);
      assert.ok(cfg.blocks.some((b) => b.type === "request"), "has a request_route");
      assert.ok(cfg.globals.filter((g) => g.type === "loadmodule").length >= 6);
    });
  }

  test("k1.cfg: globals in order, listen address, async groups, modparams", () => {
    const cfg = parseFile(`${dir}/k1.cfg`);
    const params = cfg.globals.filter((g): g is ParamGlobal => g.type === "param");
    assert.deepEqual(
      params.map((p) => p.name),
      ["debug", "log_stderror", "log_prefix", "children", "listen", "auto_aliases", "dns", "rev_dns", "async_workers", "async_workers_group", "mpath"],
    );
    const byName = new Map(params.map((p) => [p.name, p.value]));
    assert.equal(byName.get("debug"), 2);
    assert.equal(byName.get("log_stderror"), true);
    assert.equal(byName.get("auto_aliases"), false);
    assert.equal(byName.get("log_prefix"), "{$mt $rm $cs} ");
    assert.equal(byName.get("async_workers_group"), "name=grpA;workers=1;nonblock=0;usleep=0");
    assert.deepEqual(byName.get("listen"), {
      kind: "listen",
      proto: "udp",
      host: "127.0.0.1",
      port: 5070,
      advertise: undefined,
      name: undefined,
      virtual: undefined,
      text: "udp:127.0.0.1:5070",
    });
    const mods = cfg.globals.flatMap((g) => (g.type === "loadmodule" ? [g.path] : []));
    assert.deepEqual(mods, ["kex.so", "tm.so", "tmx.so", "sl.so", "pv.so", "xlog.so", "textops.so", "htable.so", "async.so"]);
    const mp = cfg.globals.flatMap((g) => (g.type === "modparam" ? [[g.module, g.param, g.value]] : []));
    assert.deepEqual(mp, [
      ["async", "workers", 1],
      ["htable", "htable", "p=>size=4;"],
      ["pv", "shvset", "s=s:init"],
    ]);
    const first = cfg.globals[0]!;
    assert.deepEqual(first.pos, { file: `${dir}/k1.cfg`, line: 3, column: 1 });
  });

  test("k1.cfg: block names and what route[park] calls", () => {
    const cfg = parseFile(`${dir}/k1.cfg`);
    const labels = blockLabels(cfg);
    assert.equal(labels[0], "request_route");
    assert.ok(labels.includes("failure_route[FAILR]"));
    assert.ok(labels.includes("route[RESUME2]"));
    assert.equal(labels.length, 28);
    const park = cfg.blocks.find((b) => b.name === "park")!;
    assert.deepEqual(callsIn(park), ["t_suspend", "xinfo", "send_reply"]);
    const assigns = allStmts(park.body).flatMap((s) => (s.kind === "assign" ? [`${s.target.name}(${s.target.inner})`] : []));
    assert.deepEqual(assigns, ["sht(p=>idx)", "sht(p=>lbl)"]);
  });

  test("k4.cfg: event_route[core:pre-routing] with an else-if chain", () => {
    const cfg = parseFile(`${dir}/k4.cfg`);
    const pre = cfg.blocks[0]!;
    assert.equal(pre.type, "event");
    assert.equal(pre.name, "core:pre-routing");
    const ifs = pre.body.filter((s) => s.kind === "if");
    assert.equal(ifs.length, 1);
    let chain = 0;
    for (let s: Stmt | undefined = ifs[0]; s?.kind === "if"; s = s.else) chain++;
    assert.equal(chain, 3); // if / else if / else if, then a final else block
  });

  test("k_reply.cfg: reply_route is the core reply block", () => {
    const cfg = parseFile(`${dir}/k_reply.cfg`);
    assert.deepEqual(
      cfg.blocks.map((b) => [b.type, b.keyword, b.name]),
      [
        ["request", "request_route", undefined],
        ["reply", "reply_route", undefined],
      ],
    );
  });
});

describe("seed examples (async, sworker)", () => {
  test("async: async_route / async_sleep / modparam workers", () => {
    const cfg = parseFile(fixture("seeds/async.cfg"));
    assert.deepEqual(blockLabels(cfg), ["request_route", "route[RESUME]"]);
    assert.deepEqual(callsIn(cfg.blocks[0]!), ["is_method", "async_route", "async_sleep", "send_reply"]);
    assert.ok(cfg.globals.some((g) => g.type === "modparam" && g.module === "async" && g.param === "workers" && g.value === 2));
  });

  test("sworker: pre-routing delegation, xdata modparam", () => {
    const cfg = parseFile(fixture("seeds/sworker.cfg"));
    assert.deepEqual(blockLabels(cfg), ["event_route[core:pre-routing]", "request_route"]);
    assert.deepEqual(callsIn(cfg.blocks[0]!), ["sworker_task", "xinfo", "xinfo"]);
    assert.ok(cfg.globals.some((g) => g.type === "modparam" && g.value === "$var(xdata)"));
  });
});

const DEBIAN_CFG = "/etc/kamailio/kamailio.cfg";
const haveDebian = existsSync(DEBIAN_CFG);

describe("Debian's default /etc/kamailio/kamailio.cfg", { skip: haveDebian ? false : "not installed here" }, () => {
  test("parses without defines", () => {
    const cfg = parseFile(DEBIAN_CFG);
    assert.deepEqual(blockLabels(cfg), [
      "request_route",
      "route[RELAY]",
      "route[REQINIT]",
      "route[WITHINDLG]",
      "route[REGISTRAR]",
      "route[LOCATION]",
      "route[PRESENCE]",
      "route[AUTH]",
      "route[NATDETECT]",
      "route[NATMANAGE]",
      "route[DLGURI]",
      "route[SIPOUT]",
      "route[PSTN]",
      "route[TOVOICEMAIL]",
      "branch_route[MANAGE_BRANCH]",
      "reply_route",
      "onreply_route[MANAGE_REPLY]",
      "failure_route[MANAGE_FAILURE]",
    ]);
    const mods = cfg.globals.filter((g) => g.type === "loadmodule");
    assert.equal(mods.length, 20);
    const debug = cfg.globals.find((g): g is ParamGlobal => g.type === "param" && g.name === "debug");
    assert.equal(debug?.value, 2); // DBGLEVEL
    // the file names a missing kamailio-local.cfg with import_file: ignored
    assert.deepEqual(cfg.files, [DEBIAN_CFG]);
  });

  test("with WITH_DEBUG: debugger module and debug level 3", () => {
    const cfg = parseFile(DEBIAN_CFG, { WITH_DEBUG: "" });
    const mods = cfg.globals.flatMap((g) => (g.type === "loadmodule" ? [g.path] : []));
    assert.equal(mods.length, 21);
    assert.equal(mods.at(-1), "debugger.so");
    const debug = cfg.globals.find((g): g is ParamGlobal => g.type === "param" && g.name === "debug");
    assert.equal(debug?.value, 3);
  });

  test("with every feature define: xhttp event route, cfg vars, DBURL and FLT_ defines expanded", () => {
    const all = [
      "WITH_MYSQL", "WITH_AUTH", "WITH_IPAUTH", "WITH_USRLOCDB", "WITH_PRESENCE", "WITH_MSGREBUILD", "WITH_NAT",
      "WITH_NATSIPPING", "WITH_PSTN", "WITH_ALIASDB", "WITH_SPEEDDIAL", "WITH_MULTIDOMAIN", "WITH_TLS", "WITH_JSONRPC",
      "WITH_ANTIFLOOD", "WITH_BLOCK3XX", "WITH_BLOCK401407", "WITH_VOICEMAIL", "WITH_ACCDB", "WITH_DEBUG",
    ];
    const cfg = parseFile(DEBIAN_CFG, Object.fromEntries(all.map((d) => [d, ""])));
    assert.ok(blockLabels(cfg).includes("event_route[xhttp:request]"));
    const cfgvars = cfg.globals.flatMap((g) => (g.type === "cfgvar" ? [`${g.group}.${g.name}`] : []));
    assert.deepEqual(cfgvars, ["pstn.gw_ip", "pstn.gw_port", "voicemail.srv_ip", "voicemail.srv_port"]);
    const dburl = cfg.globals.find((g) => g.type === "modparam" && g.module === "acc" && g.param === "db_url");
    assert.equal(dburl?.type === "modparam" ? dburl.value : undefined, "mysql://kamailio:kamailiorw@localhost/kamailio");
    const flag = cfg.globals.find((g) => g.type === "modparam" && g.module === "acc" && g.param === "log_flag");
    assert.equal(flag?.type === "modparam" ? flag.value : undefined, 1);
    const ha1 = cfg.globals.find((g) => g.type === "modparam" && g.param === "calculate_ha1");
    assert.equal(ha1?.type === "modparam" ? ha1.value : undefined, 1); // yes
    const extra = cfg.globals.find((g) => g.type === "modparam" && g.param === "log_extra");
    assert.equal(
      extra?.type === "modparam" ? extra.value : undefined,
      "src_user=$fU;src_domain=$fd;src_ip=$si;dst_ouser=$tU;dst_user=$rU;dst_domain=$rd",
    );
  });

  test("with ACCDB_COMMENT the SQL text is parsed and reported (as Kamailio would)", () => {
    const r = parseCfgSource(readFileSync(DEBIAN_CFG, "utf8"), DEBIAN_CFG, { defines: { ACCDB_COMMENT: "" } });
    // one error per SQL line (the parser resynchronises at each line that starts with a word)
    assert.deepEqual(
      r.errors.map((e) => e.pos?.line),
      Array.from({ length: 12 }, (_, i) => 112 + i),
    );
    for (const e of r.errors) assert.match(e.message, /unexpected 'ALTER' at the top level/);
  });
});

describe("includes", () => {
  test("include_file is relative to the including file; import_file of a missing file is ignored; positions stay per file", () => {
    const main = fixture("include/main.cfg");
    const cfg = parseFile(main);
    assert.deepEqual(cfg.files, [main, fixture("include/sub/routes.cfg"), fixture("include/common.cfg")]);
    assert.deepEqual(blockLabels(cfg), ["route[FROM_COMMON]", "route[FROM_SUB]", "request_route"]);
    const [common, sub, req] = cfg.blocks as [RouteBlock, RouteBlock, RouteBlock];
    assert.deepEqual(common.pos, { file: fixture("include/common.cfg"), line: 3, column: 1 });
    assert.deepEqual(sub.pos, { file: fixture("include/sub/routes.cfg"), line: 4, column: 1 });
    assert.deepEqual(req.pos, { file: main, line: 8, column: 1 });
    // a define from the included common.cfg is expanded in sub/routes.cfg, at the use site's position
    const assign = sub.body[1]!;
    assert.equal(assign.kind, "assign");
    if (assign.kind === "assign") {
      assert.equal(assign.value.kind, "int");
      assert.deepEqual(assign.value.pos, { file: fixture("include/sub/routes.cfg"), line: 6, column: 12 });
    }
    // ...but not inside a string
    const x = sub.body[0]!;
    assert.ok(x.kind === "call" && x.args[0]!.kind === "str" && x.args[0]!.value === "sub flag=COMMON_VALUE\n");
    // SHARED_FLAG defined in main.cfg
    const setflag = req.body[0]!;
    assert.ok(setflag.kind === "call" && setflag.args[0]!.kind === "int" && setflag.args[0]!.value === 7);
    assert.deepEqual(
      cfg.globals.map((g) => g.type),
      ["param", "loadmodule", "loadmodule"],
    );
  });
});
