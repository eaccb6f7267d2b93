/**
 * The settings that point Bender at other hosts: SLACK_API_URL (GovSlack, a
 * Slack of one's own) and, beside it, GHE_HOST. test/server/settings.test.ts
 * covers GHE_HOST and GHE_PROTOCOL one by one; this covers SLACK_API_URL and
 * both refused together, each problem naming its variable.
 */
import { describe, expect, it } from "vitest";
import { SettingsError, readSettings as readSettingsFrom } from "../../src/server/settings.js";
import { PRIVATE_KEY } from "../support/bender-server.js";

const SLACK = {
  APP_ID: "123456",
  WEBHOOK_SECRET: "whsec-4f9a1c7e2b8d3a6f",
  PRIVATE_KEY,
  SLACK_BOT_TOKEN: "xoxb-1234-5678-abcdef",
  SLACK_SIGNING_SECRET: "0123456789abcdef0123456789abcdef",
} as const;

function readSettings(env: Record<string, string | undefined>) {
  return readSettingsFrom(env as NodeJS.ProcessEnv);
}

function problemsFor(env: Record<string, string | undefined>): string[] {
  try {
    readSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) return [...error.problems];
    throw error;
  }
  throw new Error("expected readSettings to refuse the environment");
}

describe("SLACK_API_URL", () => {
  it("defaults to slack.com", () => {
    expect(readSettings(SLACK).slack?.apiUrl).toBe("https://slack.com/api/");
  });

  it.each([
    ["https://slack-gov.com/api/", "https://slack-gov.com/api/"],
    ["https://slack-gov.com/api", "https://slack-gov.com/api/"],
    ["http://127.0.0.1:8080/api/", "http://127.0.0.1:8080/api/"],
    ["https://slack.internal.example:8443/proxy/slack/api", "https://slack.internal.example:8443/proxy/slack/api/"],
  ])("takes %s as the base %s (method names go after it)", (value, base) => {
    expect(readSettings({ ...SLACK, SLACK_API_URL: value }).slack?.apiUrl).toBe(base);
  });

  it.each([
    "slack-gov.com/api/",
    "ftp://slack-gov.com/api/",
    "https:slack-gov.com/api",
    "https://",
    "https:///api/",
    "https://slack gov.com/api/",
    "https://slack-gov.com/api?team=T1",
    "https://slack-gov.com/api#methods",
    "https://user:secret@slack-gov.com/api/",
    "not a url",
    "",
  ])("refuses %j, naming the variable", (value) => {
    expect(problemsFor({ ...SLACK, SLACK_API_URL: value })).toEqual([expect.stringMatching(/^SLACK_API_URL: must be an http\(s\) URL of the Slack Web API/)]);
  });

  it("does not echo a URL's credentials", () => {
    expect(problemsFor({ ...SLACK, SLACK_API_URL: "https://user:hunter2-secret@slack-gov.com/api/" }).join("\n")).not.toContain("hunter2");
  });
});

describe("GHE_HOST and SLACK_API_URL together", () => {
  it("takes an Enterprise GitHub and another Slack at once", () => {
    const settings = readSettings({ ...SLACK, GHE_HOST: "github.example.gov:8443", SLACK_API_URL: "https://slack-gov.com/api/" });
    expect([settings.githubApiUrl, settings.githubWebUrl, settings.slack?.apiUrl]).toEqual([
      "https://github.example.gov:8443/api/v3",
      "https://github.example.gov:8443",
      "https://slack-gov.com/api/",
    ]);
  });

  it.each([
    ["https://github.example.gov", "slack-gov.com/api/"],
    ["github.example.gov/api/v3", "https://slack-gov.com/api?x=1"],
  ])("refuses GHE_HOST=%j and SLACK_API_URL=%j, one problem each", (host, url) => {
    const problems = problemsFor({ ...SLACK, GHE_HOST: host, SLACK_API_URL: url });
    expect(problems.map((problem) => problem.split(":")[0])).toEqual(["GHE_HOST", "SLACK_API_URL"]);
    expect(problems[0]).toMatch(/no scheme, no path/);
  });
});
