import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createNodeMiddleware } from "probot";
import { benderApp } from "../github/app.js";
import { SLACK_PATH } from "../slack/slack-app.js";
import { failureAnswer } from "../http/failure-answer.js";
import { sendJson } from "../http/json-reply.js";
import { buildWebhookHandler } from "./build-webhook.js";
import { composeBender } from "./compose.js";
import type { BenderParts, ServerOptions } from "./compose.js";
import { DEFAULT_WEBHOOK_MAX_BYTES, githubWebhookGate } from "./github-webhook-gate.js";
import type { Settings } from "./settings.js";

export type { ServerOptions, SweepRepository } from "./compose.js";

const WEBHOOK_PATH = "/api/github/webhooks";
const BUILDS_PATH = "/api/builds";

/**
 * Server timeouts, set rather than left to Node's defaults (a 300 s request
 * timeout let one slow client hold a request, and a shutdown, for minutes).
 * GitHub gives up on a delivery after 10 s and Slack after 3 s.
 */
const SERVER_TIMEOUTS = {
  /** The whole request head must arrive within this. */
  headersTimeoutMs: 10_000,
  /** The whole request, body included, must arrive within this. */
  requestTimeoutMs: 30_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: 5_000,
} as const;

/** Which methods each path answers; any other method is 405. */
const METHODS: Record<string, readonly string[]> = {
  "/healthz": ["GET", "HEAD"],
  "/readyz": ["GET", "HEAD"],
  "/metrics": ["GET", "HEAD"],
  [SLACK_PATH]: ["POST"],
};

/** Bender's services (compose.ts) and the one HTTP server that answers for them. */
export interface BenderServer extends BenderParts {
  readonly server: Server;
}

/** The path of a request target, or undefined for one that is not an origin-form path (`//x`, `*`, `http://…`). */
function requestPath(target: string | undefined): string | undefined {
  if (target === undefined || !target.startsWith("/") || target.startsWith("//")) return undefined;
  try {
    return new URL(target, "http://bender.invalid").pathname;
  } catch {
    return undefined;
  }
}

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/**
 * One node:http server for everything Bender answers: GitHub webhooks
 * (Probot's middleware, which checks the signature before any handler runs),
 * the signed build webhook, Slack, health, readiness and metrics. The
 * services come from the composition root (compose.ts), built once.
 */
export async function createBenderServer(options: ServerOptions): Promise<BenderServer> {
  const parts = composeBender(options);
  return { ...parts, server: await benderHttpServer(parts, options.settings) };
}

/** The HTTP server over services already built: 1. the handlers behind the routes, 2. the routes, 3. the server. */
async function benderHttpServer(parts: BenderParts, settings: Settings): Promise<Server> {
  const { probot, services, log, shutdown } = parts;
  // 1. GitHub's webhooks (Probot, behind the size and signature gate) and the build webhook.
  const webhooks = githubWebhookGate({
    secret: settings.webhookSecret,
    maxBytes: settings.webhookMaxBytes ?? DEFAULT_WEBHOOK_MAX_BYTES,
    log: log.child({ name: "github" }),
    next: await createNodeMiddleware(benderApp(services), { probot, webhooksPath: WEBHOOK_PATH }),
  });
  const builds = buildWebhookHandler({ secret: settings.buildSecret, probot, services, log });
  // 2. The routes.
  const route = router(parts, settings, { webhooks, builds });
  // 3. Every request tracked by the shutdown, every failure answered (failure-answer.ts).
  return createServer(
    {
      headersTimeout: SERVER_TIMEOUTS.headersTimeoutMs,
      requestTimeout: SERVER_TIMEOUTS.requestTimeoutMs,
      keepAliveTimeout: SERVER_TIMEOUTS.keepAliveTimeoutMs,
    },
    (request, response) => {
      shutdown.track(request, response);
      route(request, response).catch((error: unknown) => {
        log.error({ err: error, path: request.url?.slice(0, 200), delivery: request.headers["x-github-delivery"] }, "request failed");
        const answer = failureAnswer(error);
        if (!response.headersSent) sendJson(response, answer.status, answer.body);
        else response.end();
      });
    },
  );
}

/** Which handler answers a request, by its path and method. */
function router(parts: BenderParts, settings: Settings, handlers: { readonly webhooks: Handler; readonly builds: Handler }): Handler {
  const { log, metrics, slack, githubHealth, githubFetch } = parts;
  return async (request, response) => {
    const path = requestPath(request.url);
    if (path === undefined) return sendJson(response, 400, { error: "the request target is not a path (it must start with a single /)" });
    const allowed = METHODS[path];
    if (allowed && !allowed.includes(request.method ?? "")) {
      response.setHeader("allow", allowed.join(", "));
      return sendJson(response, 405, { error: `use ${allowed.join(" or ")}` });
    }
    if (path === "/healthz") return sendJson(response, 200, { status: "ok" });
    if (path === "/readyz") {
      // Ready means GitHub work is served; a Slack that cannot be reached is reported, not a reason to stop traffic.
      // Credentials GitHub refused are: no GitHub work can succeed until a person fixes them.
      const ready = githubHealth.ready();
      return sendJson(response, ready ? 200 : 503, {
        status: ready ? "ready" : "not ready",
        github: githubHealth.health(),
        buildWebhook: settings.buildSecret !== undefined,
        slack: slack?.health() ?? "off (GitHub-only)",
      });
    }
    if (path === SLACK_PATH && slack?.listener) return slack.listener(request, response);
    if (path === "/metrics") {
      if (settings.metricsPort !== undefined) return sendJson(response, 404, { error: `metrics are served on METRICS_PORT (${settings.metricsPort}), not on this port` });
      response.writeHead(200, { "content-type": metrics.registry.contentType });
      response.end(await metrics.registry.metrics());
      return;
    }
    if (path === BUILDS_PATH) return handlers.builds(request, response);
    if (path === WEBHOOK_PATH) {
      await handlers.webhooks(request, response);
      if (githubFetch.stopped && response.statusCode >= 500) {
        log.warn({ delivery: request.headers["x-github-delivery"], event: request.headers["x-github-event"] }, "webhook work abandoned by shutdown: redeliver it from the App's Advanced settings");
      }
      return;
    }
    sendJson(response, 404, { error: `no route for ${path}` });
  };
}
