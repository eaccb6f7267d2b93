import { sign } from "@octokit/webhooks-methods";
import { connect } from "node:net";
import { pino } from "pino";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { errorWithoutPayload } from "../../src/server/log-serializers.js";
import { WEBHOOK_SECRET } from "../support/bender-server.js";
import { SIGNING_SECRET, SLACK_SETTINGS, slackSignature } from "../support/slack.js";
import { rawRequest, startLoggedBender } from "./server-support.js";
import type { LoggedBender } from "./server-support.js";

const MARKER = "PAYLOAD-MARKER-7f3a";
let bender: LoggedBender | undefined;
afterEach(async () => {
  await bender?.close();
  bender = undefined;
});

function webhookHead(headers: Record<string, string>, path = "/api/github/webhooks"): string {
  const lines = [`POST ${path} HTTP/1.1`, "host: 127.0.0.1", ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), ""];
  return lines.join("\n");
}

/** The warn lines of refused deliveries. */
function refusals(lines: readonly string[]): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === "GitHub webhook refused");
}

describe("the GitHub webhook endpoint, as an attacker tries it", () => {
  it("refuses a request without X-Hub-Signature-256 before reading its body, in one short warn line", async () => {
    bender = await startLoggedBender();
    // 30 MB declared, none sent: an answer proves the server did not wait for the body.
    const head = webhookHead({ "content-type": "application/json", "content-length": String(30 * 1024 * 1024), "x-github-event": "ping", "x-github-delivery": "unsigned-1" });
    const answer = await rawRequest(bender.port, head, `{"zen":"${MARKER}`);
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/X-Hub-Signature-256/);
    expect(refusals(bender.lines)).toEqual([
      expect.objectContaining({ level: 40, delivery: "unsigned-1", status: 400, reason: expect.stringMatching(/X-Hub-Signature-256/) as string }),
    ]);
    expect(bender.lines.join("\n")).not.toContain(MARKER);
    expect(Math.max(...bender.lines.map((line) => line.length))).toBeLessThan(400);
  });

  it("refuses a declared length over the cap with 413 before reading the body", async () => {
    bender = await startLoggedBender({ webhookMaxBytes: 4096 });
    const head = webhookHead({ "content-type": "application/json", "content-length": "5000", "x-github-event": "ping", "x-github-delivery": "big-1", "x-hub-signature-256": `sha256=${"0".repeat(64)}` });
    const answer = await rawRequest(bender.port, head);
    expect(answer.status).toBe(413);
    expect(refusals(bender.lines)).toEqual([expect.objectContaining({ delivery: "big-1", status: 413 })]);
  });

  it("stops reading a chunked body at the cap (no length declared) and answers 413", async () => {
    bender = await startLoggedBender({ webhookMaxBytes: 4096 });
    const head = webhookHead({ "content-type": "application/json", "transfer-encoding": "chunked", "x-github-event": "ping", "x-github-delivery": "chunked-1", "x-hub-signature-256": `sha256=${"0".repeat(64)}` });
    const chunk = `{"a":"${MARKER}${"x".repeat(8000)}"}`;
    const answer = await rawRequest(bender.port, head, `${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    expect(answer.status).toBe(413);
    expect(bender.lines.join("\n")).not.toContain(MARKER);
  });

  it("refuses with 503 a body that would take the bodies being read at once past 8 times the cap", async () => {
    bender = await startLoggedBender({ webhookMaxBytes: 4096 });
    const head = (n: number) => webhookHead({ "content-type": "application/json", "content-length": "4096", "x-github-event": "ping", "x-github-delivery": `held-${n}`, "x-hub-signature-256": `sha256=${"0".repeat(64)}` });
    // Eight bodies of 4 KiB, each sent in part and held open: 32 KiB being read.
    const held = Array.from({ length: 8 }, () => connect(bender?.port ?? 0, "127.0.0.1").on("error", () => undefined));
    for (const [n, socket] of held.entries()) socket.write(`${head(n).replaceAll("\n", "\r\n")}\r\n{"zen":`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const ninth = await rawRequest(bender.port, head(9), "{}");
    expect(ninth.status).toBe(503);
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Released when those requests end: the next one is read (and refused for its signature).
    expect((await rawRequest(bender.port, head(10), `{"zen":"${"z".repeat(4086)}"}`)).status).toBe(400);
  });

  it("accepts a body at the cap when it is signed (negative control of the cap)", async () => {
    bender = await startLoggedBender({ webhookMaxBytes: 4096 });
    const body = JSON.stringify({ zen: "x".repeat(3000), hook_id: 1 });
    const response = await fetch(`${bender.url}/api/github/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "ok-1", "x-hub-signature-256": await sign(WEBHOOK_SECRET, body) },
      body,
    });
    expect(response.status).toBe(200);
    expect(refusals(bender.lines)).toEqual([]);
  });

  it("refuses a wrong signature with 400 and logs neither the payload nor a stack", async () => {
    bender = await startLoggedBender();
    const body = JSON.stringify({ zen: MARKER, padding: "y".repeat(200_000) });
    const response = await fetch(`${bender.url}/api/github/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "forged-1", "x-hub-signature-256": await sign("not-the-secret-0123456789", body) },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/signature does not match/);
    expect(refusals(bender.lines)).toEqual([expect.objectContaining({ delivery: "forged-1", reason: "signature does not match event payload and secret" })]);
    const all = bender.lines.join("\n");
    expect(all).not.toContain(MARKER);
    expect(all).not.toContain('"stack"');
  });

  it("answers a validly signed payload of an unexpected shape 400 with what is missing, and no TypeError", async () => {
    bender = await startLoggedBender();
    const body = JSON.stringify({ action: "closed", number: 1, note: MARKER });
    const response = await fetch(`${bender.url}/api/github/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "pull_request", "x-github-delivery": "odd-1", "x-hub-signature-256": await sign(WEBHOOK_SECRET, body) },
      body,
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text).toMatch(/the pull_request payload is not what GitHub sends: repository: /);
    expect(text).not.toMatch(/TypeError|Cannot read/);
    expect(bender.lines.join("\n")).not.toContain(MARKER);
  });

  it("answers a signed JSON array 400", async () => {
    bender = await startLoggedBender();
    const body = "[1,2,3]";
    const response = await fetch(`${bender.url}/api/github/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": "array-1", "x-hub-signature-256": await sign(WEBHOOK_SECRET, body) },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/not a JSON object/);
  });
});

describe("named input never answers 500", () => {
  it("answers a request target of // with 400", async () => {
    bender = await startLoggedBender();
    const answer = await rawRequest(bender.port, "GET // HTTP/1.1\nhost: 127.0.0.1\n");
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/request target/);
  });

  it("answers an absolute-form target with 400 and an asterisk with 400", async () => {
    bender = await startLoggedBender();
    expect((await rawRequest(bender.port, "GET http://evil.example/healthz HTTP/1.1\nhost: 127.0.0.1\n")).status).toBe(400);
    expect((await rawRequest(bender.port, "OPTIONS * HTTP/1.1\nhost: 127.0.0.1\n")).status).toBe(400);
  });

  it("answers a wrong method 405 with Allow, and an unknown path 404", async () => {
    bender = await startLoggedBender();
    const post = await fetch(`${bender.url}/healthz`, { method: "POST", body: "x" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    const slack = await fetch(`${bender.url}/slack/events`);
    expect(slack.status).toBe(405);
    expect((await fetch(`${bender.url}/nowhere`)).status).toBe(404);
  });
});

describe("Slack's endpoint with Slack on", () => {
  it("answers a signed GET 405 without reaching Bolt, in no long log line", async () => {
    bender = await startLoggedBender({ slack: SLACK_SETTINGS });
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await fetch(`${bender.url}/slack/events`, {
      headers: { "x-slack-request-timestamp": String(timestamp), "x-slack-signature": slackSignature(SIGNING_SECRET, timestamp, "") },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(Math.max(0, ...bender.lines.map((line) => line.length))).toBeLessThan(400);
  });
});

describe("the error serializer", () => {
  it("drops the event payload Probot attaches to a failed delivery, and request and response bodies", () => {
    const inner = Object.assign(new Error("boom"), { status: 500, request: { method: "POST", url: "https://api.github.com/graphql", body: MARKER }, response: { status: 500, data: MARKER } });
    const error = Object.assign(new AggregateError([inner], "delivery failed"), { event: { id: "d-1", name: "push", payload: { zen: MARKER } } });
    const serialized = JSON.stringify(errorWithoutPayload(error));
    expect(serialized).not.toContain(MARKER);
    expect(serialized).toContain("d-1");
    expect(serialized).toContain("boom");
    expect(serialized).toContain("https://api.github.com/graphql");
  });

  it("is what Bender's server logs errors with, even when given its own logger", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString("utf8"));
        done();
      },
    });
    bender = await startLoggedBender();
    const log = pino({}, sink).child({}, { serializers: { err: errorWithoutPayload } });
    log.error(Object.assign(new Error("x"), { event: { id: "d-2", payload: MARKER } }));
    expect(lines.join("")).not.toContain(MARKER);
    // The server's own logger: a failed route logs through it.
    bender.log.error({ err: Object.assign(new Error("y"), { payload: MARKER }) }, "request failed");
    expect(bender.lines.join("\n")).not.toContain(MARKER);
    expect(bender.lines.join("\n")).toContain('"message":"y"');
  });
});
