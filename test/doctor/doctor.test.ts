import { createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import nock from "nock";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { runDoctor } from "../../src/doctor/io/run-doctor.js";
import { renderReport } from "../../src/doctor/report.js";
import type { CheckId, DoctorReport } from "../../src/doctor/report.js";
import { FAST_RETRY, PRIVATE_KEY, WEBHOOK_SECRET, BUILD_SECRET } from "../support/bender-server.js";
import { API, FakeRepository, expectInstallationToken } from "../support/fake-github.js";
import { expectAppInstallations, expectRepositoryInstallation } from "../support/manifests.js";
import { FakeSlack, GROUP, OWEN, SIGNING_SECRET, STRANGER } from "../support/slack.js";
import { expectLookup } from "../support/slack-workspace.js";
import type { Workspace } from "../support/slack-workspace.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const APP_YML = parse(readFileSync(path.join(ROOT, "app.yml"), "utf8")) as { default_permissions: Record<string, string>; default_events: string[] };
const APP_ID = "424242";
const ENV = { APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, BENDER_BUILD_SECRET: BUILD_SECRET, SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: SIGNING_SECRET };
/** ENV without Slack (GitHub-only) and with `changes`; an undefined value removes the variable. */
function githubOnly(changes: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = { ...ENV, SLACK_BOT_TOKEN: undefined, SLACK_SIGNING_SECRET: undefined, ...changes };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
const NO_RETRY = { ...FAST_RETRY, serverErrorRetries: 0 };
const CONFIG = `environments:\n  production:\n    paths: [clusters/prod]\n    slack:\n      channel: "#deploys"\n      approvers: [${OWEN}, ${GROUP}]\n`;
const WORKSPACE: Workspace = {
  scopes: ["chat:write", "commands", "usergroups:read", "channels:read", "groups:read", "users:read"],
  channels: [{ id: "C0DEPLOYS1", name: "deploys", isMember: true }],
  users: [{ id: OWEN, name: "owen" }],
  groups: [{ id: GROUP, handle: "oncall" }],
};

/** Whether an Authorization header carries a JWT signed with the App's key for APP_ID, as GitHub checks it. */
function appJwt(value: string): boolean {
  const [header = "", payload = "", signature = ""] = value.replace(/^bearer /i, "").split(".");
  const signed = verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), createPublicKey(PRIVATE_KEY), Buffer.from(signature, "base64url"));
  return signed && String((JSON.parse(Buffer.from(payload, "base64url").toString()) as { iss?: unknown }).iss) === APP_ID;
}

/** GET /app as GitHub answers it to the App's JWT (REST reference: "Get the authenticated app"). */
function expectApp(overrides: { permissions?: Record<string, string>; events?: string[] } = {}) {
  return nock(API, { reqheaders: { authorization: appJwt } })
    .get("/app")
    .reply(200, {
      id: Number(APP_ID),
      slug: "bender-acme",
      name: "Bender (acme)",
      owner: { login: "acme", type: "Organization" },
      html_url: "https://github.com/apps/bender-acme",
      permissions: overrides.permissions ?? APP_YML.default_permissions,
      events: overrides.events ?? APP_YML.default_events,
    });
}

/** Discovery of one installation (7) holding `fake`: installations, a token, the repository listing, one GraphQL query. */
function expectDiscovery(fake: FakeRepository): void {
  expectAppInstallations([7]);
  expectInstallationToken(7);
  nock(API).get("/installation/repositories").query(true).reply(200, { total_count: 1, repositories: [{ full_name: fake.nameWithOwner, archived: false }] });
  fake.expectGraphql("BenderDiscover");
}

function statuses(report: DoctorReport): Partial<Record<CheckId, string>> {
  return Object.fromEntries(report.checks.map((check) => [check.id, check.status]));
}

function findingsOf(report: DoctorReport, id: CheckId): string[] {
  return report.checks.find((check) => check.id === id)?.findings.map((finding) => `${finding.problem} => ${finding.fix}`) ?? [];
}

describe("bender doctor", () => {
  it("passes a set-up that works end to end, through GitHub and Slack", async () => {
    const fake = new FakeRepository("acme", "manifests", "main", { ".github/bender.yml": CONFIG });
    expectApp();
    expectDiscovery(fake);
    const slack = new FakeSlack();
    slack.expect("auth.test");
    expectLookup(slack, WORKSPACE, "conversations.list");
    expectLookup(slack, WORKSPACE, "users.info");
    expectLookup(slack, WORKSPACE, "usergroups.list");
    const report = await runDoctor(ENV, { retry: NO_RETRY });
    expect(report.checks.filter((check) => check.status !== "pass")).toEqual([]);
    expect(report.ok).toBe(true);
    const text = renderReport(report);
    expect(text).toContain("ok    installations: installed on acme/manifests");
    expect(text).toContain("ok    slack-channels: member of #deploys");
    expect(text.trimEnd().endsWith("All checks passed.")).toBe(true);
  });

  it("names each settings problem with its fix and runs nothing else", async () => {
    const report = await runDoctor({ APP_ID: "abc", WEBHOOK_SECRET: "short" }, { retry: NO_RETRY });
    expect(report.ok).toBe(false);
    expect(statuses(report).settings).toBe("fail");
    expect(report.checks.filter((check) => check.id !== "settings").every((check) => check.status === "skipped")).toBe(true);
    const findings = findingsOf(report, "settings").join("\n");
    for (const name of ["APP_ID: must be the App's numeric ID", "WEBHOOK_SECRET: must be at least 16 characters", "PRIVATE_KEY or PRIVATE_KEY_PATH: missing"]) expect(findings).toContain(name);
    expect(renderReport(report)).toContain("Not run: github-app, app-permissions");
  });

  it("says GitHub refused the App's JWT, and what to check", async () => {
    nock(API).get("/app").reply(401, { message: "A JSON web token could not be decoded", documentation_url: "https://docs.github.com/rest" });
    const report = await runDoctor(githubOnly(), { retry: NO_RETRY });
    expect(statuses(report)).toMatchObject({ settings: "pass", "github-app": "fail", "app-permissions": "skipped", installations: "skipped", configs: "skipped" });
    expect(findingsOf(report, "github-app")[0]).toContain("GitHub refused the App's JWT (401: A JSON web token could not be decoded): the private key does not belong to App 424242");
    expect(findingsOf(report, "github-app")[0]).toContain("check APP_ID");
    expect(report.ok).toBe(false);
  });

  it("finds permissions and events below app.yml's, a repository it is not installed on, and an invalid config", async () => {
    const fake = new FakeRepository("acme", "manifests", "main", { ".github/bender.yml": "environments:\n  production:\n    pahts: [clusters/prod]\n" });
    expectApp({ permissions: { ...APP_YML.default_permissions, contents: "read" }, events: APP_YML.default_events.filter((event) => event !== "deployment_status") });
    expectRepositoryInstallation("acme/manifests", 7);
    expectRepositoryInstallation("acme/other", "not-installed");
    expectInstallationToken(7);
    fake.expectGraphql("BenderConfig");
    const report = await runDoctor(githubOnly({ BENDER_MANIFEST_REPOS: "acme/manifests,acme/other" }), { retry: NO_RETRY });
    expect(findingsOf(report, "app-permissions")).toEqual([
      'the App has "contents: read"; app.yml asks for "contents: write" => give it "write" for contents at https://github.com/organizations/acme/settings/apps/bender-acme/permissions, then accept the new permissions on each installation',
      'the App is not subscribed to the "deployment_status" event that app.yml lists => tick "deployment_status" under "Subscribe to events" at https://github.com/organizations/acme/settings/apps/bender-acme/permissions',
    ]);
    expect(findingsOf(report, "installations")).toEqual(["the App is not installed on acme/other (BENDER_MANIFEST_REPOS) => install it at https://github.com/apps/bender-acme/installations/new and choose acme/other"]);
    const configs = findingsOf(report, "configs");
    expect(configs).toHaveLength(2);
    expect(configs[0]).toMatch(/^acme\/manifests \.github\/bender\.yml:2 environments\.production\.paths: is required/);
    expect(configs[1]).toMatch(/^acme\/manifests \.github\/bender\.yml:3 environments\.production\.pahts: .*"paths"/);
    // Slack off: its checks pass as not applicable; the config problems fail the run.
    expect(statuses(report)).toMatchObject({ "slack-token": "pass", "build-webhook": "pass" });
    expect(report.ok).toBe(false);
  });

  it("finds a bot outside its channel, an unknown approver and a missing group", async () => {
    const fake = new FakeRepository("acme", "manifests", "main", {
      ".github/bender.yml": `environments:\n  production:\n    paths: [clusters/prod]\n    slack:\n      channel: C0DEPLOYS1\n      approvers: [${OWEN}, ${STRANGER}, S0NOSUCH01]\n  staging:\n    paths: [clusters/staging]\n    slack: { channel: "#staging", approvers: anyone }\n`,
    });
    expectApp();
    expectDiscovery(fake);
    const slack = new FakeSlack();
    slack.expect("auth.test");
    const workspace: Workspace = { ...WORKSPACE, channels: [{ id: "C0DEPLOYS1", name: "deploys", isMember: false }] };
    expectLookup(slack, workspace, "conversations.info");
    expectLookup(slack, workspace, "conversations.list");
    expectLookup(slack, workspace, "users.info", 2);
    expectLookup(slack, workspace, "usergroups.list");
    const report = await runDoctor(ENV, { retry: NO_RETRY });
    expect(findingsOf(report, "slack-channels")).toEqual([
      "the bot @bender is not a member of C0DEPLOYS1 (acme/manifests environment production) => in that channel, type /invite @bender",
      "no channel #staging (acme/manifests environment staging) that the bot can see => create it, or for a private channel invite @bender (/invite @bender), or write the channel's ID (C…) in .github/bender.yml",
    ]);
    const approvers = findingsOf(report, "slack-approvers");
    expect(approvers).toHaveLength(2);
    expect(approvers[0]).toContain(`approver ${STRANGER} (acme/manifests environment production) is not a user of this workspace`);
    expect(approvers[1]).toContain("approver group S0NOSUCH01 (acme/manifests environment production) does not exist");
  });

  it("says which scope the bot token lacks", async () => {
    const fake = new FakeRepository("acme", "manifests", "main", { ".github/bender.yml": CONFIG });
    expectApp();
    expectDiscovery(fake);
    const slack = new FakeSlack();
    slack.expect("auth.test");
    const workspace: Workspace = { ...WORKSPACE, scopes: ["chat:write", "commands", "usergroups:read"] };
    expectLookup(slack, workspace, "conversations.list");
    expectLookup(slack, workspace, "users.info");
    expectLookup(slack, workspace, "usergroups.list");
    const report = await runDoctor(ENV, { retry: NO_RETRY });
    expect(findingsOf(report, "slack-channels")[0]).toMatch(/^the bot token lacks the channels:read scope to look up #deploys .* => add the scope to the Slack app/);
    expect(findingsOf(report, "slack-approvers")[0]).toContain("lacks the users:read scope");
    expect(statuses(report)["slack-token"]).toBe("pass");
  });

  it("says Slack refused the token, and does not look anything up with it", async () => {
    const fake = new FakeRepository("acme", "manifests", "main", { ".github/bender.yml": CONFIG });
    expectApp();
    expectDiscovery(fake);
    const slack = new FakeSlack("xoxb-the-real-one");
    slack.refusalsExpected = true;
    slack.expect("auth.test");
    const report = await runDoctor(ENV, { retry: NO_RETRY });
    expect(findingsOf(report, "slack-token")[0]).toContain("Slack refused SLACK_BOT_TOKEN (invalid_auth)");
    expect(statuses(report)).toMatchObject({ "slack-channels": "skipped", "slack-approvers": "skipped" });
    expect(slack.calls.map((call) => call.method)).toEqual(["auth.test"]);
  });

  it("warns when the build webhook is off, and fails with --builds", async () => {
    const run = async (requireBuildWebhook: boolean) => {
      const fake = new FakeRepository("acme", "manifests", "main", { ".github/bender.yml": "environments:\n  dev:\n    paths: [k8s]\n" });
      expectApp();
      expectDiscovery(fake);
      return runDoctor(githubOnly({ BENDER_BUILD_SECRET: undefined }), { retry: NO_RETRY, requireBuildWebhook });
    };
    const relaxed = await run(false);
    expect(statuses(relaxed)["build-webhook"]).toBe("warn");
    expect(relaxed.ok).toBe(true);
    const strict = await run(true);
    expect(findingsOf(strict, "build-webhook")[0]).toContain("BENDER_BUILD_SECRET is not set: POST /api/builds answers 404");
    expect(strict.ok).toBe(false);
  });

  it("checks an App on GitHub Enterprise Server through its /api/v3", async () => {
    const ghe = "https://ghe.example.com";
    nock(ghe, { reqheaders: { authorization: appJwt } })
      .get("/api/v3/app")
      .reply(200, { id: Number(APP_ID), slug: "bender", name: "Bender", html_url: `${ghe}/github-apps/bender`, permissions: APP_YML.default_permissions, events: APP_YML.default_events });
    nock(ghe, { reqheaders: { authorization: appJwt } }).get("/api/v3/app/installations").query(true).reply(200, []);
    const report = await runDoctor(githubOnly({ GHE_HOST: "ghe.example.com" }), { retry: NO_RETRY });
    expect(statuses(report)).toMatchObject({ "github-app": "pass", "app-permissions": "pass", installations: "fail" });
    expect(findingsOf(report, "installations")[0]).toContain(`install the App at ${ghe}/github-apps/bender/installations/new`);
  });
});
