import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { encodeButtonValue } from "../../src/slack/blocks/index.js";
import { answered } from "../../src/slack/report-failure.js";
import type { SlackContext } from "../../src/slack/slack-context.js";

/** A context whose log lines are kept, and whose postEphemeral records or fails. */
function contextFor(postEphemeral: (args: Record<string, unknown>) => Promise<unknown>): { context: SlackContext; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const context = { services: { webUrl: "https://github.com" }, slack: { chat: { postEphemeral } }, log: pino({ level: "info" }, stream) } as unknown as SlackContext;
  return { context, lines };
}

const revoked = Object.assign(new Error("An API error occurred: token_revoked"), { code: "slack_webapi_platform_error", data: { ok: false, error: "token_revoked" } });
const value = encodeButtonValue({ v: 1, repository: "acme/manifests", number: 12, head: "a".repeat(40), environment: "production" });

describe("a failure after the ack", () => {
  it("is logged once, with its cause, and told through the response_url (which needs no token)", async () => {
    const posted: Record<string, unknown>[] = [];
    const { context, lines } = contextFor(async (args) => posted.push(args));
    const responded: string[] = [];

    await answered(context, "pin", { user: "U0OWEN0001", location: { channel: "C1", ts: "1.1" }, respond: async (text) => responded.push(text), value }, async () => {
      throw revoked;
    });

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, action: "pin", user: "U0OWEN0001", msg: "Slack interaction failed; telling the person", err: { message: "An API error occurred: token_revoked" } });
    expect(responded).toEqual([
      "Slack refused Bender's token (`token_revoked`), so Bender could not finish. Whoever runs Bender should check `SLACK_BOT_TOKEN` (the app may have been reinstalled or removed from the workspace). Check the pull request before you press again: https://github.com/acme/manifests/pull/12",
    ]);
    expect(posted).toEqual([]);
  });

  it("falls back to chat.postEphemeral when the response_url fails, and logs (once more) when nobody could be told", async () => {
    const posted: Record<string, unknown>[] = [];
    const { context } = contextFor(async (args) => posted.push(args));
    await answered(context, "/bender status", { user: "U0OWEN0001", location: { channel: "C1", ts: "" }, respond: () => Promise.reject(new Error("expired")) }, async () => {
      throw Object.assign(new Error("Bad Gateway"), { name: "HttpError", status: 502 });
    });
    expect(posted).toEqual([{ channel: "C1", user: "U0OWEN0001", text: "GitHub could not be reached (HTTP 502: Bad Gateway), so Bender could not finish. Try again in a minute." }]);

    const silent = contextFor(() => Promise.reject(revoked));
    await answered(silent.context, "unpin", { user: "U0OWEN0001", location: { channel: "C1", ts: "1.1" } }, async () => {
      throw new TypeError("x is undefined");
    });
    expect(silent.lines.map((line) => line.msg)).toEqual(["Slack interaction failed; telling the person", "the person could not be told that their Slack interaction failed"]);
  });

  it("succeeding work is neither logged nor told", async () => {
    const { context, lines } = contextFor(() => Promise.reject(new Error("must not be called")));
    await answered(context, "dismiss", { user: "U0OWEN0001", respond: () => Promise.reject(new Error("must not be called")) }, async () => undefined);
    expect(lines).toEqual([]);
  });
});
