/**
 * Two replicas as deploy/kubernetes ships them (replicas: 2, no REDIS_URL)
 * against one fake GitHub: the same build delivered to both ends in one PR,
 * and the same Pin click delivered to both ends in one merge. GitHub's
 * compare-and-swap (expected head oids, one branch name per proposal) settles
 * the races; nothing is shared between the replicas.
 */
import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { postBuild, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { API } from "../support/fake-github.js";
import { IMAGE, PRODUCTION_BRANCH, deployment, openExistingProposal, productionRepository } from "../support/manifests.js";
import { FakeSlack, OWEN, SLACK_SETTINGS, blockActions, buttonValueFor, now, pinAction, sendToSlackEndpoint, slackConfig, waitUntil, withBenderLabels } from "../support/slack.js";

/** The Slack message the click comes from. */
const MESSAGE_TS = "1748966400.000001";

const replicas: RunningBender[] = [];
afterEach(async () => {
  for (const replica of replicas.splice(0)) await replica.close();
});

function serveInstallation(): void {
  nock(API).persist().get("/repos/acme/manifests/installation").reply(200, { id: 7 });
  nock(API)
    .persist()
    .post("/app/installations/7/access_tokens")
    .reply(201, { token: "ghs_replica", expires_at: new Date(Date.now() + 3_600_000).toISOString() });
}

describe("two replicas without shared state", () => {
  it("the same build delivered to both makes one PR", async () => {
    const fake = productionRepository();
    serveInstallation();
    fake.serveGraphql("BenderConfig", "BenderReadState", "BenderWrite");
    replicas.push(await startBender(), await startBender());
    const [a, b] = replicas as [RunningBender, RunningBender];

    const build = { image: `${IMAGE}:1.4.1`, repositories: ["acme/manifests"] };
    const answers = await Promise.all([postBuild(a, build, { settle: false }), postBuild(b, build, { settle: false })]);
    expect(answers.map((answer) => answer.status)).toEqual([202, 202]);
    await Promise.all([a.queue.idle(), b.queue.idle()]);

    // Both did the work (each read the repository's state); one opened the PR, the other's write lost the race.
    expect(fake.requests.filter((request) => request.operation === "BenderReadState").length).toBeGreaterThanOrEqual(2);
    expect([...a.emitted, ...b.emitted].filter((event) => event.type === "proposal.opened")).toHaveLength(1);
    expect(fake.openPullRequests().map((pullRequest) => pullRequest.headRefName)).toEqual([PRODUCTION_BRANCH]);
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.4.1`));
    expect([...fake.branches.keys()].filter((branch) => branch.startsWith("bender-tmp/"))).toEqual([]);
  });

  it("the same Pin click delivered to both makes one merge", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`)));
    const proposal = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
    serveInstallation();
    fake.serveGraphql("BenderConfig", "BenderPullRequest", "BenderWrite");
    const slack = new FakeSlack();
    for (const method of ["chat.update", "chat.postMessage"]) slack.allow(method);
    slack.allow("chat.postEphemeral", { optional: true });
    const settings = { slack: SLACK_SETTINGS };
    replicas.push(await startBender(settings, { slackRetries: 0, now }), await startBender(settings, { slackRetries: 0, now }));
    const [a, b] = replicas as [RunningBender, RunningBender];

    const click = blockActions({ user: OWEN, actionId: pinAction, value: buttonValueFor(fake, proposal), ts: MESSAGE_TS });
    const answers = await Promise.all([sendToSlackEndpoint(a, click), sendToSlackEndpoint(b, click)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    await waitUntil(() => proposal.state === "MERGED" && slack.of("chat.postMessage").length >= 1, "the merge and its thread reply");
    // Both replicas' work ends (the loser is told it is done already, or redraws): give it a moment, then count.
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(fake.mergedPullRequests().map((pullRequest) => pullRequest.number)).toEqual([proposal.number]);
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.1`));
    // Both read the PR; the one that did not merge told the person it was done already.
    expect(fake.requests.filter((request) => request.operation === "BenderPullRequest").length).toBeGreaterThanOrEqual(2);
    expect(slack.of("chat.postEphemeral").map((call) => String(call.args.text))).toEqual([expect.stringMatching(/^Nothing to do: this proposal was already pinned by <@U0OWEN0001>/)]);
    expect(slack.of("chat.postMessage").filter((call) => String(call.args.text).includes("Pinned by"))).toHaveLength(1);
  });
});
