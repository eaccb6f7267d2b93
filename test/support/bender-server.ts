import { generateKeyPairSync } from "node:crypto";
import type { AddressInfo } from "node:net";
import { sign } from "@octokit/webhooks-methods";
import { pino } from "pino";
import type { Logger } from "pino";
import type { RetryPolicy } from "../../src/github/octokit.js";
import type { ProposalEvent } from "../../src/proposals/events.js";
import { BUILD_SIGNATURE_HEADER } from "../../src/server/build-webhook.js";
import { createBenderServer } from "../../src/server/http-server.js";
import type { BenderServer, SweepRepository } from "../../src/server/http-server.js";
import { buildFromWebhookBody } from "../../src/builds/build.js";
import { buildKey } from "../../src/queue/coalesce.js";
import type { BuildQueue } from "../../src/queue/io/build-queue.js";
import type { GatherWindow } from "../../src/queue/gather-window.js";
import type { Settings } from "../../src/server/settings.js";

/**
 * For `bender serve` run as a child process: GitHub at a closed port on this machine (connection refused at once),
 * so its start-up requests (the credentials check, the sweep) never leave 127.0.0.1.
 */
export const CLOSED_GITHUB_ENV = { GHE_HOST: "127.0.0.1:9", GHE_PROTOCOL: "http" } as const;

export const WEBHOOK_SECRET = "test-webhook-secret-0123456789";
export const BUILD_SECRET = "test-build-secret-0123456789";

/** A real RSA key, made once: Probot signs its App JWT with it. */
export const PRIVATE_KEY = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
}).privateKey;

/** Bender's retry policy with a GitHub second scaled down to 5 ms, and no write spacing. */
export const FAST_RETRY: RetryPolicy = {
  serverErrorRetries: 2,
  backoffUnitMs: 1,
  retryAfterUnitMs: 5,
  writeSpacingMs: 0,
  writesPerMinute: 70,
  writesPerHour: 450,
};

export const TEST_SETTINGS: Settings = {
  appId: 1,
  privateKey: PRIVATE_KEY,
  webhookSecret: WEBHOOK_SECRET,
  buildSecret: BUILD_SECRET,
  port: 0,
  host: "127.0.0.1",
  logLevel: "fatal",
  githubApiUrl: "https://api.github.com",
  githubWebUrl: "https://github.com",
  manifestRepositories: undefined,
  slack: undefined,
  githubWritesPerMinute: 70,
  githubWritesPerHour: 450,
  redisUrl: undefined,
  // Off: tests run the release policy's sweep with `policyClock.sweep()`, or set an interval of their own.
  policySweepIntervalMs: 0,
};

export interface RunningBender extends BenderServer {
  readonly url: string;
  readonly emitted: ProposalEvent[];
  close(): Promise<void>;
}

export interface StartOptions {
  readonly retry?: RetryPolicy;
  /** First pause before queued work that failed on GitHub's side is tried again. */
  readonly queueRetryDelayMs?: number;
  /** The queue's gather window; by default scaled down like FAST_RETRY (a GitHub second is 5 ms): 2.5 ms quiet, 50 ms at most. */
  readonly queueGather?: GatherWindow;
  readonly sweepRepository?: SweepRepository;
  /** Retries of Slack Web API calls (429s wait for Retry-After); 0 unless a test is about retries. */
  readonly slackRetries?: number;
  /** The clock Slack messages show times from. */
  readonly now?: () => Date;
  /** Start the Slack app as `bender serve` does (its token check, auth.test); off by default. */
  readonly startSlack?: boolean;
  /** Check the GitHub App's credentials as `bender serve` does (GET /app, then every minute); off by default. */
  readonly checkGithub?: boolean;
  /** The logger (silent by default, or at BENDER_TEST_LOG's level). */
  readonly log?: Logger;
}

/** Starts Bender's real server on 127.0.0.1 with a random port. */
export async function startBender(settings: Partial<Settings> = {}, options: StartOptions = {}): Promise<RunningBender> {
  const log = options.log ?? pino({ level: process.env.BENDER_TEST_LOG ?? "silent" });
  const bender = await createBenderServer({
    settings: { ...TEST_SETTINGS, ...settings },
    retry: options.retry ?? FAST_RETRY,
    processMetrics: false,
    log,
    queueRetryDelayMs: options.queueRetryDelayMs ?? 20,
    queueGather: options.queueGather ?? { quietMs: 2.5, maxMs: 50 },
    ...(options.sweepRepository === undefined ? {} : { sweepRepository: options.sweepRepository }),
    ...(options.slackRetries === undefined ? {} : { slackRetries: options.slackRetries }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  await new Promise<void>((resolve) => bender.server.listen(0, "127.0.0.1", resolve));
  const { port } = bender.server.address() as AddressInfo;
  const emitted: ProposalEvent[] = [];
  bender.events.subscribe((event) => emitted.push(event));
  // As `bender serve` does: the server listens first, Slack starts beside it and never holds it back.
  const slackStarted = options.startSlack && bender.slack ? bender.slack.start() : Promise.resolve();
  if (options.checkGithub) await bender.githubHealth.start();
  return {
    ...bender,
    url: `http://127.0.0.1:${port}`,
    emitted,
    close: async () => {
      await slackStarted.catch(() => undefined);
      bender.githubHealth.stop();
      await bender.slack?.stop();
      await bender.stopWork();
      await bender.engine?.stop();
      await new Promise<void>((resolve) => bender.server.close(() => resolve()));
    },
  };
}

let deliveries = 0;

/** What a test sends builds to: a running Bender, whose queue it may wait for. */
export interface BuildReceiver {
  readonly url: string;
  readonly queue?: BuildQueue;
}

/**
 * Sends a GitHub webhook to the server, signed with the secret (or the
 * signature given), then waits until Bender's queue has done the work it
 * caused (`settle: false` returns at once).
 */
export async function deliver(
  bender: BuildReceiver,
  event: string,
  payload: unknown,
  options: { secret?: string; signature?: string; settle?: boolean } = {},
): Promise<{ status: number; text: string }> {
  const body = JSON.stringify(payload);
  const signature = options.signature ?? (await sign(options.secret ?? WEBHOOK_SECRET, body));
  const response = await fetch(`${bender.url}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": `delivery-${++deliveries}`,
      "x-hub-signature-256": signature,
    },
    body,
  });
  const text = await response.text();
  if (options.settle !== false) await bender.queue?.idle();
  return { status: response.status, text };
}


/**
 * Sends a build to POST /api/builds, signed like GitHub's webhooks. When it is
 * accepted (202) and the receiver has a queue, waits until the queue is idle
 * and returns what became of the build as `proposals` (`settle: false`
 * returns at once).
 */
export async function postBuild(
  bender: BuildReceiver,
  body: unknown,
  options: { secret?: string; signature?: string | null; raw?: string; settle?: boolean } = {},
): Promise<{ status: number; json: Record<string, unknown>; proposals: readonly Record<string, unknown>[] }> {
  const text = options.raw ?? JSON.stringify(body);
  // What earlier work (another intake of the same build) already reported under this build's key is not this post's.
  const intake = options.raw === undefined ? buildFromWebhookBody(body) : undefined;
  const before = intake?.kind === "build" ? (bender.queue?.outcomesOf(buildKey(intake.build))?.length ?? 0) : 0;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.signature !== null) headers[BUILD_SIGNATURE_HEADER] = options.signature ?? (await sign(options.secret ?? BUILD_SECRET, text));
  const response = await fetch(`${bender.url}/api/builds`, { method: "POST", headers, body: text });
  const json = (await response.json()) as Record<string, unknown>;
  const queue = bender.queue;
  if (response.status !== 202 || !queue || options.settle === false) return { status: response.status, json, proposals: [] };
  await queue.idle();
  const proposals = (queue.outcomesOf(String(json.key)) ?? []).slice(before) as unknown as Record<string, unknown>[];
  return { status: response.status, json, proposals };
}
