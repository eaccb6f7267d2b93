/**
 * Bender's Slack client stays inside Slack's rate limits: chat.update spread
 * over a sliding window, chat.postMessage per channel, and a 429 waited out
 * for its Retry-After (only the limited method waits). Against the Slack
 * fake, with the limits shortened.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { PacingLimits } from "../../src/slack/pacing.js";
import { createSlackClients } from "../../src/slack/slack-client.js";
import type { SlackClients } from "../../src/slack/slack-client.js";
import { FakeSlack, SLACK_SETTINGS, unexpectedRefusals } from "../support/slack.js";

const LIMITS: PacingLimits = {
  update: { calls: 2, perMs: 300 },
  postPerChannel: { calls: 1, perMs: 200 },
  rateLimitedRetries: 2,
  maxRetryAfterSeconds: 5,
};
/** Calls are timed as they reach the fake: after the pacer's wait, plus a request's varying cost on a busy machine. */
const JITTER_MS = 40;

let clients: SlackClients | undefined;
afterEach(() => {
  clients?.stop();
  clients = undefined;
  expect(unexpectedRefusals()).toEqual([]);
});

function slackClient(limits = LIMITS): SlackClients["client"] {
  const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, setLevel: () => undefined, getLevel: () => "info" as never, setName: () => undefined };
  clients = createSlackClients({ botToken: SLACK_SETTINGS.botToken, apiUrl: SLACK_SETTINGS.apiUrl, retries: 0, pacing: limits, logger });
  return clients.client;
}

const gaps = (times: readonly number[]) => times.slice(1).map((time, index) => time - (times[index] ?? 0));

describe("pacing Bender's Slack calls", () => {
  it("chat.update: at most `calls` starts in any window; the rest wait their turn, in order", async () => {
    const slack = new FakeSlack();
    slack.expect("chat.update", { times: 5 });
    const client = slackClient();

    const started = Date.now();
    await Promise.all([1, 2, 3, 4, 5].map((n) => client.chat.update({ channel: "C1", ts: `1.${n}`, text: `update ${n}` })));

    const arrivals = slack.of("chat.update").map((call) => call.at - started);
    // The calls of one window start together and may reach Slack in either order; windows keep their order.
    const order = slack.of("chat.update").map((call) => String(call.args.ts));
    expect([order.slice(0, 2).sort(), order.slice(2, 4).sort(), order.slice(4)]).toEqual([["1.1", "1.2"], ["1.3", "1.4"], ["1.5"]]);
    expect(arrivals[1]).toBeLessThan(150);
    expect(arrivals[2]).toBeGreaterThanOrEqual(300 - JITTER_MS);
    expect(arrivals[4]).toBeGreaterThanOrEqual(600 - JITTER_MS);
  });

  it("chat.postMessage: paced per channel; another channel does not wait", async () => {
    const slack = new FakeSlack();
    slack.expect("chat.postMessage", { times: 4 });
    const client = slackClient();

    const started = Date.now();
    await Promise.all([
      client.chat.postMessage({ channel: "C1", text: "one" }),
      client.chat.postMessage({ channel: "C1", text: "two" }),
      client.chat.postMessage({ channel: "C1", text: "three" }),
      client.chat.postMessage({ channel: "C2", text: "elsewhere" }),
    ]);

    const inC1 = slack.of("chat.postMessage").filter((call) => call.args.channel === "C1");
    expect(inC1.map((call) => call.args.text)).toEqual(["one", "two", "three"]);
    for (const gap of gaps(inC1.map((call) => call.at))) expect(gap).toBeGreaterThanOrEqual(200 - JITTER_MS);
    const elsewhere = slack.of("chat.postMessage").find((call) => call.args.channel === "C2");
    expect((elsewhere?.at ?? Infinity) - started).toBeLessThan(150);
  });

  it("a 429 is waited out for its Retry-After, then sent again; other methods go on meanwhile", async () => {
    const slack = new FakeSlack();
    let answered = 0;
    slack.expect("chat.update", {
      times: 2,
      reply: (call) => (++answered === 1 ? [429, { ok: false, error: "ratelimited" }, { "retry-after": "1" }] : [200, slack.answer(call)]),
    });
    slack.expect("chat.postEphemeral");
    const client = slackClient();

    const update = client.chat.update({ channel: "C1", ts: "1.1", text: "after the limit" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await client.chat.postEphemeral({ channel: "C1", user: "U0OWEN0001", text: "not held by chat.update's limit" });
    const ephemeralAt = Date.now();
    expect((await update).ok).toBe(true);

    const [limited, retried] = slack.of("chat.update").map((call) => call.at);
    expect((retried ?? 0) - (limited ?? 0)).toBeGreaterThanOrEqual(1000 - JITTER_MS);
    expect(ephemeralAt).toBeLessThan(retried ?? 0);
  });

  it("a Retry-After longer than Bender will hold a call fails it at once, as Slack's rate-limit error", async () => {
    const slack = new FakeSlack();
    slack.expect("chat.postMessage", { reply: () => [429, { ok: false, error: "ratelimited" }, { "retry-after": "600" }] });
    const client = slackClient();

    const started = Date.now();
    await expect(client.chat.postMessage({ channel: "C1", text: "too late" })).rejects.toMatchObject({ code: "slack_webapi_rate_limited_error", retryAfter: 600 });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("stop() ends a call waiting for its turn at once", async () => {
    const slack = new FakeSlack();
    slack.expect("chat.postMessage");
    const client = slackClient({ ...LIMITS, postPerChannel: { calls: 1, perMs: 60_000 } });

    await client.chat.postMessage({ channel: "C1", text: "first" });
    const waiting = client.chat.postMessage({ channel: "C1", text: "a minute later" });
    const stoppedAt = Date.now();
    clients?.stop();

    await expect(waiting).rejects.toThrow("Slack client stopped");
    expect(Date.now() - stoppedAt).toBeLessThan(100);
  });
});
