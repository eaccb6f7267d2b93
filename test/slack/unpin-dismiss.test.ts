import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { decodeMetadata } from "../../src/proposals/metadata.js";
import { postBuild } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import type { FakePullRequest, FakeRepository } from "../support/fake-github.js";
import { IMAGE, PRODUCTION_BRANCH, deployment, openExistingProposal, productionRepository } from "../support/manifests.js";
import {
  CHANNEL,
  FakeSlack,
  NOW,
  OWEN,
  actionIds,
  blockActions,
  blocksOf,
  buttonValueFor,
  dismissAction,
  expectFirstAccess,
  pinAction,
  sendToSlackEndpoint,
  slackConfig,
  textOf,
  unpinAction,
  viewSubmission,
  waitUntil,
  slackBenderPerTest,
  withBenderLabels,
} from "../support/slack.js";

const MESSAGE_TS = "1748966400.000001";
const AUTO_PIN = "    autoPin: true\n";

let bender: RunningBender | undefined;
const harness = slackBenderPerTest();

async function start(): Promise<RunningBender> {
  harness.watch();
  bender = await harness.start();
  return bender;
}

async function send(body: string): Promise<void> {
  expect((await sendToSlackEndpoint(bender!, body)).status).toBe(200);
}

/** A proposal for `tag` opened and pinned from Slack by Owen, as Bender would have merged it. */
function pinnedProposal(fake: FakeRepository, tag: string): FakePullRequest {
  const proposal = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:${tag}` });
  fake.merge(proposal, { body: `Pinned-by: <@${OWEN}> (Slack)`, expectedHeadOid: fake.head(PRODUCTION_BRANCH) });
  return proposal;
}

/** The private metadata Bender puts in the unpin modal. */
function modalMetadata(fake: FakeRepository, pullRequest: FakePullRequest): string {
  return JSON.stringify({ value: buttonValueFor(fake, pullRequest), channel: CHANNEL, ts: MESSAGE_TS });
}

describe("Dismiss", () => {
  it("closes the PR and deletes its branch in one request; the message says who dismissed it", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`)));
    const proposal = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest", "BenderClose");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    await start();

    await send(blockActions({ user: OWEN, actionId: dismissAction, value: buttonValueFor(fake, proposal), ts: MESSAGE_TS }));
    const [reply] = await slack.waitFor("chat.postMessage");

    expect(proposal.state).toBe("CLOSED");
    expect(fake.branches.has(PRODUCTION_BRANCH)).toBe(false);
    expect(fake.operations()).toEqual(["BenderConfig", "BenderPullRequest", "BenderClose"]);
    const blocks = blocksOf(slack.of("chat.update")[0]);
    expect(textOf(blocks)).toContain(`Dismissed by <@${OWEN}> via Slack at <!date^${NOW.getTime() / 1000}^`);
    expect(actionIds(blocks)).toEqual([]);
    expect(reply?.args).toMatchObject({ channel: CHANNEL, thread_ts: MESSAGE_TS, text: expect.stringContaining(`Dismissed by <@${OWEN}>`) });
  });
});

describe("Unpin", () => {
  it("asks why in a modal, then restores the previous values and holds the image in one merged commit; a later build is held, and pinning it releases the hold", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`, AUTO_PIN)));
    const pinned = pinnedProposal(fake, "1.4.1");
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.1`));
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    slack.expect("views.open");
    await start();

    // 1. The Unpin button opens the modal, carrying the button and the message's place.
    await send(blockActions({ user: OWEN, actionId: unpinAction, value: buttonValueFor(fake, pinned), ts: MESSAGE_TS }));
    const [opened] = await slack.waitFor("views.open");
    const view = opened?.args.view as { callback_id: string; private_metadata: string; blocks: { type: string; block_id: string; optional: boolean; element: { action_id: string } }[] };
    expect(opened?.args.trigger_id).toMatch(/\.trigger$/);
    expect(view.callback_id).toBe("bender_unpin_modal");
    expect(view.blocks).toEqual([expect.objectContaining({ type: "input", block_id: "reason", optional: true, element: expect.objectContaining({ action_id: "reason_input" }) })]);
    expect(JSON.parse(view.private_metadata)).toEqual({ value: buttonValueFor(fake, pinned), channel: CHANNEL, ts: MESSAGE_TS });

    // 2. Submitted with a reason: one PR, created and merged at once.
    const mainBefore = fake.head();
    fake.expectGraphql("BenderPullRequest", "BenderUnpinRead", "BenderWrite", "BenderWrite");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    await send(viewSubmission({ user: OWEN, privateMetadata: view.private_metadata, reason: "p99 latency doubled" }));
    const [threadLine] = await slack.waitFor("chat.postMessage");

    const unpin = fake.pullRequests.find((pullRequest) => pullRequest.headRefName.startsWith("bender-unpin/"));
    expect(unpin?.headRefName).toMatch(/^bender-unpin\/production\/ghcr\.io-acme-api-[0-9a-f]{8}$/);
    expect(unpin?.state).toBe("MERGED");
    expect(unpin?.labels).toEqual(["bender", "bender/production"]);
    expect(unpin?.mergeCommitBody).toBe(`Unpinned-by: <@${OWEN}> (Slack)`);
    expect(decodeMetadata(unpin?.body)).toMatchObject({ ok: true, metadata: { kind: "unpin", unpins: pinned.number, version: "1.4.0", environment: "production" } });
    // The previous value is back on main, and the hold is written beside it, in the same commit.
    const hold = { environment: "production", repository: IMAGE, version: "1.4.0", by: `<@${OWEN}>`, at: NOW.toISOString(), reason: "p99 latency doubled" };
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.0`));
    expect(parse(fake.file(".bender/holds.yml") ?? "")).toEqual({ holds: [hold] });
    const unpinCommit = fake.head(unpin!.headRefName);
    expect(fake.parentOf(unpinCommit)).toBe(mainBefore);
    expect(fileAt(fake, unpinCommit, "clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.0`));
    expect(parse(fileAt(fake, unpinCommit, ".bender/holds.yml") ?? "")).toEqual({ holds: [hold] });
    expect(pinned.state).toBe("MERGED");

    const unpinned = blocksOf(slack.of("chat.update")[0]);
    expect(slack.of("chat.update")[0]?.args).toMatchObject({ channel: CHANNEL, ts: MESSAGE_TS });
    expect(textOf(unpinned)).toContain(`Unpinned by <@${OWEN}> at <!date^${NOW.getTime() / 1000}^`);
    expect(textOf(unpinned)).toContain("back to `1.4.0`; the environment is held there until someone pins again. Reason: p99 latency doubled");
    expect(actionIds(unpinned)).toEqual([]);
    expect(threadLine?.args).toMatchObject({ channel: CHANNEL, thread_ts: MESSAGE_TS });
    expect(threadLine?.args.text).toContain("the environment is held at `1.4.0` until someone pins again.");

    // 3. A later build for (production, api) is proposed but not pinned automatically, and says it is held.
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    slack.expect("chat.postMessage");
    const build = await postBuild(bender!, { image: `${IMAGE}:1.4.2`, repositories: [fake.nameWithOwner] });
    expect(build.proposals).toEqual([expect.objectContaining({ action: "opened", pinned: false, detail: expect.stringContaining("not pinned automatically: held at 1.4.0") })]);
    const [held] = fake.openPullRequests();
    expect(held?.headRefName).toBe(PRODUCTION_BRANCH);
    expect(held?.body).toMatch(/- Held: held at 1\\\.4\\\.0 by /);
    expect(held?.body).toContain("Pinning releases the hold");
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.0`));
    const posted = (await slack.waitFor("chat.postMessage", 2))[1];
    expect(posted?.args.channel).toBe("#deploys");
    expect(textOf(blocksOf(posted))).toContain("Automation will not pin this: held at 1.4.0");
    expect(actionIds(blocksOf(posted))).toEqual(["bender_pin", "bender_dismiss"]);
    await waitForRecorded(held!);

    // 4. A person pins the held proposal: the proposal's own commit removes the hold.
    fake.expectGraphql("BenderPullRequest", "BenderWrite");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    const location = decodeMetadata(held!.body);
    const heldTs = location.ok ? location.metadata.slack?.ts ?? "" : "";
    await send(blockActions({ user: OWEN, actionId: pinAction, value: buttonValueFor(fake, held!), ts: heldTs }));
    await slack.waitFor("chat.postMessage", 3);

    expect(held?.state).toBe("MERGED");
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.2`));
    expect(parse(fake.file(".bender/holds.yml") ?? "")).toEqual({ holds: [] });
  });

  it("of an older pin, when a later pin of the same image exists, redraws the message as superseded by that pin and changes nothing", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`)));
    const older = pinnedProposal(fake, "1.4.1");
    const later = pinnedProposal(fake, "1.4.2");
    const mainBefore = fake.head();
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest", "BenderUnpinRead");
    slack.expect("chat.update");
    slack.expect("chat.postEphemeral");
    await start();

    await send(viewSubmission({ user: OWEN, privateMetadata: modalMetadata(fake, older), reason: null }));
    const [told] = await slack.waitFor("chat.postEphemeral");
    await slack.waitFor("chat.update");

    expect(fake.head()).toBe(mainBefore);
    expect(fake.pullRequests.filter((pullRequest) => pullRequest.headRefName.startsWith("bender-unpin/"))).toEqual([]);
    const blocks = blocksOf(slack.of("chat.update")[0]);
    expect(textOf(blocks)).toContain(`Superseded by a later pin (<${later.url}|#${later.number}>).`);
    expect(actionIds(blocks)).toEqual([]);
    expect(told?.args.text).toContain(`only the latest pin of ${IMAGE} in production can be unpinned: #${later.number}`);
  });
});

/** Waits until the notifier recorded the message's place in the PR's metadata. */
async function waitForRecorded(pullRequest: FakePullRequest): Promise<void> {
  await waitUntil(() => {
    const decoded = decodeMetadata(pullRequest.body);
    return decoded.ok && decoded.metadata.slack !== undefined;
  }, "the message's place in the PR metadata");
}

function fileAt(fake: FakeRepository, commit: string, path: string): string | undefined {
  return fake.commits.get(commit)?.files.get(path);
}
