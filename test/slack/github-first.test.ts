import { describe, expect, it } from "vitest";
import { decodeMetadata, withMetadata } from "../../src/proposals/metadata.js";
import { deliver, postBuild } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { expectInstallationToken } from "../support/fake-github.js";
import type { FakePullRequest, FakeRepository } from "../support/fake-github.js";
import {
  ALICE,
  BENDER_BOT,
  EXAMPLE_INSTALLATION,
  IMAGE,
  PRODUCTION_BRANCH,
  closedPullRequestPayload,
  openExistingProposal,
  productionRepository,
} from "../support/manifests.js";
import {
  CHANNEL,
  FakeSlack,
  NOW,
  OWEN,
  actionIds,
  blockActions,
  blocksOf,
  buttonValueFor,
  buttonValues,
  expectFirstAccess,
  expectResponseUrl,
  pinAction,
  sendToSlackEndpoint,
  slackConfig,
  textOf,
  waitUntil,
  slackBenderPerTest,
  withBenderLabels,
} from "../support/slack.js";

const MESSAGE_TS = "1748966400.000042";

let bender: RunningBender | undefined;
const harness = slackBenderPerTest();

async function start(slackRetries = 0): Promise<RunningBender> {
  harness.watch();
  bender = await harness.start({}, { slackRetries });
  return bender;
}

function repository(): FakeRepository {
  return withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`)));
}

/** An open proposal whose message Bender posted earlier: its place recorded in the metadata. */
function proposalWithMessage(fake: FakeRepository): FakePullRequest {
  return openExistingProposal(fake, {
    environment: "production",
    reference: `${IMAGE}:1.4.1`,
    body: (body) => {
      const decoded = decodeMetadata(body);
      if (!decoded.ok) throw new Error(decoded.reason);
      return withMetadata(body, { ...decoded.metadata, slack: { channel: CHANNEL, ts: MESSAGE_TS } });
    },
  });
}

function writes(fake: FakeRepository): number {
  return fake.requests.filter((request) => request.operation === "BenderWrite").length;
}

function recordedPlace(pullRequest: FakePullRequest | undefined): { channel: string; ts: string } | undefined {
  const decoded = decodeMetadata(pullRequest?.body);
  return decoded.ok ? decoded.metadata.slack : undefined;
}

describe("a proposal opened by a build", () => {
  it("posts one message in the environment's channel and records its place in the PR; a newer build updates the same message and says so in the thread", async () => {
    const fake = repository();
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    // The message is posted between the two documents, and its place goes into the PR with the second: no third write.
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    slack.expect("chat.postMessage");
    await start();

    expect((await postBuild(bender!, { image: `${IMAGE}:1.4.1`, repositories: [fake.nameWithOwner] })).status).toBe(202);
    const [posted] = await slack.waitFor("chat.postMessage");
    const [proposal] = fake.openPullRequests();
    await waitUntil(() => recordedPlace(proposal) !== undefined, "the message's place in the PR");

    expect(posted?.args.channel).toBe("#deploys");
    expect(posted?.args.thread_ts).toBeUndefined();
    const ts = "1748966400.000001";
    expect(recordedPlace(proposal)).toEqual({ channel: CHANNEL, ts });
    const blocks = blocksOf(posted);
    expect(blocks[0]).toMatchObject({ type: "header", text: { type: "plain_text", text: "ghcr.io/acme/api 1.4.1 for production" } });
    expect(textOf(blocks)).toContain("`1.4.0` → `1.4.1`");
    expect(textOf(blocks)).toContain(`<${proposal?.url}|Pull request #${proposal?.number}>`);
    expect(actionIds(blocks)).toEqual(["bender_pin", "bender_dismiss"]);
    const firstHead = fake.head(PRODUCTION_BRANCH);
    expect(buttonValues(blocks)).toEqual([
      { v: 1, repository: "acme/manifests", number: proposal?.number, head: firstHead, environment: "production" },
      { v: 1, repository: "acme/manifests", number: proposal?.number, head: firstHead, environment: "production" },
    ]);
    expect(posted?.args.text).toBe("ghcr.io/acme/api 1.4.0 → 1.4.1 for production: waiting for a pin");

    // A newer build supersedes the proposal: the same message is redrawn, the thread says why.
    // Three documents supersede the proposal; the rewritten body keeps the message's place, so nothing more is written.
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite", "BenderWrite");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    expect((await postBuild(bender!, { image: `${IMAGE}:1.4.2`, repositories: [fake.nameWithOwner] })).status).toBe(202);
    const [thread] = (await slack.waitFor("chat.postMessage", 2)).slice(1);
    expect(writes(fake)).toBe(5);

    const [update] = slack.of("chat.update");
    expect(update?.args).toMatchObject({ channel: CHANNEL, ts });
    const newHead = fake.head(PRODUCTION_BRANCH);
    expect(newHead).not.toBe(firstHead);
    expect(buttonValues(blocksOf(update)).map((value) => value.head)).toEqual([newHead, newHead]);
    expect(textOf(blocksOf(update))).toContain("`1.4.0` → `1.4.2`");
    expect(thread?.args).toMatchObject({ channel: CHANNEL, thread_ts: ts });
    expect(thread?.args.text).toBe(`Superseded: this proposal now pins \`${IMAGE}:1.4.2\` instead of \`${IMAGE}:1.4.1\`.`);
    expect(fake.pullRequests).toHaveLength(1);
    expect(recordedPlace(proposal)).toEqual({ channel: CHANNEL, ts });
    expect(slack.of("chat.postMessage").filter((call) => call.args.thread_ts === undefined)).toHaveLength(1);
  });

  it("Slack's 429 is honoured: the post waits Retry-After, then goes through", async () => {
    const fake = repository();
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    slack.expect("chat.postMessage", { reply: () => [429, { ok: false, error: "ratelimited" }, { "retry-after": "1" }] });
    slack.expect("chat.postMessage");
    await start(1);

    await postBuild(bender!, { image: `${IMAGE}:1.4.1`, repositories: [fake.nameWithOwner] });
    const [limited, retried] = await slack.waitFor("chat.postMessage", 2, 8000);
    const [proposal] = fake.openPullRequests();
    await waitUntil(() => recordedPlace(proposal) !== undefined, "the message's place in the PR");

    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(1000);
    expect(retried?.args).toEqual(limited?.args);
    expect(recordedPlace(proposal)?.channel).toBe(CHANNEL);
  });
});

describe("a proposal settled in GitHub updates its message", () => {
  it("merged by a person: pinned via GitHub by their login, with Unpin", async () => {
    const fake = repository();
    const proposal = proposalWithMessage(fake);
    const head = fake.head(PRODUCTION_BRANCH);
    fake.merge(proposal, { by: "alice" });
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    await start();

    expect((await deliver(bender!, "pull_request", closedPullRequestPayload(fake, proposal, { merged: true, mergedBy: ALICE }))).status).toBe(200);
    const [thread] = await slack.waitFor("chat.postMessage");

    const [update] = slack.of("chat.update");
    expect(update?.args).toMatchObject({ channel: CHANNEL, ts: MESSAGE_TS });
    expect(textOf(blocksOf(update))).toContain(`Pinned by alice via GitHub at <!date^${NOW.getTime() / 1000}^`);
    expect(actionIds(blocksOf(update))).toEqual(["bender_unpin"]);
    expect(buttonValues(blocksOf(update))[0]?.head).toBe(head);
    expect(thread?.args).toMatchObject({ channel: CHANNEL, thread_ts: MESSAGE_TS, text: expect.stringContaining("Pinned by alice via GitHub") });
  });

  it("a Slack pin that waited for checks, merged later by GitHub's auto-merge: pinned, credited to the person who pinned", async () => {
    const fake = repository();
    const proposal = proposalWithMessage(fake);
    const value = buttonValueFor(fake, proposal);
    fake.mergeRefusal = 'Required status check "ci/build" is expected.';
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest", "BenderWrite", "BenderAutoMerge");
    slack.expect("chat.update");
    slack.expect("chat.postEphemeral");
    await start();
    expect((await sendToSlackEndpoint(bender!, blockActions({ user: OWEN, actionId: pinAction, value, ts: MESSAGE_TS }))).status).toBe(200);
    await slack.waitFor("chat.postEphemeral");
    await slack.waitFor("chat.update");

    // Checks pass; GitHub merges as the App (the one that turned auto-merge on) and says so in the webhook.
    fake.mergeRefusal = undefined;
    fake.merge(proposal, { by: "bender[bot]" });
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    const payload = closedPullRequestPayload(fake, proposal, { merged: true, mergedBy: BENDER_BOT, sender: BENDER_BOT });
    (payload.pull_request as Record<string, unknown>).auto_merge = { enabled_by: BENDER_BOT, merge_method: "squash", commit_title: null, commit_message: null };
    expect((await deliver(bender!, "pull_request", payload)).status).toBe(200);
    await slack.waitFor("chat.update", 2);
    const [thread] = await slack.waitFor("chat.postMessage");

    expect(textOf(blocksOf(slack.of("chat.update")[1]))).toContain(`Pinned by <@${OWEN}> via Slack`);
    expect(thread?.args.text).toContain(`<@${OWEN}>`);
  });

  it("merged by Bender itself without auto-merge (its own pin, already drawn): no second redraw", async () => {
    const fake = repository();
    const proposal = proposalWithMessage(fake);
    fake.merge(proposal, { by: "bender[bot]" });
    await start();

    expect((await deliver(bender!, "pull_request", closedPullRequestPayload(fake, proposal, { merged: true, mergedBy: BENDER_BOT, sender: BENDER_BOT }))).status).toBe(200);
    expect(bender!.emitted).toEqual([]);
  });

  it("closed unmerged: dismissed, by the person who closed it", async () => {
    const fake = repository();
    const proposal = proposalWithMessage(fake);
    proposal.state = "CLOSED";
    const payload = closedPullRequestPayload(fake, proposal, { merged: false, sender: ALICE });
    const slack = new FakeSlack();
    expectInstallationToken(EXAMPLE_INSTALLATION);
    fake.expectDeleteBranch(PRODUCTION_BRANCH);
    expectFirstAccess(fake);
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    await start();

    expect((await deliver(bender!, "pull_request", payload)).status).toBe(200);
    await slack.waitFor("chat.postMessage");

    const blocks = blocksOf(slack.of("chat.update")[0]);
    expect(textOf(blocks)).toContain("Dismissed by alice via GitHub");
    expect(actionIds(blocks)).toEqual([]);
    expect(fake.branches.has(PRODUCTION_BRANCH)).toBe(false);
  });

  it("reverted with GitHub's Revert button and the revert merged: unpinned, back to the previous version", async () => {
    const fake = repository();
    const proposal = proposalWithMessage(fake);
    fake.merge(proposal, { by: "alice" });
    const revert = fake.openPullRequest(`revert-${proposal.number}-${PRODUCTION_BRANCH}`, { "clusters/prod/api.yaml": fake.file("clusters/prod/api.yaml")!.replace("1.4.1", "1.4.0") }, `Revert "${proposal.title}"`, "Reverts acme/manifests#1");
    fake.merge(revert, { by: "alice" });
    const slack = new FakeSlack();
    expectInstallationToken(EXAMPLE_INSTALLATION);
    fake.expectGetPullRequest(proposal.number);
    expectFirstAccess(fake);
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    await start();

    expect((await deliver(bender!, "pull_request", closedPullRequestPayload(fake, revert, { merged: true, mergedBy: ALICE }))).status).toBe(200);
    const [thread] = await slack.waitFor("chat.postMessage");

    const [update] = slack.of("chat.update");
    expect(update?.args).toMatchObject({ channel: CHANNEL, ts: MESSAGE_TS });
    expect(textOf(blocksOf(update))).toContain("Unpinned by alice at");
    expect(textOf(blocksOf(update))).toContain("back to `ghcr.io/acme/api:1.4.0`");
    expect(actionIds(blocksOf(update))).toEqual([]);
    expect(thread?.args.text).toContain("the environment is held at `ghcr.io/acme/api:1.4.0` until someone pins again.");
  });
});

describe("a failed chat.update does not lose the outcome", () => {
  it("Slack answers 500 to the redraw after a Pin: the PR is still merged, the person is told, and the next event redraws the message", async () => {
    const fake = repository();
    const proposal = proposalWithMessage(fake);
    const value = buttonValueFor(fake, proposal);
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest", "BenderWrite");
    slack.expect("chat.update", { reply: () => [500, "upstream connect error"] });
    const responseUrl = "https://hooks.slack.com/actions/T0ACME0001/redraw/response";
    const told = expectResponseUrl(responseUrl);
    await start();

    const click = blockActions({ user: OWEN, actionId: pinAction, value, ts: MESSAGE_TS, responseUrl });
    expect((await sendToSlackEndpoint(bender!, click)).status).toBe(200);
    await waitUntil(() => told.bodies.length === 1, "the person told");
    expect(proposal.state).toBe("MERGED");
    expect(slack.of("chat.update")).toHaveLength(1);
    expect(told.bodies[0]).toMatchObject({ response_type: "ephemeral", replace_original: false });
    expect(told.bodies[0]?.text).toContain("Bender could not reach Slack to finish");
    expect(told.bodies[0]?.text).toContain(`Check the pull request before you press again: https://github.com/acme/manifests/pull/${proposal.number}`);

    // The next event on the message (a click on the stale Pin) draws it from GitHub: pinned, by Owen, via Slack.
    fake.expectGraphql("BenderPullRequest");
    slack.expect("chat.update");
    slack.expect("chat.postEphemeral");
    expect((await sendToSlackEndpoint(bender!, blockActions({ user: OWEN, actionId: pinAction, value, ts: MESSAGE_TS }))).status).toBe(200);
    await slack.waitFor("chat.postEphemeral");
    await slack.waitFor("chat.update", 2);

    const redrawn = blocksOf(slack.of("chat.update")[1]);
    expect(textOf(redrawn)).toContain(`Pinned by <@${OWEN}> via Slack`);
    expect(actionIds(redrawn)).toEqual(["bender_unpin"]);
    expect(fake.mergedPullRequests()).toEqual([proposal]);
  });
});
