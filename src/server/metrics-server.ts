import { createServer } from "node:http";
import type { Server } from "node:http";
import type { Registry } from "prom-client";
import { sendJson } from "../http/json-reply.js";

/**
 * The server of METRICS_PORT: `GET /metrics` (Prometheus format) and nothing
 * else, so the public port (webhooks, Slack, builds) never shows figures and
 * an Ingress or load balancer in front of it cannot expose them by mistake.
 */
export function createMetricsServer(registry: Registry): Server {
  return createServer((request, response) => {
    const path = (request.url ?? "").split("?")[0];
    if (path !== "/metrics") return sendJson(response, 404, { error: "this port serves GET /metrics only" });
    if (request.method !== "GET" && request.method !== "HEAD") return sendJson(response, 405, { error: "use GET or HEAD" }, { allow: "GET, HEAD" });
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { "content-type": registry.contentType });
        response.end(request.method === "HEAD" ? undefined : text);
      },
      () => sendJson(response, 500, { error: "metrics could not be collected" }),
    );
  });
}
