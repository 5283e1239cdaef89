import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { CoreRpcSource } from "./core-source.ts";
import { handleRpcBody, type DispatchOptions } from "./dispatch.ts";
import { errorResponse, RPC_INVALID_REQUEST } from "./json-rpc.ts";
import { collectMetrics, type MetricsSource } from "./metrics.ts";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "./prometheus-text.ts";

/** Paths answering JSON-RPC POSTs: Kamailio jsonrpcs's and the common one. */
export const RPC_PATHS: readonly string[] = ["/RPC", "/jsonrpc"];

/** Largest request body accepted (bytes); a larger one gets HTTP 413. */
export const MAX_RPC_BODY = 1024 * 1024;

const JSON_TYPE = "application/json; charset=utf-8";

/**
 * The management HTTP app: POST /RPC and /jsonrpc (JSON-RPC 2.0, always HTTP 200 with a body,
 * or 204 when only notifications were sent), GET /metrics (Prometheus text).
 */
export const rpcApp = (dispatch: DispatchOptions, core: CoreRpcSource, metrics: MetricsSource): Hono => {
  const app = new Hono();
  const tooLarge = bodyLimit({
    maxSize: MAX_RPC_BODY,
    onError: (c) =>
      c.body(
        JSON.stringify(errorResponse(null, RPC_INVALID_REQUEST, "Invalid Request", `the body is larger than ${MAX_RPC_BODY} bytes`)),
        413,
        { "content-type": JSON_TYPE },
      ),
  });
  for (const path of RPC_PATHS) {
    app.post(path, tooLarge, async (c) => {
      const out = await handleRpcBody(await c.req.text(), dispatch);
      return out === undefined ? c.body(null, 204) : c.body(out, 200, { "content-type": JSON_TYPE });
    });
    app.all(path, (c) => c.text("use POST with a JSON-RPC 2.0 body\n", 405, { allow: "POST" }));
  }
  app.get("/metrics", async (c) => {
    const text = renderPrometheus(await collectMetrics(core, metrics, dispatch));
    return c.body(text, 200, { "content-type": PROMETHEUS_CONTENT_TYPE });
  });
  app.notFound((c) => c.text("not found: POST /RPC (JSON-RPC 2.0) or GET /metrics\n", 404));
  app.onError((err, c) => c.text(`internal error: ${err.message}\n`, 500));
  return app;
};
