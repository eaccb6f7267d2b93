/**
 * Secrets never leave Bender: a whole flow (a credentials check, a build, its
 * proposal and Slack message, a Pin, a forged webhook, a forged Slack click)
 * runs with known secret values, logging at trace level, and none of them
 * appears in a log line, a PR (title, body, commits: every GitHub request
 * body), a Slack message (every Web API call's arguments), /metrics or
 * /readyz.
 */
import { Writable } from "node:stream";
import { sign } from "@octokit/webhooks-methods";
import nock from "nock";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { examples } from "../builds/payloads.js";
import { PRIVATE_KEY, deliver, postBuild, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { API } from "../support/fake-github.js";
import { IMAGE, productionRepository } from "../support/manifests.js";
import { FakeSlack, OWEN, SLACK_SETTINGS, blockActions, buttonValueFor, now, pinAction, sendToSlackEndpoint, slackConfig, waitUntil, withBenderLabels } from "../support/slack.js";

const SECRETS = {
  webhookSecret: "whsec-KNOWN-webhook-secret-4f1d",
  buildSecret: "build-KNOWN-build-secret-7c2e",
  botToken: "xoxb-KNOWN-bot-token-9a8b7c",
  signingSecret: "0123456789abcdef0123456789abcdef",
  installationToken: "ghs_KNOWNinstallationToken0123456789",
};
/** Two lines of the key's base64 body: any part of the key printed would show one. */
const KEY_LINES = PRIVATE_KEY.split("\n").slice(2, 4);

/** "<secret> in <output>" for each secret found in each output. */
function leaksIn(outputs: Record<string, string>): string[] {
  const secrets = [...Object.entries(SECRETS), ...KEY_LINES.map((line, index) => [`privateKey line ${index + 3}`, line] as const), ["PEM marker", "PRIVATE KEY-----"] as const];
  return Object.entries(outputs).flatMap(([output, text]) => secrets.filter(([, secret]) => text.includes(secret)).map(([name]) => `${name} in ${output}`));
}

let bender: RunningBender | undefined;
afterEach(async () => {
  await bender?.close();
  bender = undefined;
});

describe("secrets in a whole flow", () => {
  it("reach no log line, PR, Slack message, /metrics or /readyz", { timeout: 20_000 }, async () => {
    const lines: string[] = [];
    const log = pino(
      { level: "trace" },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString("utf8"));
          done();
        },
      }),
    );
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`)));
    nock(API).persist().get("/app").reply(200, { id: 1, slug: "bender" });
    nock(API).persist().get("/repos/acme/manifests/installation").reply(200, { id: 7 });
    nock(API)
      .persist()
      .post("/app/installations/7/access_tokens")
      .reply(201, { token: SECRETS.installationToken, expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    fake.serveAllGraphql();
    const slack = new FakeSlack(SECRETS.botToken);
    for (const method of ["chat.postMessage", "chat.update"]) slack.allow(method);
    slack.allow("chat.postEphemeral", { optional: true });
    bender = await startBender(
      { webhookSecret: SECRETS.webhookSecret, buildSecret: SECRETS.buildSecret, slack: { ...SLACK_SETTINGS, botToken: SECRETS.botToken, signingSecret: SECRETS.signingSecret } },
      { slackRetries: 0, now, log, checkGithub: true },
    );

    // 1. A build becomes a proposal and its Slack message.
    const build = await postBuild(bender, { image: `${IMAGE}:1.4.1`, repositories: ["acme/manifests"] }, { secret: SECRETS.buildSecret });
    expect(build.proposals.map((proposal) => proposal.action)).toContain("opened");
    const [pullRequest] = fake.openPullRequests();
    if (!pullRequest) throw new Error("no PR opened");
    await slack.waitFor("chat.postMessage");

    // 2. Pin from Slack.
    const click = blockActions({ user: OWEN, actionId: pinAction, value: buttonValueFor(fake, pullRequest), ts: String(slack.of("chat.postMessage")[0]?.args.ts ?? "1748966400.000001") });
    expect((await sendToSlackEndpoint(bender, click, { secret: SECRETS.signingSecret })).status).toBe(200);
    await waitUntil(() => pullRequest.state === "MERGED", "the merge");

    // 3. Forged and mis-signed requests are refused (and logged).
    expect((await deliver(bender, "ping", examples("ping")[0], { secret: "a-wrong-secret-0123456789" })).status).toBe(400);
    expect((await deliver(bender, "ping", examples("ping")[0], { secret: SECRETS.webhookSecret })).status).toBe(200);
    expect((await sendToSlackEndpoint(bender, click, { secret: "ffffffffffffffffffffffffffffffff" })).status).toBe(401);
    const wrongBuild = JSON.stringify({ image: `${IMAGE}:1.4.2` });
    const refused = await fetch(`${bender.url}/api/builds`, { method: "POST", headers: { "content-type": "application/json", "x-bender-signature-256": await sign("another-build-secret-0123", wrongBuild) }, body: wrongBuild });
    expect(refused.status).toBe(401);

    const outputs = {
      log: lines.join(""),
      github: JSON.stringify(fake.requests.map((request) => request.body)),
      slack: JSON.stringify(slack.calls.map((call) => call.args)),
      metrics: await (await fetch(`${bender.url}/metrics`)).text(),
      readyz: await (await fetch(`${bender.url}/readyz`)).text(),
    };
    // The flow really produced each output (controls for the absence checks below).
    expect(outputs.log).toContain("GitHub webhook refused");
    expect(outputs.github).toContain("createPullRequest");
    expect(outputs.slack).toContain("Pinned by");
    expect(outputs.metrics).toContain("bender_builds_total");
    const leaks = leaksIn(outputs);
    expect(lines.length).toBeGreaterThan(20);
    expect(leaks).toEqual([]);
    // The control: the same check finds a secret that is there.
    expect(leaksIn({ log: `{"token":"${SECRETS.installationToken}"}`, pr: KEY_LINES[0] ?? "" })).toEqual(["installationToken in log", "privateKey line 3 in pr"]);
  });
});
