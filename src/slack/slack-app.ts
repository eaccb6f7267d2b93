import type { IncomingMessage, ServerResponse } from "node:http";
import { App, HTTPReceiver, LogLevel, SocketModeReceiver } from "@slack/bolt";
import type { Logger as BoltLogger } from "@slack/bolt";
import type { Logger } from "pino";
import type { BenderServices } from "../github/services.js";
import { sendJson } from "../http/json-reply.js";
import type { ProposalEventSource } from "../proposals/events.js";
import type { SlackSettings } from "./slack-settings.js";
import { Approvers } from "./approvers.js";
import { ACTION_BREAK_GLASS, ACTION_DISMISS, ACTION_PIN, ACTION_THAW, ACTION_UNPIN, VIEW_BREAK_GLASS, VIEW_UNPIN } from "./model.js";
import { SlackNotifier } from "./notifier.js";
import { pin } from "./pin-action.js";
import { dismiss } from "./proposal-actions.js";
import type { Click } from "./proposal-actions.js";
import type { PacingLimits } from "./pacing.js";
import { answered } from "./report-failure.js";
import { createSlackClients } from "./slack-client.js";
import { singleFlight } from "./slack-context.js";
import type { SlackContext } from "./slack-context.js";
import { breakGlassPlace, breakGlassReason, breakGlassSubmitted, openBreakGlassDialog, REASON_BLOCK } from "./break-glass.js";
import { handleCommand } from "./commands.js";
import { pressThaw } from "./thaw-button.js";
import { openUnpinDialog, unpinSubmitted } from "./unpin-action.js";
import { verifySlackRequest } from "./verify-request.js";

export const SLACK_PATH = "/slack/events";

export interface SlackAppOptions {
  readonly settings: SlackSettings;
  readonly services: BenderServices;
  readonly events: ProposalEventSource;
  readonly log: Logger;
  /** Retries of Slack Web API calls (429s wait for Retry-After); tests pass 0. */
  readonly retries?: number;
  readonly now?: () => Date;
  /** Slack's rate limits as Bender paces them; tests shorten them. */
  readonly pacing?: PacingLimits;
  /** Socket Mode: how long to wait for a pong, and (times the failures in a row) before reconnecting. */
  readonly socketPingTimeoutMs?: number;
  /** How long to wait before checking the token, or connecting in Socket Mode, again after a failure. */
  readonly recheckMs?: number;
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

type ClickBody = { user: { id: string }; channel?: { id: string }; message?: { ts: string }; container?: { message_ts?: string }; actions: { value?: string }[]; trigger_id?: string };

/** A click on a message; `ephemeral`: on an ephemeral reply, whose payload has no `message` (its place is the container's). */
function clickOf(body: ClickBody, ephemeral = false): Click | undefined {
  const channel = body.channel?.id;
  const ts = ephemeral ? body.container?.message_ts : body.message?.ts;
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
  // Every call Bender makes goes through `client`, which carries the bot token. Bolt is given an `authorize`
  // rather than the token: with a token and token verification off, Bolt calls auth.test before every
  // interaction (a round trip before the ack, failing while auth.test does); the token is checked by `health`
  // instead, so Bender starts even when Slack is unreachable. The price: Bolt's own `app.client` has no token,
  // so Bender never calls Slack through it.
  const { client, clientOptions, stop: stopClients } = createSlackClients({
    botToken: settings.botToken,
    apiUrl: settings.apiUrl,
    retries: options.retries ?? 5,
    pacing: options.pacing,
    logger,
  });
  const receiver = settings.appToken
    ? new SocketModeReceiver({
        appToken: settings.appToken,
        logger,
        installerOptions: { clientOptions },
        ...(options.socketPingTimeoutMs === undefined ? {} : { clientPingTimeout: options.socketPingTimeoutMs }),
      })
    : new HTTPReceiver({ signingSecret: settings.signingSecret, endpoints: SLACK_PATH, processBeforeResponse: false, logger });
  let identity: { botId?: string; botUserId?: string } = {};
  const app = new App({
    authorize: async () => ({ botToken: settings.botToken, ...identity }),
    receiver,
    ignoreSelf: false,
    clientOptions,
    logger,
  });
  const context: SlackContext = {
    services: options.services,
    slack: client,
    approvers: new Approvers(client),
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
  /** The response_url, ephemeral and beside the message: needs no token. */
  const ephemeral = (respond: RespondFn) => (text: string) => respond({ response_type: "ephemeral", replace_original: false, text });
  const commandReply = (respond: RespondFn) => (text: string) => respond({ response_type: "ephemeral", text });

  // Acknowledge first; the work runs after Slack has its answer, and whatever fails is told to the person.
  app.action(ACTION_PIN, async ({ ack, body, respond }) => {
    await ack();
    const click = clickOf(body as never);
    if (click) await answered(context, "pin", { ...click, respond: ephemeral(respond) }, () => pin(context, click));
  });
  app.action(ACTION_DISMISS, async ({ ack, body, respond }) => {
    await ack();
    const click = clickOf(body as never);
    if (click) await answered(context, "dismiss", { ...click, respond: ephemeral(respond) }, () => dismiss(context, click));
  });
  app.action(ACTION_UNPIN, async ({ ack, body, respond }) => {
    await ack();
    const click = clickOf(body as never);
    if (click) await answered(context, "unpin", { ...click, respond: ephemeral(respond) }, () => openUnpinDialog(context, click));
  });
  routeReleasePolicy(app, context, ephemeral);
  app.view(VIEW_UNPIN, async ({ ack, body, view }) => {
    await ack();
    const submission = { user: body.user.id, privateMetadata: view.private_metadata, values: view.state.values };
    // A dialog has no response_url: the person is told beside the message the dialog came from.
    await answered(context, "unpin", { user: body.user.id, ...unpinPlace(view.private_metadata) }, () => unpinSubmitted(context, submission));
  });
  app.command("/bender", async ({ ack, command, respond }) => {
    await ack();
    const person = { user: command.user_id, location: { channel: command.channel_id, ts: "" }, respond: commandReply(respond) };
    await answered(context, `/bender ${command.text.trim().split(/\s+/)[0] ?? ""}`, person, () =>
      handleCommand(context, { user: command.user_id, text: command.text, channel: command.channel_id }, person.respond),
    );
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

  const listener = receiver instanceof HTTPReceiver
    ? async (request: IncomingMessage & { rawBody?: Buffer }, response: ServerResponse) => {
        const verified = await verifySlackRequest(request, settings.signingSecret, Date.now());
        if (!verified.ok) {
          log.warn({ reason: verified.reason }, "Slack request refused");
          return sendJson(response, verified.status, { error: verified.reason });
        }
        receiver.requestListener(request, response);
      }
    : undefined;

  // Socket Mode: Slack's client reconnects by itself once connected, but gives up on a first connection that
  // fails outright (Slack unreachable, the app token refused); Bender tries again until stopped.
  const socketMode = !(receiver instanceof HTTPReceiver);
  let socketProblem: string | undefined = socketMode ? "Socket Mode not connected yet" : undefined;
  let stopped = false;
  let reconnect: NodeJS.Timeout | undefined;
  const recheckMs = options.recheckMs ?? 60_000;
  function connect(): void {
    app.start().then(
      () => {
        socketProblem = undefined;
        log.info("Slack Socket Mode connected");
      },
      (error: unknown) => {
        if (stopped) return;
        socketProblem = `Socket Mode could not connect: ${(error as { data?: { error?: string } }).data?.error ?? (error as Error).message}`;
        log.warn({ slack: socketProblem }, "Slack Socket Mode not connected; Bender serves GitHub and tries again later");
        reconnect = setTimeout(connect, recheckMs);
        reconnect.unref();
      },
    );
  }

  return {
    listener,
    context,
    notifier,
    health: () => (health === "ok" ? (socketProblem ?? "ok") : health),
    async start() {
      // Socket Mode connects beside the token check: neither waits for the other, and a Slack that cannot be
      // reached is reported by `health` while GitHub work goes on.
      if (socketMode) connect();
      await checkToken();
      if (health !== "ok" && !stopped) {
        timer = setInterval(() => {
          void checkToken().then(() => {
            if (health === "ok" && timer) clearInterval(timer);
          });
        }, recheckMs);
        timer.unref();
      }
    },
    async stop() {
      // Never waits on Slack: calls in flight, retries and pacing waits end at once.
      stopped = true;
      if (timer) clearInterval(timer);
      if (reconnect) clearTimeout(reconnect);
      unsubscribe();
      stopClients();
      if (socketMode) await Promise.race([app.stop().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 500).unref())]);
    },
  };
}

/** The release policy's buttons and modal: Thaw on a freeze's announcement, "Pin anyway…" and its break-glass modal. */
function routeReleasePolicy(app: App, context: SlackContext, ephemeral: (respond: RespondFn) => (text: string) => Promise<unknown>): void {
  app.action(ACTION_THAW, async ({ ack, body, respond }) => {
    await ack();
    const click = clickOf(body as never);
    if (click) await answered(context, "thaw", { ...click, respond: ephemeral(respond) }, () => pressThaw(context, click));
  });
  app.action(ACTION_BREAK_GLASS, async ({ ack, body, respond }) => {
    await ack();
    const click = clickOf(body as never, true);
    if (click) await answered(context, "break-glass", { ...click, respond: ephemeral(respond) }, () => openBreakGlassDialog(context, click));
  });
  app.view(VIEW_BREAK_GLASS, async ({ ack, body, view }) => {
    // The reason is checked before the ack, so a refusal shows under the field (Slack's view `errors`).
    const reason = breakGlassReason(view.state.values);
    if (!reason.ok) return ack({ response_action: "errors", errors: { [REASON_BLOCK]: reason.why } });
    await ack();
    const place = breakGlassPlace(view.private_metadata);
    const location = place ? { location: { channel: place.channel, ts: "" } } : {};
    const submission = { user: body.user.id, privateMetadata: view.private_metadata, reason: reason.reason };
    await answered(context, "break-glass", { user: body.user.id, ...location }, () => breakGlassSubmitted(context, submission));
  });
}

type RespondFn = (message: { response_type: "ephemeral"; replace_original?: false; text: string }) => Promise<unknown>;

/** Where the unpin dialog's message is, from its private metadata (when it reads). */
function unpinPlace(privateMetadata: string): { location?: { channel: string; ts: string } } {
  try {
    const parsed = JSON.parse(privateMetadata) as { channel?: unknown; ts?: unknown };
    return typeof parsed.channel === "string" && typeof parsed.ts === "string" ? { location: { channel: parsed.channel, ts: parsed.ts } } : {};
  } catch {
    return {};
  }
}
