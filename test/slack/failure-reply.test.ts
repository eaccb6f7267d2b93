import { describe, expect, it } from "vitest";
import { failureReply } from "../../src/slack/failure-reply.js";

const platform = (error: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`An API error occurred: ${error}`), { code: "slack_webapi_platform_error", data: { ok: false, error, ...extra } });

describe("failureReply: what went wrong and what to do, by the error's source", () => {
  it.each([
    [platform("not_authed"), /^Slack refused Bender's token \(`not_authed`\).*check `SLACK_BOT_TOKEN`/],
    [platform("invalid_auth"), /^Slack refused Bender's token \(`invalid_auth`\)/],
    [platform("missing_scope", { needed: "usergroups:read" }), /^The Bender Slack app lacks the permission `usergroups:read`: .*reinstall the app from `slack-app-manifest.yml`/],
    [platform("not_in_channel"), /^Bender cannot write in this channel \(`not_in_channel`\): invite the bot/],
    [platform("message_not_found"), /^Slack refused Bender's request \(`message_not_found`\)\. Try again in a moment/],
    [Object.assign(new Error("rate limited"), { code: "slack_webapi_rate_limited_error", retryAfter: 30 }), /^Slack is asking Bender to slow down: try again in 30 seconds\./],
    [Object.assign(new Error("A request error occurred: connect ECONNREFUSED 127.0.0.1:443"), { code: "slack_webapi_request_error" }), /^Bender could not reach Slack to finish \(A request error occurred: connect ECONNREFUSED/],
    [Object.assign(new Error("Bad Gateway"), { name: "HttpError", status: 502 }), /^GitHub could not be reached \(HTTP 502: Bad Gateway\)/],
    [Object.assign(new Error("Resource not accessible by integration"), { name: "HttpError", status: 403 }), /^GitHub refused Bender \(HTTP 403: Resource not accessible by integration\)\. .*installation and permissions/],
    [new TypeError("fetch failed"), /^A service Bender needs could not be reached \(fetch failed\)/],
    [new Error("Slack client stopped"), /^Bender is restarting: press again in a moment\./],
    [new RangeError("boom"), /^Bender failed unexpectedly \(`RangeError`\); the details are in Bender's log/],
  ])("%s", (error, expected) => {
    expect(failureReply(error)).toMatch(expected);
  });

  it("names the pull request to check, and never shows a token", () => {
    const reply = failureReply(Object.assign(new Error("Bad credentials for ghs_abcdefghijklmnop and xoxb-1-2-3"), { name: "HttpError", status: 401 }), {
      pullRequestUrl: "https://github.com/acme/manifests/pull/7",
    });
    expect(reply).toContain("Check the pull request before you press again: https://github.com/acme/manifests/pull/7");
    expect(reply).not.toMatch(/ghs_|xoxb-/);
  });
});
