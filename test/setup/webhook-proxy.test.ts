import { createServer } from "node:http";
import type { Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { sign } from "@octokit/webhooks-methods";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { relayWebhooks, startWebhookProxy } from "../../src/setup/io/webhook-proxy.js";
import { WEBHOOK_SECRET, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";

/**
 * A smee.io channel on 127.0.0.1: GET /<channel> is a text/event-stream that starts with a `ready` event
 * and then carries each webhook GitHub posted to the channel as a message whose data is the JSON of its
 * headers (lower case), `body` (the parsed JSON payload) and `query`, as smee.io's server sends them.
 */
class FakeSmee {
  readonly server: Server;
  readonly streams: ServerResponse[] = [];
  constructor() {
    this.server = createServer((request, response) => {
      if (request.method !== "GET" || request.url !== "/bender-channel") return void response.writeHead(404).end();
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
      response.write("event: ready\ndata: {}\n\n");
      this.streams.push(response);
    });
  }
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/bender-channel`;
  }
  /** What smee.io does when GitHub posts a webhook to the channel. */
  async post(event: string, payload: unknown, secret: string): Promise<void> {
    const body = JSON.stringify(payload);
    const message = {
      "x-github-event": event,
      "x-github-delivery": `relayed-${event}`,
      "x-hub-signature-256": await sign(secret, body),
      "content-type": "application/json",
      host: "smee.io",
      body: payload,
      query: {},
      timestamp: 1764255600000,
    };
    for (const stream of this.streams) stream.write(`data: ${JSON.stringify(message)}\n\n`);
  }
  async close(): Promise<void> {
    for (const stream of this.streams) stream.end();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let smee: FakeSmee | undefined;
let bender: RunningBender | undefined;
afterEach(async () => {
  await smee?.close();
  await bender?.close();
  smee = undefined;
  bender = undefined;
});

const PING = { zen: "Design for failure.", hook_id: 1, hook: { type: "App", id: 1, active: true, events: ["push"], config: { content_type: "json" } } };

describe("WEBHOOK_PROXY_URL", () => {
  it("relays signed webhooks from a smee channel to Bender's webhook path, where the signature is still checked", async () => {
    smee = new FakeSmee();
    const source = await smee.listen();
    bender = await startBender();
    const pings: string[] = [];
    bender.probot.on("ping", async (context) => void pings.push(context.id));
    const proxy = await startWebhookProxy(source, `${bender.url}/api/github/webhooks`, pino({ level: "silent" }));
    try {
      await smee.post("ping", PING, WEBHOOK_SECRET);
      await smee.post("ping", PING, "a-forged-secret-that-is-wrong");
      const until = Date.now() + 5000;
      while (pings.length === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(pings).toEqual(["relayed-ping"]);
    } finally {
      await proxy.stop();
    }
  });

  it("leaves the server serving, with a warning, when the channel cannot be reached", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: "warn" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const stoppers: string[] = [];
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    relayWebhooks(`http://127.0.0.1:${port}/gone`, { host: "0.0.0.0", port: 3000 }, log, { register: (stopper) => void stoppers.push(stopper.name) });
    const until = Date.now() + 5000;
    while (!lines.some((line) => line.msg?.toString().startsWith("WEBHOOK_PROXY_URL could not be reached")) && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(lines.map((line) => line.msg)).toContain("WEBHOOK_PROXY_URL could not be reached; webhooks arrive only at the server's own address");
    expect(stoppers).toEqual([]);
  });
});
