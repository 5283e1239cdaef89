import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel } from "effect";
import { effectLogLevel, KAMAILIO_LEVELS, kamailioLevelName, parseKamailioLevel } from "../core/script/log-level.ts";
import { runRoute } from "./script-helpers.ts";

describe("xlog", () => {
  test("levels, formats with pseudo-variables, <null> for undefined values", async () => {
    const r = await runRoute(
      'xlog("default $rm from $si\\n");\n' +
        'xlog("L_INFO", "info $rU $avp(nope)");\n' +
        'xlog("L_DBG", "dbg");\n' +
        'xlog("L_WARN", "warn");\n' +
        'xlog("1", "numeric notice");\n' +
        'xinfo("xinfo $(rU{s.toupper})");\n' +
        'xdbg("xdbg"); xnotice("xnotice"); xwarn("xwarn"); xerr("xerr"); xalert("xalert"); xcrit("xcrit");\n' +
        'if (xinfo("returns 1") == 1) xinfo("true");',
    );
    assert.deepEqual(r.lines, [
      "ERROR default INVITE from 10.0.0.1 [L_ERR]",
      "INFO info alice <null> [L_INFO]",
      "DEBUG dbg [L_DBG]",
      "WARN warn [L_WARN]",
      "INFO numeric notice [L_NOTICE]",
      "INFO xinfo ALICE [L_INFO]",
      "DEBUG xdbg [L_DBG]",
      "INFO xnotice [L_NOTICE]",
      "WARN xwarn [L_WARN]",
      "ERROR xerr [L_ERR]",
      "FATAL xalert [L_ALERT]",
      "FATAL xcrit [L_CRIT]",
      "INFO returns 1 [L_INFO]",
      "INFO true [L_INFO]",
    ]);
  });

  test("core log(): fixed text, level 4 (Trace) or the given Kamailio level", async () => {
    const r = await runRoute('log("plain text"); log(-1, "an error"); log(2, "info $ru");'.replace("$ru", "ru"));
    assert.deepEqual(r.lines, ["TRACE plain text [L_DBG]", "ERROR an error [L_ERR]", "INFO info ru [L_INFO]"]);
  });

  test("Kamailio level names and their Effect levels", () => {
    assert.equal(parseKamailioLevel("L_NOTICE"), 1);
    assert.equal(parseKamailioLevel("-5"), -5);
    assert.equal(parseKamailioLevel("L_NOPE"), undefined);
    assert.equal(kamailioLevelName(KAMAILIO_LEVELS.L_CRIT2), "L_CRIT2");
    assert.equal(effectLogLevel(KAMAILIO_LEVELS.L_BUG), LogLevel.Fatal);
    assert.equal(effectLogLevel(KAMAILIO_LEVELS.L_ERR), LogLevel.Error);
    assert.equal(effectLogLevel(KAMAILIO_LEVELS.L_WARN), LogLevel.Warning);
    assert.equal(effectLogLevel(KAMAILIO_LEVELS.L_NOTICE), LogLevel.Info);
    assert.equal(effectLogLevel(KAMAILIO_LEVELS.L_DBG), LogLevel.Debug);
    assert.equal(effectLogLevel(4), LogLevel.Trace);
  });
});
