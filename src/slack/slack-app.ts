import type { IncomingMessage, ServerResponse } from "node:http";
import { App, HTTPReceiver, LogLevel, webApi } from "@slack/bolt";
import type { Logger as BoltLogger } from "@slack/bolt";
import type { Logger } from "pino";
import type { BenderServices } from "../github/app.js";
import type { EventBus } from "../server/event-bus.js";
import type { SlackSettings } from "../server/settings.js";
import { Approvers } from "./approvers.js";
import { ACTION_DISMISS, ACTION_PIN, ACTION_UNPIN, VIEW_UNPIN } from "./model.js";
import { SlackNotifier } from "./notifier.js";
import { dismiss, pin } from "./proposal-actions.js";
import type { Click } from "./proposal-actions.js";
import { singleFlight } from "./slack-context.js";
import type { SlackContext } from "./slack-context.js";
import { handleCommand } from "./commands.js";
import { openUnpinDialog, unpinSubmitted } from "./unpin-action.js";
import { verifySlackRequest } from "./verify-request.js";

export const SLACK_PATH = "/slack/events";

export interface SlackAppOptions {
  readonly settings: SlackSettings;
  readonly services: BenderServices;
  readonly events: EventBus;
  readonly log: Logger;
  /** Retries of Slack Web API calls (429s wait for Retry-After); tests pass 0. */
  readonly retries?: number;
  readonly now?: () => Date;
}

export interface SlackApp {
  /** The HTTP handler for /slack/events, or undefined in Socket Mode. */
  readonly listener: ((request: IncomingMessage, response: ServerResponse) => Promise<void>) | undefined;
  readonly context: SlackContext;
  readonly notifier: SlackNotifier;
  /** "ok" once Slack accepted the token; the failure otherwise (reported by /readyz). */
  health(): string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Bolt's logger interface over pino. */
function boltLogger(log: Logger): BoltLogger {
  return {
    debug: (...message: unknown[]) => log.debug({ bolt: message }, "bolt"),
    info: (...message: unknown[]) => log.info({ bolt: message }, "bolt"),
    warn: (...message: unknown[]) => log.warn({ bolt: message }, "bolt"),
    error: (...message: unknown[]) => log.error({ bolt: message }, "bolt"),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}

function clickOf(body: { user: { id: string }; channel?: { id: string }; message?: { ts: string }; actions: { value?: string }[]; trigger_id?: string }): Click | undefined {
  const channel = body.channel?.id;
  const ts = body.message?.ts;
  if (!channel || !ts) return undefined;
  return { user: body.user.id, value: body.actions[0]?.value, location: { channel, ts }, triggerId: body.trigger_id };
}

/**
 * Bender's Slack app (Bolt), on Bender's one server: Pin, Dismiss and Unpin,
 * the `/bender` command, and messages that follow each proposal. Every
 * interaction is acknowledged at once and its work runs after, its outcome
 * written back to the message (and to the person when only they need to know).
 */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  const { settings, log } = options;
  const logger = boltLogger(log.child({ name: "slack" }));
  const clientOptions = { slackApiUrl: settings.apiUrl, retryConfig: { retries: options.retries ?? 5, factor: 2, maxRetryTime: 30_000 } };
  const receiver = settings.appToken
    ? undefined
    : new HTTPReceiver({ signingSecret: settings.signingSecret, endpoints: SLACK_PATH, processBeforeResponse: false, logger });
  // Bender's own client, with the token. Bolt is given an `authorize` rather than the token: with a token and
  // token verification off, Bolt calls auth.test before every interaction (so a click costs a round trip before
  // its ack, and fails while auth.test does); the token is checked by `health` instead, so Bender starts even
  // when Slack is unreachable.
  const client = new webApi.WebClient(settings.botToken, { ...clientOptions, logger });
  let identity: { botId?: string; botUserId?: string } = {};
  const app = new App({
    authorize: async () => ({ botToken: settings.botToken, ...identity }),
    ...(receiver ? { receiver } : { socketMode: true, appToken: settings.appToken, signingSecret: settings.signingSecret }),
    ignoreSelf: false,
    clientOptions,
    logger,
  });
  const context: SlackContext = {
    services: options.services,
    slack: client,
    approvers: new Approvers(app.client),
    log: log.child({ name: "slack" }),
    now: options.now ?? (() => new Date()),
    singleFlight: singleFlight(),
    drawn: new Map(),
  };
  const notifier = new SlackNotifier(context);
  const unsubscribeEvents = options.events.subscribe((event) => notifier.handle(event));
  // New proposals' messages are posted while their PR is written, so their place costs no GitHub write of its own.
  const removeAnnouncer = options.events.setAnnouncer((event) => notifier.announce(event));
  const unsubscribe = () => {
    unsubscribeEvents();
    removeAnnouncer();
  };

  // Acknowledge first; the work runs after Slack has its answer.
  app.action(ACTION_PIN, async ({ ack, body }) => {
    await ack();
    const click = clickOf(body as never);
    if (click) await pin(context, click);
  });
  app.action(ACTION_DISMISS, async ({ ack, body }) => {
    await ack();
    const click = clickOf(body as never);
    if (click) await dismiss(context, click);
  });
  app.action(ACTION_UNPIN, async ({ ack, body }) => {
    await ack();
    const click = clickOf(body as never);
    if (click) await openUnpinDialog(context, click);
  });
  app.view(VIEW_UNPIN, async ({ ack, body, view }) => {
    await ack();
    await unpinSubmitted(context, { user: body.user.id, privateMetadata: view.private_metadata, values: view.state.values });
  });
  app.command("/bender", async ({ ack, command, respond }) => {
    await ack();
    await handleCommand(context, { user: command.user_id, text: command.text, channel: command.channel_id }, (text) => respond({ response_type: "ephemeral", text }));
  });

  let health = "not checked yet";
  let timer: NodeJS.Timeout | undefined;
  async function checkToken(): Promise<void> {
    try {
      const result = await client.auth.test();
      health = result.ok ? "ok" : `auth.test failed: ${result.error ?? "unknown"}`;
      if (result.ok) identity = { ...(result.bot_id ? { botId: result.bot_id } : {}), ...(result.user_id ? { botUserId: result.user_id } : {}) };
    } catch (error) {
      health = `Slack cannot be reached or refused the token: ${(error as { data?: { error?: string } }).data?.error ?? (error as Error).message}`;
    }
    if (health !== "ok") log.warn({ slack: health }, "Slack not ready; Bender serves GitHub and checks again later");
    else log.info("Slack token accepted");
  }

  const listener = receiver
    ? async (request: IncomingMessage & { rawBody?: Buffer }, response: ServerResponse) => {
        const verified = await verifySlackRequest(request, settings.signingSecret, Date.now());
        if (!verified.ok) {
          log.warn({ reason: verified.reason }, "Slack request refused");
          response.writeHead(verified.status, { "content-type": "application/json; charset=utf-8" });
          response.end(`${JSON.stringify({ error: verified.reason })}\n`);
          return;
        }
        receiver.requestListener(request, response);
      }
    : undefined;

  return {
    listener,
    context,
    notifier,
    health: () => health,
    async start() {
      if (!receiver) await app.start();
      await checkToken();
      if (health !== "ok") {
        timer = setInterval(() => {
          void checkToken().then(() => {
            if (health === "ok" && timer) clearInterval(timer);
          });
        }, 60_000);
        timer.unref();
      }
    },
    async stop() {
      if (timer) clearInterval(timer);
      unsubscribe();
      if (!receiver) await app.stop();
    },
  };
}
