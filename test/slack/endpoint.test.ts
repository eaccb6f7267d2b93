import { afterEach, describe, expect, it } from "vitest";
import { postBuild, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { expectInstallationToken } from "../support/fake-github.js";
import { IMAGE, PRODUCTION_BRANCH, deployment, expectRepositoryInstallation, openExistingProposal, productionRepository } from "../support/manifests.js";
import {
  FakeSlack,
  OWEN,
  SIGNING_SECRET,
  SLACK_SETTINGS,
  blockActions,
  buttonValueFor,
  expectResponseUrl,
  now,
  pinAction,
  sendToSlackEndpoint,
  slackConfig,
  slashCommand,
  waitUntil,
  watchUnexpected,
} from "../support/slack.js";

let bender: RunningBender | undefined;
let unexpected: ReturnType<typeof watchUnexpected> | undefined;
afterEach(async () => {
  unexpected?.stop();
  unexpected = undefined;
  await bender?.close();
  bender = undefined;
});

const FIVE_MINUTES = 300;

/** A Pin click on an open proposal, as the body of a request. */
function pinClick(): { body: string; fake: ReturnType<typeof productionRepository> } {
  const fake = productionRepository("1.4.0", slackConfig(`[${OWEN}]`));
  const proposal = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
  return { fake, body: blockActions({ user: OWEN, actionId: pinAction, value: buttonValueFor(fake, proposal), ts: "1748966400.000001" }) };
}

describe("/slack/events refuses requests Slack did not sign, before Bolt or any work", () => {
  it.each([
    ["signed with another secret", { secret: "00000000000000000000000000000000" }],
    ["with a signature that is not hex", { signature: "v0=not-a-signature" }],
    ["signed correctly, 6 minutes old", { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }],
    ["signed correctly, 6 minutes in the future", { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 }],
  ])("%s: 401, and nothing is asked of Slack or GitHub", async (_name, options) => {
    const { fake, body } = pinClick();
    bender = await startBender({ slack: SLACK_SETTINGS }, { slackRetries: 0, now });
    unexpected = watchUnexpected();

    const response = await sendToSlackEndpoint(bender, body, options);

    expect(response.status).toBe(401);
    expect(JSON.parse(response.text)).toEqual({ error: expect.any(String) });
    expect(unexpected.requests).toEqual([]);
    expect(fake.requests).toEqual([]);
    expect(fake.pullRequests[0]?.state).toBe("OPEN");
  });

  it("without the signature headers: 401", async () => {
    bender = await startBender({ slack: SLACK_SETTINGS }, { slackRetries: 0, now });
    const response = await fetch(`${bender.url}/slack/events`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "payload=%7B%7D" });
    expect(response.status).toBe(401);
  });

  it("a timestamp just inside the window (4 minutes either way) is accepted", async () => {
    bender = await startBender({ slack: SLACK_SETTINGS }, { slackRetries: 0, now });
    const responseUrl = "https://hooks.slack.com/commands/T0ACME0001/1/inside-window";
    const answered = [expectResponseUrl(responseUrl), expectResponseUrl(responseUrl)];
    for (const skew of [-(FIVE_MINUTES - 60), FIVE_MINUTES - 60]) {
      const response = await sendToSlackEndpoint(bender, slashCommand({ user: OWEN, text: "help", responseUrl }), { timestamp: Math.floor(Date.now() / 1000) + skew });
      expect(response.status).toBe(200);
    }
    await waitUntil(() => answered.every((answer) => answer.bodies.length === 1), "both help answers");
  });
});

describe("Bender without Slack settings", () => {
  it("answers /slack/events with 404 and proposes builds GitHub-only, asking nothing of Slack", async () => {
    const fake = productionRepository("1.4.0", slackConfig(`[${OWEN}]`));
    expectRepositoryInstallation(fake.nameWithOwner, 7);
    expectInstallationToken(7);
    fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();
    unexpected = watchUnexpected();

    const slack = await sendToSlackEndpoint(bender, slashCommand({ user: OWEN, text: "help", responseUrl: "https://hooks.slack.com/commands/x" }), { secret: SIGNING_SECRET });
    expect(slack.status).toBe(404);

    const build = await postBuild(bender, { image: `${IMAGE}:1.4.1`, repositories: [fake.nameWithOwner] });
    expect(build.status).toBe(202);
    expect(fake.openPullRequests().map((pullRequest) => pullRequest.headRefName)).toEqual([PRODUCTION_BRANCH]);
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.4.1`));

    const ready = (await (await fetch(`${bender.url}/readyz`)).json()) as Record<string, unknown>;
    expect(ready).toMatchObject({ status: "ready", slack: "off (GitHub-only)" });
    expect(unexpected.requests).toEqual([]);
  });
});

describe("Slack unreachable at start", () => {
  it("the server still serves GitHub, and /readyz reports the Slack failure while staying ready", async () => {
    const fake = productionRepository("1.4.0", slackConfig(`[${OWEN}]`));
    const slack = new FakeSlack();
    slack.expect("auth.test", { unreachable: true });
    bender = await startBender({ slack: SLACK_SETTINGS }, { slackRetries: 0, now, startSlack: true });
    unexpected = watchUnexpected();

    await waitUntil(() => bender!.slack?.health() !== "not checked yet", "the token check");
    const ready = await fetch(`${bender.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as Record<string, unknown>;
    expect(body.status).toBe("ready");
    expect(body.slack).toMatch(/^Slack cannot be reached or refused the token: .*ECONNREFUSED/);
    expect(JSON.stringify(body)).not.toContain("xoxb-");

    // GitHub work goes on: a build is proposed; its message cannot be posted, and that is all.
    expectRepositoryInstallation(fake.nameWithOwner, 7);
    expectInstallationToken(7);
    fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
    const posting = slack.expect("chat.postMessage", { unreachable: true });
    const build = await postBuild(bender, { image: `${IMAGE}:1.4.1`, repositories: [fake.nameWithOwner] });

    expect(build.status).toBe(202);
    expect(fake.openPullRequests()).toHaveLength(1);
    await waitUntil(() => posting.isDone(), "the attempt to post the proposal's message");
    expect(unexpected.requests).toEqual([]);
  });
});
