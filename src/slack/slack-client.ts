import { webApi } from "@slack/bolt";
import type { Logger as BoltLogger } from "@slack/bolt";
import type { WebAPICallResult, WebClientOptions } from "@slack/web-api";
import { SLACK_PACING, SlackPacer } from "./pacing.js";
import type { PacingLimits } from "./pacing.js";

export interface SlackClientSettings {
  readonly botToken: string;
  readonly apiUrl: string;
  /** Retries of a failed call (network, 5xx); 429s are waited out separately. */
  readonly retries: number;
  readonly pacing?: PacingLimits | undefined;
  readonly logger: BoltLogger;
}

/** Bender's Web API client: every call carries the bot token and goes through the pacer. */
class PacedWebClient extends webApi.WebClient {
  readonly #pacer: SlackPacer;

  constructor(token: string, options: WebClientOptions, pacer: SlackPacer) {
    super(token, options);
    this.#pacer = pacer;
  }

  override apiCall(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
    return this.#pacer.run(method, options, () => super.apiCall(method, options));
  }
}

export interface SlackClients {
  /** Bender's own client, with the bot token: every Web API call Bender makes goes through it. */
  readonly client: webApi.WebClient;
  /** Options for the clients Bolt makes (Socket Mode's connection, `respond`): same transport, same stop. */
  readonly clientOptions: WebClientOptions;
  /** Aborts every call in flight and every retry or wait, at once; later calls fail at once. */
  stop(): void;
}

/**
 * Slack's clients, made to stop: one AbortController reaches every request
 * (through the `fetch` they share), retry timers never hold the process open,
 * and a request that gets no answer gives up after 10 seconds. Without this,
 * a Slack that cannot be reached keeps a stopping server alive for the
 * WebClient's retries (about 30 seconds).
 */
export function createSlackClients(settings: SlackClientSettings): SlackClients {
  const controller = new AbortController();
  const stoppable: typeof fetch = (input, init) => {
    if (controller.signal.aborted) return Promise.reject(new Error("Slack client stopped"));
    const signal = init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
    return fetch(input, { ...init, signal });
  };
  const clientOptions: WebClientOptions = {
    slackApiUrl: settings.apiUrl,
    fetch: stoppable,
    timeout: 10_000,
    retryConfig: { retries: settings.retries, factor: 2, maxRetryTime: 30_000, unref: true },
    logger: settings.logger,
  };
  const pacer = new SlackPacer(settings.pacing ?? SLACK_PACING, controller.signal);
  // The pacer waits out 429s itself, holding only the method (or channel) that was limited.
  const client = new PacedWebClient(settings.botToken, { ...clientOptions, rejectRateLimitedCalls: true }, pacer);
  return { client, clientOptions, stop: () => controller.abort() };
}
