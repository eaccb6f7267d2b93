import type { Logger } from "pino";
import { Counter, Gauge } from "prom-client";
import type { Registry } from "prom-client";
import { isShutdownAbort } from "../errors/shutdown-abort.js";
import { asGitHubError } from "../github/github-error.js";

/** What Bender knows of its GitHub App credentials, as /readyz reports it. */
export type GithubCredentials =
  | { readonly state: "unchecked" }
  | { readonly state: "accepted"; readonly app: string }
  /** GitHub answered, and said no: the App id or the private key is wrong (or the clock is far off). */
  | { readonly state: "refused"; readonly status: number; readonly message: string }
  /** The key cannot sign a JWT at all (not a PEM RSA key). */
  | { readonly state: "unusable"; readonly message: string }
  /** No answer (network, timeout, 5xx): may heal by itself. */
  | { readonly state: "unreachable"; readonly message: string };

/** How often the credentials are checked again, as Slack's token is. */
const GITHUB_CHECK_INTERVAL_MS = 60_000;
/** One check gives up after this; a GitHub that never answers is "unreachable", not a hang. */
const GITHUB_CHECK_TIMEOUT_MS = 10_000;

/** The request a check sends: `GET /app` with the App's JWT (Probot's `auth()` with no installation). */
export type AppRequest = (signal: AbortSignal) => Promise<{ readonly slug?: string | undefined; readonly name?: string | undefined }>;

export interface GithubHealthOptions {
  readonly request: AppRequest;
  readonly log: Logger;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
}

/** The line /readyz shows for the credentials: "ok", or what is wrong in words a person can act on. */
export function describeCredentials(credentials: GithubCredentials): string {
  switch (credentials.state) {
    case "unchecked":
      return "not checked yet";
    case "accepted":
      return "ok";
    case "refused":
      return `credentials refused (${credentials.status}): ${credentials.message}; check APP_ID and the private key`;
    case "unusable":
      return `private key cannot sign a JWT: ${credentials.message}`;
    case "unreachable":
      return `GitHub cannot be reached: ${credentials.message}`;
  }
}

/** Sorts a failed `GET /app` into what it says of the credentials. */
export function classifyAppFailure(error: unknown): GithubCredentials {
  const { message, name, cause } = (error ?? {}) as { message?: unknown; name?: unknown; cause?: { message?: unknown } };
  if (name === "AbortError" || name === "TimeoutError") return { state: "unreachable", message: "no answer in time" };
  const failure = asGitHubError(error);
  if (!failure) {
    // Probot signs the JWT before sending anything: a key it cannot read fails here, with no status.
    const text = oneLine([cause?.message, message].find((words): words is string => typeof words === "string" && words !== "Unknown Error") ?? String(error));
    if (/key|pem|asn1|decoder|sign/i.test(text) && !/fetch|ECONN|ENOTFOUND|socket/i.test(text)) return { state: "unusable", message: text };
    return { state: "unreachable", message: text };
  }
  // GitHub's own words (without the documentation link Octokit appends), else the network error's.
  const text = oneLine([failure.detail, failure.message].find((words) => words !== undefined && words !== "Unknown Error") ?? String(error));
  // A 5xx, or no answer at all (Octokit reports a failed fetch as a 500 carrying the network error): may heal.
  if (failure.code === "unreachable") return { state: "unreachable", message: failure.status === undefined ? text : `GitHub answered ${failure.status}` };
  return { state: "refused", status: failure.status ?? 0, message: text };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").slice(0, 300);
}

/**
 * Checks the GitHub App's credentials at start-up and every minute, as the
 * Slack token is checked: a wrong APP_ID or private key shows on /readyz and
 * /metrics at once, not at the first build. A check never outlives `stop()`.
 */
export class GithubHealth {
  private current: GithubCredentials = { state: "unchecked" };
  private timer: NodeJS.Timeout | undefined;
  private running: AbortController | undefined;
  private stopped = false;
  private readonly listeners: ((credentials: GithubCredentials) => void)[] = [];

  constructor(private readonly options: GithubHealthOptions) {}

  get credentials(): GithubCredentials {
    return this.current;
  }

  /** "ok" or what is wrong. */
  health(): string {
    return describeCredentials(this.current);
  }

  /** True unless GitHub has refused the credentials or the key cannot sign: those do not heal by waiting. */
  ready(): boolean {
    return this.current.state !== "refused" && this.current.state !== "unusable";
  }

  onCheck(listener: (credentials: GithubCredentials) => void): void {
    this.listeners.push(listener);
  }

  /** Checks now, then every interval until stopped. Resolves after the first check. */
  async start(): Promise<void> {
    await this.check();
    if (this.stopped) return;
    this.timer = setInterval(() => void this.check(), this.options.intervalMs ?? GITHUB_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  /** One check; never throws. */
  async check(): Promise<GithubCredentials> {
    if (this.stopped) return this.current;
    const controller = new AbortController();
    this.running = controller;
    const timeout = setTimeout(() => controller.abort(), this.options.timeoutMs ?? GITHUB_CHECK_TIMEOUT_MS);
    let next: GithubCredentials;
    try {
      const app = await this.options.request(controller.signal);
      next = { state: "accepted", app: app.slug ?? app.name ?? "?" };
    } catch (error) {
      // Abandoned by the shutdown (stoppable-fetch.ts): says nothing of the credentials.
      if (isShutdownAbort(error)) return this.current;
      next = controller.signal.aborted ? { state: "unreachable", message: "no answer in time" } : classifyAppFailure(error);
    } finally {
      clearTimeout(timeout);
      this.running = undefined;
    }
    if (this.stopped) return this.current;
    const changed = next.state !== this.current.state || describeCredentials(next) !== describeCredentials(this.current);
    this.current = next;
    if (changed) {
      if (next.state === "accepted") this.options.log.info({ app: next.app }, "GitHub accepted the App's credentials");
      else this.options.log.warn({ github: describeCredentials(next) }, "GitHub App credentials not usable; /readyz reports it, checked again every minute");
    }
    for (const listener of this.listeners) listener(next);
    return next;
  }

  /** Ends the timer and aborts a check in flight. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.running?.abort();
  }
}

/**
 * Exports health on /metrics: `bender_up{dependency}` (1 when the GitHub
 * credentials were accepted or Slack accepted its token, else 0, read at each
 * scrape) and `bender_github_credential_checks_total{result}`.
 */
export function exportHealthMetrics(registry: Registry, github: GithubHealth, slack: { health(): string } | undefined): void {
  new Gauge({
    name: "bender_up",
    help: "1 when the dependency accepts Bender's credentials (GitHub: the App's JWT at the last check; Slack: the bot token), else 0",
    labelNames: ["dependency"] as const,
    registers: [registry],
    collect() {
      this.set({ dependency: "github" }, github.credentials.state === "accepted" ? 1 : 0);
      if (slack) this.set({ dependency: "slack" }, slack.health() === "ok" ? 1 : 0);
    },
  });
  const checks = new Counter({
    name: "bender_github_credential_checks_total",
    help: "Checks of the GitHub App's credentials (GET /app), by result: accepted, refused, unusable, unreachable",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  github.onCheck((credentials) => checks.inc({ result: credentials.state }));
}
