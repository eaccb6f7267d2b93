import { describe, expect, it } from "vitest";
import { alreadyDone, changedSinceDrawn, githubRefused, pinsWhenChecksPass, refusal, sanitizeReason } from "../../../src/slack/blocks/index.js";
import { HEAD } from "./views.js";

const AT = "2024-05-01T09:30:00Z";

describe("refusal", () => {
  it("tells a person who is not an approver how to become one", () => {
    const text = refusal({ kind: "not-an-approver", environment: "production", action: "pin", user: "U012ABCDEF" });
    expect(text).toBe(
      "You can't pin in *production*: you are not one of its approvers, so nothing changed. " +
        "To allow it, add your member ID `U012ABCDEF` or a user group to `environments.production.slack.approvers` in `.github/bender.yml`, or set it to `anyone`.",
    );
    expect(refusal({ kind: "not-an-approver", environment: "staging", action: "unpin", user: "<!here>" })).toContain("add your Slack member ID or a user group");
  });

  it("says when an environment has no approvers at all", () => {
    expect(refusal({ kind: "no-slack-approvers", environment: "production" })).toContain("`environments.production.slack.approvers`");
  });

  it("explains an unreadable button, escaped", () => {
    const text = refusal({ kind: "invalid-button", detail: "the button value is not JSON <!channel>" });
    expect(text).toContain("(the button value is not JSON &lt;!channel&gt;)");
  });

  it("shows a reason worded by the caller as escaped text", () => {
    expect(refusal("<@U012ABCDEF> is not an approver of production; add them.")).toBe("Nothing changed: &lt;@U012ABCDEF&gt; is not an approver of production; add them.");
  });
});

describe("other replies", () => {
  it("says the proposal changed since it was drawn, naming the new head", () => {
    expect(changedSinceDrawn(HEAD)).toContain("(it is now at `0123456`)");
    expect(changedSinceDrawn("<!channel>")).toContain("`&lt;!channel&gt;`");
  });

  it("says who got there first", () => {
    expect(alreadyDone("pinned", "U012ABCDEF", AT)).toBe(
      `Nothing to do: this proposal was already pinned by <@U012ABCDEF> at <!date^${Date.parse(AT) / 1000}^{date_short_pretty} {time}|${AT}>.`,
    );
    expect(alreadyDone("dismissed", "octocat", "")).toBe("Nothing to do: this proposal was already dismissed by octocat.");
  });

  it("says a pin waits for checks", () => {
    expect(pinsWhenChecksPass()).toMatch(/when they pass/);
  });
});

describe("githubRefused", () => {
  it("passes GitHub's reason on", () => {
    expect(githubRefused("Pull Request is not mergeable")).toBe("GitHub refused: Pull Request is not mergeable. Nothing changed.");
  });

  it("redacts anything that looks like a token", () => {
    const tokens = [
      "ghp_0123456789abcdefABCDEF0123456789abcd",
      "gho_abc",
      "ghs_0123456789abcdef",
      "ghu_x1",
      "ghr_y2",
      "github_pat_11AAAAAAA0123456789_abcdef",
      "xoxb-1234-5678-abcdef",
      "xoxp-1-2-3",
      "xoxa-2-abc",
      "xoxr-9-def",
      "xapp-1-A0-123-abc",
    ];
    for (const token of tokens) {
      const text = githubRefused(`Bad credentials for ${token} (see docs)`);
      expect(text).not.toContain(token);
      expect(text).toContain("Bad credentials for [redacted] (see docs)");
    }
    expect(sanitizeReason("Authorization: Bearer abcdefghijklmnop0123456789")).toBe("Authorization: [redacted]");
  });

  it("drops stack frames and keeps one line", () => {
    const error = "HttpError: Base branch was modified\n    at request (/app/node_modules/@octokit/request/dist/index.js:1:2)\n    at async merge (/app/dist/github/merge.js:3:4)";
    expect(sanitizeReason(error)).toBe("HttpError: Base branch was modified");
  });

  it("is at most 300 characters, escaped, whatever GitHub says", () => {
    for (const reason of ["x".repeat(10_000), "&".repeat(10_000), "<".repeat(400)]) {
      const sanitized = sanitizeReason(reason);
      expect(sanitized.length).toBeLessThanOrEqual(300);
      expect(sanitized).not.toMatch(/[<>]/);
      expect(sanitized).toMatch(/…$/);
      expect(githubRefused(reason)).toBe(`GitHub refused: ${sanitized}. Nothing changed.`);
    }
    expect(sanitizeReason("")).toBe("no reason given");
    expect(sanitizeReason("<!channel> says <https://evil|hi>")).toBe("&lt;!channel&gt; says &lt;https://evil|hi&gt;");
  });
});
