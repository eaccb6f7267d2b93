/**
 * The Slack fake refuses what Slack refuses before doing anything (so a test
 * passing against it means Slack would accept the call): a views.open
 * without a trigger ID Slack issued, one already exchanged or expired, and
 * Block Kit past its limits.
 */
import { WebClient } from "@slack/web-api";
import type { View } from "@slack/web-api";
import { afterEach, describe, expect, it } from "vitest";
import { FakeSlack, SLACK_SETTINGS, TRIGGER_LIFETIME_MS, ageTriggers, blockActions, unexpectedRefusals } from "../support/slack.js";

const client = new WebClient(SLACK_SETTINGS.botToken, { slackApiUrl: SLACK_SETTINGS.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
const modal: View = { type: "modal", title: { type: "plain_text", text: "Break the glass" }, blocks: [] };

/** The trigger ID of a fresh block_actions payload, as Slack issues it. */
function issuedTrigger(): string {
  const payload = new URLSearchParams(blockActions({ user: "U0OWEN0001", actionId: "a", value: "v", ts: "1.1" })).get("payload") ?? "";
  return (JSON.parse(payload) as { trigger_id: string }).trigger_id;
}

async function slackError(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    return (error as { data?: { error?: string } }).data?.error;
  }
}

afterEach(() => void unexpectedRefusals());

describe("the Slack fake's limits", () => {
  it("views.open: an issued trigger once, within 3 s; an unknown, used or expired one is refused as Slack refuses it", async () => {
    const slack = new FakeSlack();
    slack.expect("views.open", { times: 4 });
    const fresh = issuedTrigger();
    expect(await slackError(client.views.open({ trigger_id: fresh, view: modal }))).toBeUndefined();
    expect(await slackError(client.views.open({ trigger_id: fresh, view: modal }))).toBe("exchanged_trigger_id");
    expect(await slackError(client.views.open({ trigger_id: "12345.98765.abcd", view: modal }))).toBe("invalid_trigger_id");
    const stale = issuedTrigger();
    ageTriggers(TRIGGER_LIFETIME_MS + 1);
    expect(await slackError(client.views.open({ trigger_id: stale, view: modal }))).toBe("expired_trigger_id");
  });

  it("Block Kit: a view title over 24 characters, 51 blocks in a message, a section over 3,000 characters, a button value over 2,000, 11 fields or one over 2,000, a header over 150, 11 context elements", async () => {
    const slack = new FakeSlack();
    slack.expect("views.open");
    slack.expect("chat.postMessage", { times: 9 });
    const section = (text: string) => ({ type: "section" as const, text: { type: "mrkdwn" as const, text } });
    const button = (value: string) => ({ type: "actions" as const, elements: [{ type: "button" as const, action_id: "b", text: { type: "plain_text" as const, text: "Thaw" }, value }] });
    expect(await slackError(client.views.open({ trigger_id: issuedTrigger(), view: { ...modal, title: { type: "plain_text", text: "x".repeat(25) } } }))).toBe("invalid_arguments");
    expect(await slackError(client.chat.postMessage({ channel: "C1", text: "t", blocks: Array.from({ length: 51 }, () => section("a")) }))).toBe("invalid_blocks");
    expect(await slackError(client.chat.postMessage({ channel: "C1", text: "t", blocks: [section("a".repeat(3001))] }))).toBe("invalid_blocks");
    expect(await slackError(client.chat.postMessage({ channel: "C1", text: "t", blocks: [button("v".repeat(2001))] }))).toBe("invalid_blocks");
    const fields = (count: number, length: number) => ({ type: "section" as const, fields: Array.from({ length: count }, () => ({ type: "mrkdwn" as const, text: "f".repeat(length) })) });
    const header = (text: string) => ({ type: "header" as const, text: { type: "plain_text" as const, text } });
    const context = (count: number) => ({ type: "context" as const, elements: Array.from({ length: count }, () => ({ type: "mrkdwn" as const, text: "c" })) });
    expect(await slackError(client.chat.postMessage({ channel: "C1", text: "t", blocks: [fields(11, 1)] }))).toBe("invalid_blocks");
    expect(await slackError(client.chat.postMessage({ channel: "C1", text: "t", blocks: [fields(1, 2001)] }))).toBe("invalid_blocks");
    expect(await slackError(client.chat.postMessage({ channel: "C1", text: "t", blocks: [header("h".repeat(151))] }))).toBe("invalid_blocks");
    expect(await slackError(client.chat.postMessage({ channel: "C1", text: "t", blocks: [context(11)] }))).toBe("invalid_blocks");
    expect(await slackError(client.chat.postMessage({ channel: "C1", text: "t", blocks: [header("h".repeat(150)), fields(10, 2000), context(10)] }))).toBeUndefined();
    // At the limits, Slack accepts.
    expect(await slackError(client.chat.postMessage({ channel: "C1", text: "t", blocks: [section("a".repeat(3000)), button("v".repeat(2000))] }))).toBeUndefined();
  });
});
