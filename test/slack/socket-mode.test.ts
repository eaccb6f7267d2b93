/**
 * Socket Mode (SLACK_APP_TOKEN), proven against a local server speaking
 * Slack's protocol as @slack/socket-mode expects it: `apps.connections.open`
 * (with the app-level token) returns a ws:// URL; the server greets with
 * `hello`; interactions arrive as envelopes (`interactive`, `slash_commands`,
 * `events_api`) each with an `envelope_id` the app must acknowledge; a
 * `disconnect` makes the app open a new connection.
 */
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import { WebSocketServer } from "ws";
import type { BenderServices } from "../../src/github/services.js";
import { EventBus } from "../../src/server/event-bus.js";
import { createSlackApp } from "../../src/slack/slack-app.js";
import type { WebSocket } from "ws";
import { deployment, IMAGE, openExistingProposal, productionRepository } from "../support/manifests.js";
import {
  APP_TOKEN,
  CHANNEL,
  FakeSlack,
  OWEN,
  SLACK_SETTINGS,
  blockActions,
  buttonValueFor,
  expectFirstAccess,
  expectResponseUrl,
  pinAction,
  slackBenderPerTest,
  slackConfig,
  slashCommand,
  unpinAction,
  viewSubmission,
  waitUntil,
  withBenderLabels,
} from "../support/slack.js";

const MESSAGE_TS = "1748966400.000001";
const harness = slackBenderPerTest();

/** A Socket Mode endpoint: records connections and what the app sends; sends envelopes. */
class FakeSocketModeServer {
  readonly connections: WebSocket[] = [];
  /** Every message the app sent (its acks), parsed. */
  readonly received: { envelope_id?: string; payload?: unknown }[] = [];
  #envelopes = 0;

  private constructor(private readonly server: WebSocketServer) {
    server.on("connection", (socket) => {
      this.connections.push(socket);
      socket.on("message", (data) => this.received.push(JSON.parse(String(data)) as { envelope_id?: string }));
      socket.send(JSON.stringify({ type: "hello", num_connections: 1, debug_info: { host: "applink-test", approximate_connection_time: 18060 }, connection_info: { app_id: "A0BENDER01" } }));
    });
  }

  static async start(): Promise<FakeSocketModeServer> {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => server.once("listening", resolve));
    return new FakeSocketModeServer(server);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/link/?ticket=test-ticket&app_id=A0BENDER01`;
  }

  get current(): WebSocket {
    const socket = this.connections.at(-1);
    if (!socket) throw new Error("no connection");
    return socket;
  }

  /** Sends an envelope and waits for the app's ack of it; returns the ack. */
  async send(type: "interactive" | "slash_commands" | "events_api", payload: unknown): Promise<{ envelope_id?: string; payload?: unknown }> {
    const envelopeId = `envelope-${++this.#envelopes}`;
    this.current.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== "events_api", retry_attempt: 0, retry_reason: "" }));
    await waitUntil(() => this.received.some((message) => message.envelope_id === envelopeId), `the ack of ${envelopeId} (${type})`);
    return this.received.find((message) => message.envelope_id === envelopeId)!;
  }

  disconnect(): void {
    this.current.send(JSON.stringify({ type: "disconnect", reason: "refresh_requested", debug_info: { host: "applink-test" } }));
  }

  async close(): Promise<void> {
    for (const socket of this.connections) socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let socketServer: FakeSocketModeServer | undefined;
afterEach(async () => {
  await socketServer?.close();
  socketServer = undefined;
});

/** A form-encoded interaction (as Slack posts it over HTTP) as the object Socket Mode carries. */
function payloadOf(form: string): unknown {
  return JSON.parse(new URLSearchParams(form).get("payload") ?? "null");
}

describe("Socket Mode", () => {
  it("connects with the app token, acknowledges each envelope, runs a Pin, an Unpin and /bender status, and reconnects after a disconnect", { timeout: 20_000 }, async () => {
    const server = await FakeSocketModeServer.start();
    socketServer = server;
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`)));
    const proposal = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
    const slack = new FakeSlack();
    slack.expect("apps.connections.open", { times: 2, reply: () => [200, { ok: true, url: server.url }] });
    slack.expect("auth.test");
    harness.watch();
    await harness.start({ slack: { ...SLACK_SETTINGS, appToken: APP_TOKEN }, manifestRepositories: ["acme/manifests"] }, { startSlack: true });
    await waitUntil(() => server.connections.length === 1, "a Socket Mode connection");
    expect(slack.of("apps.connections.open")[0]?.token).toBe(APP_TOKEN);
    expect(slack.of("auth.test")[0]?.token).toBe(SLACK_SETTINGS.botToken);

    // Pin: acknowledged over the socket (an empty payload), then merged and redrawn with the bot token.
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest", "BenderWrite");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    const value = buttonValueFor(fake, proposal);
    const pinAck = await server.send("interactive", payloadOf(blockActions({ user: OWEN, actionId: pinAction, value, ts: MESSAGE_TS })));
    expect(pinAck).toEqual({ envelope_id: "envelope-1", payload: {} });
    await slack.waitFor("chat.postMessage");
    expect(proposal.state).toBe("MERGED");
    expect(proposal.mergeCommitBody).toBe(`Pinned-by: <@${OWEN}> (Slack)`);

    // Unpin: the button opens the dialog, its submission restores 1.4.0 through a merged PR.
    slack.expect("views.open");
    await server.send("interactive", payloadOf(blockActions({ user: OWEN, actionId: unpinAction, value: buttonValueFor(fake, proposal), ts: MESSAGE_TS })));
    const [opened] = await slack.waitFor("views.open");
    const privateMetadata = (opened?.args.view as { private_metadata: string }).private_metadata;
    fake.expectGraphql("BenderPullRequest", "BenderUnpinRead", "BenderWrite", "BenderWrite");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    const submitAck = await server.send("interactive", payloadOf(viewSubmission({ user: OWEN, privateMetadata, reason: "rollback" })));
    expect(submitAck.envelope_id).toBe("envelope-3");
    await slack.waitFor("chat.postMessage", 2);
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.0`));
    expect(slack.of("chat.update")[1]?.args).toMatchObject({ channel: CHANNEL, ts: MESSAGE_TS });

    // An event Bender has no listener for is still acknowledged, so Slack does not resend it.
    const eventAck = await server.send("events_api", {
      type: "event_callback",
      team_id: "T0ACME0001",
      api_app_id: "A0BENDER01",
      event: { type: "app_mention", user: OWEN, text: "<@U0BENDER01> hi", ts: "1748966600.000100", channel: CHANNEL, event_ts: "1748966600.000100" },
      event_id: "Ev0TEST0001",
      event_time: 1748966600,
      authorizations: [{ team_id: "T0ACME0001", user_id: "U0BENDER01", is_bot: true }],
    });
    expect(eventAck.envelope_id).toBe("envelope-4");

    // Slack asks the app to reconnect: a new apps.connections.open, a new socket, and commands still work on it.
    server.disconnect();
    await waitUntil(() => server.connections.length === 2, "a second Socket Mode connection", 10_000);
    expect(slack.of("apps.connections.open")).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the hello reaches the client

    fake.expectGraphql("BenderStatus", "BenderRunning");
    const responseUrl = "https://hooks.slack.com/commands/T0ACME0001/socket/answer";
    const answer = expectResponseUrl(responseUrl);
    const commandAck = await server.send("slash_commands", Object.fromEntries(new URLSearchParams(slashCommand({ user: OWEN, text: "status", responseUrl }))));
    expect(commandAck.envelope_id).toBe("envelope-5");
    await waitUntil(() => answer.bodies.length === 1, "the /bender status answer");
    expect(answer.bodies[0]).toMatchObject({ response_type: "ephemeral" });
    expect(answer.bodies[0]?.text).toContain("*production* (acme/manifests)");
    expect(answer.bodies[0]?.text).toContain("ghcr.io/acme/api: runs 1.4.0");
  });

  it("a first connection that fails (Slack unreachable) is tried again; /readyz's Slack status says so until it connects", async () => {
    const server = await FakeSocketModeServer.start();
    socketServer = server;
    const slack = new FakeSlack();
    slack.expect("apps.connections.open", { unreachable: true });
    slack.expect("apps.connections.open", { reply: () => [200, { ok: true, url: server.url }] });
    slack.expect("auth.test");
    harness.watch();
    const log = pino({ level: "silent" });
    const app = createSlackApp({
      settings: { ...SLACK_SETTINGS, appToken: APP_TOKEN },
      services: {} as BenderServices,
      events: new EventBus(log),
      log,
      retries: 0,
      recheckMs: 300,
    });
    try {
      await app.start();
      await waitUntil(() => app.health().startsWith("Socket Mode could not connect"), "the failed connection reported");
      expect(app.health()).toContain("ECONNREFUSED");
      await waitUntil(() => server.connections.length === 1, "a connection on the second try");
      await waitUntil(() => app.health() === "ok", "Slack ready");
      expect(slack.of("apps.connections.open").map((call) => call.token)).toEqual([APP_TOKEN]);
    } finally {
      await app.stop();
    }
  });
});
