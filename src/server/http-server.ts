import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { Probot, createNodeMiddleware } from "probot";
import { Redis } from "ioredis";
import { pino } from "pino";
import type { Logger } from "pino";
import { manifestTargets, reportOutcomes } from "../github/accept-build.js";
import { benderApp } from "../github/app.js";
import type { BenderServices } from "../github/services.js";
import { BlobCache } from "../github/blob-cache.js";
import { ConfigStore } from "../github/config-store.js";
import { InstallationClients } from "../github/installation-clients.js";
import { ManifestRepositories } from "../github/manifest-repositories.js";
import { readApp } from "../github/read-app.js";
import type { GithubPacer } from "../github/github-pacer.js";
import type { InstallationClient } from "../github/manifest-repositories.js";
import { PRODUCTION_RETRY_POLICY, benderOctokit, pacerFor } from "../github/octokit.js";
import { DEFAULT_ENGINE_POOL, EnginePool } from "../manifests/io/engine-pool.js";
import { inlineEngine } from "../manifests/io/manifest-engine.js";
import type { RetryPolicy } from "../github/octokit.js";
import { proposeBatch, sweepManifestRepository } from "../github/propose-batch.js";
import { BuildQueue } from "../queue/io/build-queue.js";
import { RedisPacerStore } from "../github/redis-pacer-store.js";
import { SLACK_PATH, createSlackApp } from "../slack/slack-app.js";
import type { SlackApp } from "../slack/slack-app.js";
import { failureAnswer } from "../http/failure-answer.js";
import { sendJson } from "../http/json-reply.js";
import { buildWebhookHandler } from "./build-webhook.js";
import { EventBus } from "./event-bus.js";
import { GithubHealth, exportHealthMetrics } from "./github-health.js";
import { DEFAULT_WEBHOOK_MAX_BYTES, githubWebhookGate } from "./github-webhook-gate.js";
import { LOG_SERIALIZERS } from "./log-serializers.js";
import { COMPONENT_RENAMES, PROBOT_RENAMES, abandonedByShutdown, logTree } from "./log-tree.js";
import { BenderMetrics } from "./metrics.js";
import type { Settings } from "./settings.js";
import { ShutdownSequence } from "./shutdown.js";
import { stoppableFetch } from "./stoppable-fetch.js";

export const WEBHOOK_PATH = "/api/github/webhooks";
export const BUILDS_PATH = "/api/builds";

/**
 * Server timeouts, set rather than left to Node's defaults (a 300 s request
 * timeout let one slow client hold a request, and a shutdown, for minutes).
 * GitHub gives up on a delivery after 10 s and Slack after 3 s.
 */
export const SERVER_TIMEOUTS = {
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

export interface BenderServer {
  readonly server: Server;
  readonly probot: Probot;
  readonly services: BenderServices;
  readonly events: EventBus;
  readonly metrics: BenderMetrics;
  /** Undefined when Bender runs GitHub-only (no Slack settings). */
  readonly slack: SlackApp | undefined;
  readonly log: Logger;
  /** Stops the server within a deadline; other parts register their own stoppers on it. */
  readonly shutdown: ShutdownSequence;
  readonly queue: BuildQueue;
  readonly pacer: GithubPacer;
  /**
   * Stops GitHub work promptly (SIGTERM): no new turn starts, waits for rate
   * limits end at once, and the builds left are logged by name. Resolves with their keys.
   */
  stopWork(): Promise<string[]>;
  /** Queues a sweep of every manifest repository (after a start). */
  sweepRepositories(): Promise<void>;
  /** The manifest engine's worker threads (undefined with BENDER_ENGINE_WORKERS=0); the shutdown sequence stops them. */
  readonly engine: EnginePool | undefined;
  /**
   * Abandons every GitHub request in flight, and fails any made after (SIGTERM, after a short grace): a GitHub that
   * is slow or unreachable then holds no webhook handler or queue turn, so the server stops within seconds.
   */
  stopGithubRequests(): void;
  /** The GitHub App's credentials, checked by `start()` (as `bender serve` does) and every minute after. */
  readonly githubHealth: GithubHealth;
}

/** Finishes what an interrupted write left in one repository (the write layer's `sweepRepository`). */
export type SweepRepository = (repository: string, client: InstallationClient, log: Logger) => Promise<unknown>;

export interface ServerOptions {
  readonly settings: Settings;
  /** How long and how often to wait for GitHub; tests shorten the waits. */
  readonly retry?: RetryPolicy;
  /** Process metrics (CPU, memory, event loop) beside Bender's own; off in tests. */
  readonly processMetrics?: boolean;
  readonly log?: Logger;
  /** The sweep run per manifest repository at start; by default the write layer's `sweepRepository`. */
  readonly sweepRepository?: SweepRepository;
  /** First pause before queued work that failed on GitHub's side is tried again (30 s by default). */
  readonly queueRetryDelayMs?: number;
  /** Retries of Slack Web API calls; tests pass 0. */
  readonly slackRetries?: number;
  /** The clock Slack messages show times from; tests pass a fixed one. */
  readonly now?: () => Date;
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

/**
 * One node:http server for everything Bender answers: GitHub webhooks
 * (Probot's middleware, which checks the signature before any handler runs),
 * the signed build webhook, health and readiness.
 */
export async function createBenderServer(options: ServerOptions): Promise<BenderServer> {
  const { settings } = options;
  // Errors are logged without the payloads they carry, whoever made the logger.
  // One tree: each part logs under its own `component` key, Probot's parts under `probot` (see log-tree.ts).
  const log = logTree((options.log ?? pino({ level: settings.logLevel, name: "bender" })).child({}, { serializers: LOG_SERIALIZERS }), { renames: COMPONENT_RENAMES });
  const metrics = new BenderMetrics({ processMetrics: options.processMetrics ?? true });
  const policy: RetryPolicy = {
    ...(options.retry ?? PRODUCTION_RETRY_POLICY),
    writesPerMinute: settings.githubWritesPerMinute,
    writesPerHour: settings.githubWritesPerHour,
  };
  // With REDIS_URL every replica paces against one budget and shares the build queue.
  const redis = settings.redisUrl ? new Redis(settings.redisUrl, { maxRetriesPerRequest: null }) : undefined;
  const pacer = pacerFor(policy, (_installation, waitMs) => metrics.countLimitWait(waitMs), redis ? new RedisPacerStore(redis) : undefined);
  const githubFetch = stoppableFetch("GitHub request");
  const probot = new Probot({
    request: { fetch: githubFetch.fetch },
    appId: settings.appId,
    privateKey: settings.privateKey,
    secret: settings.webhookSecret,
    baseUrl: settings.githubApiUrl,
    // Probot's own error lines for webhook work the shutdown abandoned are left out: Bender logs each once, with its delivery id.
    log: logTree(log.child({ component: "github" }), { renames: PROBOT_RENAMES, skip: abandonedByShutdown }),
    Octokit: benderOctokit(policy, (method, url, status, body) => metrics.countGithubRequest(method, url, status, body), pacer),
  });
  const events = new EventBus(log.child({ name: "events" }));
  const configs = new ConfigStore();
  // The manifest engine runs in worker threads: one file at the parse budget would hold the event loop for up to a second.
  const workers = settings.engineWorkers ?? DEFAULT_ENGINE_POOL.size;
  const pool =
    workers === 0
      ? undefined
      : new EnginePool({
          size: workers,
          memoryMb: settings.engineMemoryMb ?? DEFAULT_ENGINE_POOL.memoryMb,
          timeoutMs: settings.engineFileTimeoutMs ?? DEFAULT_ENGINE_POOL.timeoutMs,
        });
  const queue = new BuildQueue({
    log: log.child({ name: "queue" }),
    loadConfig: (repository, client, queueLog) => configs.load(client, repository, queueLog),
    propose: (repository, client, targets, queueLog) => proposeBatch(services, client, repository, targets, queueLog),
    report: (build, outcomes, queueLog) => reportOutcomes(services, queueLog, build, outcomes),
    sweep: options.sweepRepository ?? ((repository, client, sweepLog) => sweepManifestRepository(services, client, repository, sweepLog)),
    onCoalesced: (count) => metrics.coalescedBuilds.inc(count),
    ...(options.queueRetryDelayMs === undefined ? {} : { retryDelayMs: options.queueRetryDelayMs }),
    ...(redis ? { shared: { connection: redis, clientFor: (repository: string) => services.installations.forRepository(repository) } } : {}),
  });
  metrics.observeQueue(queue);
  const services: BenderServices = {
    webUrl: settings.githubWebUrl,
    installations: new InstallationClients(probot),
    configs,
    repositories: new ManifestRepositories(configs, settings.manifestRepositories),
    blobs: new BlobCache(),
    events,
    uniqueId: () => randomUUID().slice(0, 8),
    queue,
    engine: pool ?? inlineEngine,
    activity: {
      build: (origin, result) => metrics.builds.inc({ origin, result }),
      outcomes: (outcomes) => metrics.countOutcomes(outcomes),
    },
  };
  const webhooks = githubWebhookGate({
    secret: settings.webhookSecret,
    maxBytes: settings.webhookMaxBytes ?? DEFAULT_WEBHOOK_MAX_BYTES,
    log: log.child({ name: "github" }),
    next: await createNodeMiddleware(benderApp(services), { probot, webhooksPath: WEBHOOK_PATH }),
  });
  const builds = buildWebhookHandler({ secret: settings.buildSecret, probot, services, log });
  const slack = settings.slack
    ? createSlackApp({
        settings: settings.slack,
        services,
        events,
        log,
        ...(options.slackRetries === undefined ? {} : { retries: options.slackRetries }),
        ...(options.now ? { now: options.now } : {}),
      })
    : undefined;
  if (!slack) log.info("no SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET: Bender runs GitHub-only");
  const shutdown = new ShutdownSequence(log.child({ name: "shutdown" }));
  if (slack) shutdown.register({ name: "slack", stop: () => slack.stop() });
  if (pool) shutdown.register({ name: "manifest-engine", stop: (signal) => pool.stop(signal) });
  const githubHealth = new GithubHealth({
    log: log.child({ component: "github-health" }),
    request: (signal) => readApp(probot, { signal }),
  });
  shutdown.register({ name: "github-health", stop: async () => githubHealth.stop() });
  exportHealthMetrics(metrics.registry, githubHealth, slack);

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
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
    if (path === BUILDS_PATH) return builds(request, response);
    if (path === WEBHOOK_PATH) {
      await webhooks(request, response);
      if (githubFetch.stopped && response.statusCode >= 500) {
        log.warn({ delivery: request.headers["x-github-delivery"], event: request.headers["x-github-event"] }, "webhook work abandoned by shutdown: redeliver it from the App's Advanced settings");
      }
      return;
    }
    sendJson(response, 404, { error: `no route for ${path}` });
  }

  const server = createServer(
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
  async function stopWork(): Promise<string[]> {
    const stopped = queue.stop();
    pacer.stop();
    const left = await stopped;
    await redis?.quit().catch(() => undefined);
    return left;
  }

  async function sweepRepositories(): Promise<void> {
    const targets = await manifestTargets(services, { kind: "named", repositories: settings.manifestRepositories }, log);
    for (const { repository, client } of targets) if (client) queue.requestSweep(repository, client);
  }

  // Queued GitHub work stops at the signal (limit waits end); the builds left are logged by name by the queue.
  shutdown.register({ name: "build queue", stop: async () => void (await stopWork()) });

  return { server, probot, services, events, metrics, slack, log, shutdown, engine: pool, queue, pacer, stopWork, sweepRepositories, githubHealth, stopGithubRequests: () => githubFetch.stop() };
}
