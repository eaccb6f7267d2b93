import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { ProposalOutcome } from "../github/propose-build.js";

/**
 * What an operator graphs and alerts on, served at /metrics in Prometheus
 * format: builds received, what became of them, and the requests sent to
 * GitHub (the budget that secondary rate limits cap).
 */
export class BenderMetrics {
  readonly registry = new Registry();

  readonly builds = new Counter({
    name: "bender_builds_total",
    help: "Builds received, by intake and whether they were accepted",
    labelNames: ["origin", "result"] as const,
    registers: [this.registry],
  });

  readonly proposals = new Counter({
    name: "bender_proposals_total",
    help: "What builds became per environment: opened, superseded, none, skipped, failed",
    labelNames: ["action"] as const,
    registers: [this.registry],
  });

  readonly githubRequests = new Counter({
    name: "bender_github_requests_total",
    help: "Requests sent to GitHub, by kind (read, write, or auth for installation tokens) and status class",
    labelNames: ["kind", "status"] as const,
    registers: [this.registry],
  });

  readonly coalescedBuilds = new Counter({
    name: "bender_builds_coalesced_total",
    help: "Builds never proposed to an environment because a newer build of the image was waiting (they cost no request)",
    registers: [this.registry],
  });

  readonly limitWaits = new Counter({
    name: "bender_github_limit_waits_total",
    help: "Rate-limited answers from GitHub, each waited out (Retry-After, x-ratelimit-reset, or a minute)",
    registers: [this.registry],
  });

  readonly limitWaitSeconds = new Counter({
    name: "bender_github_limit_wait_seconds_total",
    help: "Seconds GitHub's rate-limited answers asked Bender to wait",
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Exports the queue's length and the age of its oldest waiting build, read when /metrics is scraped. */
  observeQueue(queue: { snapshot(): Promise<{ waiting: number; oldestAgeMs: number }> }): void {
    // Both gauges are collected in one scrape: they share one snapshot (with Redis, it costs requests per line).
    let inFlight: Promise<{ waiting: number; oldestAgeMs: number }> | undefined;
    const snapshot = () => (inFlight ??= queue.snapshot().finally(() => (inFlight = undefined)));
    new Gauge({
      name: "bender_queue_builds",
      help: "Builds waiting for their manifest repository's turn, or being written",
      registers: [this.registry],
      async collect() {
        this.set((await snapshot()).waiting);
      },
    });
    new Gauge({
      name: "bender_queue_oldest_build_age_seconds",
      help: "How long the oldest waiting build has waited (0 when none waits)",
      registers: [this.registry],
      async collect() {
        this.set((await snapshot()).oldestAgeMs / 1000);
      },
    });
  }

  countLimitWait(waitMs: number): void {
    this.limitWaits.inc();
    this.limitWaitSeconds.inc(waitMs / 1000);
  }

  countOutcomes(outcomes: readonly ProposalOutcome[]): void {
    for (const outcome of outcomes) this.proposals.inc({ action: outcome.action });
  }

  /** Called for every GitHub request: GraphQL mutations and non-GET REST calls are writes (content-creating). */
  countGithubRequest(method: string, url: string, status: number | undefined, body: unknown): void {
    const query = (body as { query?: unknown } | undefined)?.query;
    const graphql = url.endsWith("/graphql");
    const kind = /\/access_tokens$/.test(url)
      ? "auth"
      : (graphql ? typeof query === "string" && query.startsWith("mutation") : method !== "GET" && method !== "HEAD")
        ? "write"
        : "read";
    this.githubRequests.inc({ kind, status: status === undefined ? "error" : `${Math.floor(status / 100)}xx` });
  }
}
