import { createServer } from "node:http";
import type { Server } from "node:http";
import type { Registry } from "prom-client";

/**
 * The server of METRICS_PORT: `GET /metrics` (Prometheus format) and nothing
 * else, so the public port (webhooks, Slack, builds) never shows figures and
 * an Ingress or load balancer in front of it cannot expose them by mistake.
 */
export function createMetricsServer(registry: Registry): Server {
  return createServer((request, response) => {
    const path = (request.url ?? "").split("?")[0];
    if (path !== "/metrics") {
      response.writeHead(404, { "content-type": "application/json; charset=utf-8" });
      response.end(`${JSON.stringify({ error: "this port serves GET /metrics only" })}\n`);
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "application/json; charset=utf-8" });
      response.end(`${JSON.stringify({ error: "use GET or HEAD" })}\n`);
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { "content-type": registry.contentType });
        response.end(request.method === "HEAD" ? undefined : text);
      },
      () => {
        response.writeHead(500, { "content-type": "application/json; charset=utf-8" });
        response.end(`${JSON.stringify({ error: "metrics could not be collected" })}\n`);
      },
    );
  });
}
