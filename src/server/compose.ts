import { randomUUID } from "node:crypto";
import { Probot } from "probot";
import { Redis } from "ioredis";
import { pino } from "pino";
import type { Logger } from "pino";
import { manifestTargets, reportOutcomes } from "../github/accept-build.js";
import type { BenderServices } from "../github/services.js";
import { BlobCache } from "../github/blob-cache.js";
import { ConfigStore } from "../github/config-store.js";
import { InstallationClients } from "../github/installation-clients.js";
import { ManifestRepositories } from "../github/manifest-repositories.js";
import { readApp } from "../github/read-app.js";
import type { GithubPacer } from "../github/github-pacer.js";
import type { InstallationClient } from "../github/manifest-repositories.js";
import { PRODUCTION_RETRY_POLICY, benderOctokit, pacerFor } from "../github/octokit.js";
import type { RetryPolicy } from "../github/octokit.js";
import { proposeBatch, sweepManifestRepository } from "../github/propose-batch.js";
import { sweepPolicy } from "../github/policy-sweep.js";
import { RedisPacerStore } from "../github/redis-pacer-store.js";
import { DEFAULT_ENGINE_POOL, EnginePool } from "../manifests/io/engine-pool.js";
import { inlineEngine } from "../manifests/io/manifest-engine.js";
import { BuildQueue } from "../queue/io/build-queue.js";
import type { GatherWindow } from "../queue/gather-window.js";
import { createSlackApp } from "../slack/slack-app.js";
import type { SlackApp } from "../slack/slack-app.js";
import { EventBus } from "./event-bus.js";
import { GithubHealth, exportHealthMetrics } from "./github-health.js";
import { LOG_SERIALIZERS } from "./log-serializers.js";
import { COMPONENT_RENAMES, PROBOT_RENAMES, abandonedByShutdown, logTree } from "./log-tree.js";
import { BenderMetrics } from "./metrics.js";
import type { Settings } from "./settings.js";
import { DEFAULT_POLICY_SWEEP_INTERVAL_MS, PolicyClock } from "./policy-clock.js";
import { ShutdownSequence } from "./shutdown.js";
import { stoppableFetch } from "./stoppable-fetch.js";
import { cappedFetch } from "../http/capped-fetch.js";
import type { StoppableFetch } from "./stoppable-fetch.js";

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
  /** How long a repository's turn gathers a burst's builds (the queue's DEFAULT_GATHER unless set; tests scale it down). */
  readonly queueGather?: GatherWindow;
  /** Retries of Slack Web API calls; tests pass 0. */
  readonly slackRetries?: number;
  /** The clock Slack messages show times from, and proposals, Pin's gate and the policy sweep decide by; tests pass a fixed one. */
  readonly now?: () => Date;
}

/** Bender's services, built once and handed to the HTTP server, Probot, Bolt and the CLI. */
export interface BenderParts {
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
  /** Every GitHub request goes through it, so a shutdown can abandon them (`stopGithubRequests`). */
  readonly githubFetch: StoppableFetch;
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
  /** The release policy's periodic sweep (timed thaws, pins at a window's opening, Pin opened/closed redraws); started here. */
  readonly policyClock: PolicyClock;
}

/** The GitHub side: one retry policy and pacer (shared on Redis with REDIS_URL), one Probot whose requests a shutdown can stop. */
/** The most one GitHub answer may hold (the Kubernetes client's budget too): Bender's largest reads are far below it. */
const GITHUB_ANSWER_LIMIT_BYTES = 32 * 1024 * 1024;

function composeGithub(options: ServerOptions, log: Logger, metrics: BenderMetrics): { probot: Probot; pacer: GithubPacer; githubFetch: StoppableFetch; redis: Redis | undefined } {
  const { settings } = options;
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
    request: { fetch: cappedFetch(githubFetch.fetch, GITHUB_ANSWER_LIMIT_BYTES, "GitHub") },
    appId: settings.appId,
    privateKey: settings.privateKey,
    secret: settings.webhookSecret,
    baseUrl: settings.githubApiUrl,
    // Probot's own error lines for webhook work the shutdown abandoned are left out: Bender logs each once, with its delivery id.
    log: logTree(log.child({ component: "github" }), { renames: PROBOT_RENAMES, skip: abandonedByShutdown }),
    Octokit: benderOctokit(policy, (method, url, status, body) => metrics.countGithubRequest(method, url, status, body), pacer),
  });
  return { probot, pacer, githubFetch, redis };
}

/** The manifest engine runs in worker threads: one file at the parse budget would hold the event loop for up to a second. */
function composeEngine(settings: Settings): EnginePool | undefined {
  const workers = settings.engineWorkers ?? DEFAULT_ENGINE_POOL.size;
  if (workers === 0) return undefined;
  return new EnginePool({
    size: workers,
    memoryMb: settings.engineMemoryMb ?? DEFAULT_ENGINE_POOL.memoryMb,
    timeoutMs: settings.engineFileTimeoutMs ?? DEFAULT_ENGINE_POOL.timeoutMs,
  });
}

/**
 * Builds Bender's services once: 1. the logger tree and metrics, 2. the GitHub side (pacer, Probot),
 * 3. the event bus, configs and manifest engine, 4. the build queue and the services the use cases share,
 * 5. Slack (when set), 6. the credentials check, 7. the release policy's sweep, 8. the shutdown sequence, each part
 * registered on it.
 */
export function composeBender(options: ServerOptions): BenderParts {
  const { settings } = options;
  const clock = options.now;
  // 1. Errors are logged without the payloads they carry, whoever made the logger.
  // One tree: each part logs under its own `component` key, Probot's parts under `probot` (see log-tree.ts).
  const log = logTree((options.log ?? pino({ level: settings.logLevel, name: "bender" })).child({}, { serializers: LOG_SERIALIZERS }), { renames: COMPONENT_RENAMES });
  const metrics = new BenderMetrics({ processMetrics: options.processMetrics ?? true });
  // 2. GitHub.
  const { probot, pacer, githubFetch, redis } = composeGithub(options, log, metrics);
  // 3. Events, configs, the manifest engine.
  const events = new EventBus(log.child({ name: "events" }));
  const configs = new ConfigStore();
  const pool = composeEngine(settings);
  // 4. The build queue and the services (each refers to the other: the queue's work runs through the services).
  const queue = new BuildQueue({
    log: log.child({ name: "queue" }),
    loadConfig: (repository, client, queueLog) => configs.load(client, repository, queueLog),
    propose: (repository, client, targets, config, queueLog) => proposeBatch(services, client, repository, targets, config, queueLog),
    report: (build, outcomes, queueLog) => reportOutcomes(services, queueLog, build, outcomes),
    sweep: options.sweepRepository ?? ((repository, client, sweepLog) => sweepManifestRepository(services, client, repository, sweepLog)),
    onCoalesced: (count) => metrics.coalescedBuilds.inc(count),
    ...(options.queueRetryDelayMs === undefined ? {} : { retryDelayMs: options.queueRetryDelayMs }),
    ...(options.queueGather === undefined ? {} : { gather: options.queueGather }),
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
    // The credentials check (step 6) runs after the services exist; this is read only when a build arrives.
    credentialsRefused: () => (githubHealth.ready() ? undefined : githubHealth.health()),
    ...(clock ? { now: () => clock().getTime() } : {}),
  };
  // 5. Slack.
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
  // 6. The credentials check (GET /app), on /readyz and /metrics.
  const githubHealth = new GithubHealth({ log: log.child({ component: "github-health" }), request: (signal) => readApp(probot, { signal }) });
  exportHealthMetrics(metrics.registry, githubHealth, slack);

  // 7. The release policy's sweep, every minute by default, over the same repositories as the sweep after a start.
  const replicaId = randomUUID();
  const policyClock = new PolicyClock({
    intervalMs: settings.policySweepIntervalMs ?? DEFAULT_POLICY_SWEEP_INTERVAL_MS,
    log: log.child({ component: "policy-sweep" }),
    targets: (sweepLog) => manifestTargets(services, { kind: "named", repositories: settings.manifestRepositories }, sweepLog),
    sweepRepository: (repository, client, previous, sweepLog) => sweepPolicy(services, client, repository, previous, sweepLog),
    // With Redis, one replica sweeps each repository per interval (SET NX with an expiry); without, each sweeps.
    ...(redis ? { claim: async (repository: string, forMs: number) => (await redis.set(`bender:policy-sweep:${repository}`, replicaId, "PX", forMs, "NX")) === "OK" } : {}),
  });
  policyClock.start();
  // A message drawn here is remembered as drawn (Pin open or closed), so the sweep redraws it when that changes.
  events.subscribe((event) => {
    if (event.type === "proposal.opened" || event.type === "proposal.superseded") policyClock.drawn(event.repository, event.pullRequest.number, event.pinClosed === undefined);
  });

  async function stopWork(): Promise<string[]> {
    await policyClock.stop();
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

  // 8. The shutdown sequence, in this order: Slack, the engine, the credentials check, the policy sweep, then queued GitHub work
  // (limit waits end; the builds left are logged by name by the queue).
  const shutdown = new ShutdownSequence(log.child({ name: "shutdown" }));
  if (slack) shutdown.register({ name: "slack", stop: () => slack.stop() });
  if (pool) shutdown.register({ name: "manifest-engine", stop: (signal) => pool.stop(signal) });
  shutdown.register({ name: "github-health", stop: async () => githubHealth.stop() });
  shutdown.register({ name: "policy sweep", stop: () => policyClock.stop() });
  shutdown.register({ name: "build queue", stop: async () => void (await stopWork()) });

  return {
    probot, services, events, metrics, slack, log, shutdown, engine: pool, queue, pacer, githubFetch, githubHealth, policyClock,
    stopWork, sweepRepositories, stopGithubRequests: () => githubFetch.stop(),
  };
}
