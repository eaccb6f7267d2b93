import { describe, expect, it } from "vitest";
import { approvalCommentBody } from "../../src/proposals/approval-comments.js";
import { decodeMetadata, withMetadata } from "../../src/proposals/metadata.js";
import { postBuild, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import type { FakePullRequest, FakeRepository } from "../support/fake-github.js";
import { IMAGE, PRODUCTION_BRANCH, openExistingProposal, productionRepository } from "../support/manifests.js";
import {
  CHANNEL,
  FakeSlack,
  NOW,
  OWEN,
  PRIYA,
  SLACK_SETTINGS,
  blockActions,
  blocksOf,
  buttonValueFor,
  buttonValues,
  expectFirstAccess,
  expectResponseUrl,
  pinAction,
  sendToSlackEndpoint,
  slackBenderPerTest,
  slashCommand,
  slackConfig,
  textOf,
  waitUntil,
  withBenderLabels,
} from "../support/slack.js";

/** A third approver. */
const CAROL = "U0CAROL001";
const MESSAGE_TS = "1748966400.000042";
const HOUR = 3_600_000;

let clock = NOW;
let bender: RunningBender | undefined;
const harness = slackBenderPerTest();

const TWO_OF_THREE = "    approvals: 2\n    approvalsExpireAfter: 24h\n";

/** Production needs `extra`'s approvals from Owen, Priya and Carol; one open proposal whose message Bender posted, built by `author`. */
function setUp(extra = TWO_OF_THREE, options: { author?: string; top?: string } = {}): { fake: FakeRepository; proposal: FakePullRequest; slack: FakeSlack } {
  clock = NOW;
  const fake = withBenderLabels(productionRepository("1.4.0", `${slackConfig(`[${OWEN}, ${PRIYA}, ${CAROL}]`, extra)}${options.top ?? ""}`));
  const proposal = openExistingProposal(fake, {
    environment: "production",
    reference: `${IMAGE}:1.4.1`,
    body: (body) => {
      const decoded = decodeMetadata(body);
      if (!decoded.ok || decoded.metadata.kind !== "proposal") throw new Error("no metadata");
      const source = options.author === undefined ? {} : { source: { author: options.author } };
      return withMetadata(body, { ...decoded.metadata, ...source, slack: { channel: CHANNEL, ts: MESSAGE_TS } });
    },
  });
  harness.watch();
  return { fake, proposal, slack: new FakeSlack() };
}

async function start(settings: { manifestRepositories?: string[] } = {}): Promise<RunningBender> {
  bender = await harness.start(settings, { now: () => clock });
  return bender;
}

async function click(user: string, value: string, target: RunningBender = bender!): Promise<void> {
  expect((await sendToSlackEndpoint(target, blockActions({ user, actionId: pinAction, value, ts: MESSAGE_TS }))).status).toBe(200);
}

/** The approvals Bender recorded in the PR, as its hidden blocks say (who, for which commit). */
function recorded(proposal: FakePullRequest): { by: string; build: string; at: string }[] {
  return proposal.comments.flatMap((body) => {
    const json = /<!-- bender:approval\n(?<json>.*)\n-->/.exec(body)?.groups?.json;
    return json === undefined ? [] : [JSON.parse(json) as { by: string; build: string; at: string }];
  });
}

describe("N-of-M approvals", () => {
  it("2 of 3 with one expired: each Pin is a PR comment; an approval 25 h old no longer counts; the third approver's Pin merges with every counted approver in the trailers", async () => {
    const { fake, proposal, slack } = setUp();
    const head = fake.head(PRODUCTION_BRANCH);
    const value = buttonValueFor(fake, proposal);
    expectFirstAccess(fake);

    // 1. Owen at t: one read (PR, comments, freezes), one comment written and read back; the message shows 1 of 2,
    // then the PR is read once more (another replica may have merged it meanwhile).
    fake.expectGraphql("BenderPullRequest", "BenderApprove", "BenderPullRequest");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    slack.expect("chat.postEphemeral");
    await start();
    await click(OWEN, value);
    const [told] = await slack.waitFor("chat.postEphemeral");
    expect(told?.args).toMatchObject({ channel: CHANNEL, user: OWEN });
    expect(told?.args.text).toBe(`Your approval is recorded (1 of 2: <@${OWEN}>). The pull request merges on approval 2 of 2.`);
    const [redrawn] = await slack.waitFor("chat.update");
    expect(redrawn?.args.ts).toBe(MESSAGE_TS);
    expect(textOf(blocksOf(redrawn))).toContain(`Approvals: 1 of 2: <@${OWEN}>. May still approve: <@${PRIYA}>, <@${CAROL}>.`);
    expect(buttonValues(blocksOf(redrawn)).map((button) => button.head)).toEqual([head, head]);
    const [thread] = await slack.waitFor("chat.postMessage");
    expect(thread?.args).toMatchObject({ channel: CHANNEL, thread_ts: MESSAGE_TS, text: `<@${OWEN}> approved: 1 of 2: <@${OWEN}>.` });
    expect(proposal.state).toBe("OPEN");
    expect(recorded(proposal)).toEqual([{ bender: 1, kind: "approval", by: OWEN, at: NOW.toISOString(), build: head }]);
    expect(proposal.comments[0]).toMatch(/^Approved from Slack by Slack user U0OWEN0001 for commit [0-9a-f]{7} \(1 of 2 U0OWEN0001\)\.$/m);

    // A person pasting an approval block into a comment of their own is not an approval (only the App's comments count).
    fake.comment(proposal, approvalCommentBody({ by: CAROL, at: NOW.getTime() + 25 * HOUR, build: head }, "1 of 2"), "mallory");

    // 2. Priya 25 h later: Owen's approval expired (24 h), so hers is the only one that counts: still 1 of 2.
    clock = new Date(NOW.getTime() + 25 * HOUR);
    fake.expectGraphql("BenderPullRequest", "BenderApprove", "BenderPullRequest");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    slack.expect("chat.postEphemeral");
    await click(PRIYA, value);
    await slack.waitFor("chat.postEphemeral", 2);
    expect(slack.of("chat.postEphemeral")[1]?.args.text).toBe(`Your approval is recorded (1 of 2: <@${PRIYA}>). The pull request merges on approval 2 of 2.`);
    await slack.waitFor("chat.update", 2);
    expect(textOf(blocksOf(slack.of("chat.update")[1]))).toContain(`Approvals: 1 of 2: <@${PRIYA}>. May still approve: <@${OWEN}>, <@${CAROL}>.`);
    expect(proposal.state).toBe("OPEN");

    // 3. Carol a minute later: 2 of 2, merged with the drawn head; the merge commit names who pinned and each counted approver.
    clock = new Date(NOW.getTime() + 25 * HOUR + 60_000);
    fake.expectGraphql("BenderPullRequest", "BenderApprove", "BenderWrite");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    await click(CAROL, value);
    await slack.waitFor("chat.postMessage", 3);
    expect(proposal.state).toBe("MERGED");
    expect(proposal.mergedWithExpectedHead).toBe(head);
    expect(proposal.mergeCommitBody).toBe(
      [
        `Pinned-by: <@${CAROL}> (Slack)`,
        `Approved-by: <@${PRIYA}> (Slack) at ${new Date(NOW.getTime() + 25 * HOUR).toISOString()}`,
        `Approved-by: <@${CAROL}> (Slack) at ${clock.toISOString()}`,
      ].join("\n"),
    );
    // The App's three comments, and mallory's paste (second) that never counted: with it, Priya's Pin would have merged.
    expect(recorded(proposal).map((approval) => approval.by)).toEqual([OWEN, CAROL, PRIYA, CAROL]);
    expect(proposal.commentedBy).toEqual(["bender[bot]", "mallory", "bender[bot]", "bender[bot]"]);
    const pinnedLine = slack.of("chat.postMessage")[2]?.args.text;
    expect(pinnedLine).toMatch(new RegExp(`^Pinned by <@${CAROL}> via Slack at .*\\. Approved by <@${PRIYA}> and <@${CAROL}>\\.$`));
    expect(textOf(blocksOf(slack.of("chat.update")[2]))).toContain(`Pinned by <@${CAROL}>`);
    // Three clicks: three reads, three comments, one merge, and a read after each "1 of 2" drawn; nothing else went to GitHub.
    expect(fake.operations().filter((operation) => operation !== "BenderConfig" && !String(operation).startsWith("GET") && !String(operation).startsWith("POST"))).toEqual([
      "BenderPullRequest",
      "BenderApprove",
      "BenderPullRequest",
      "BenderPullRequest",
      "BenderApprove",
      "BenderPullRequest",
      "BenderPullRequest",
      "BenderApprove",
      "BenderWrite",
    ]);
  });

  it("a new proposal's message says how many approvals it needs and who may give them", async () => {
    clock = NOW;
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}, ${PRIYA}, ${CAROL}]`, TWO_OF_THREE)));
    harness.watch();
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    slack.expect("chat.postMessage");
    await start();
    await postBuild(bender!, { image: `${IMAGE}:1.4.1`, repositories: [fake.nameWithOwner] });
    const [posted] = await slack.waitFor("chat.postMessage");
    expect(textOf(blocksOf(posted))).toContain(`Approvals: 0 of 2. May still approve: <@${OWEN}>, <@${PRIYA}>, <@${CAROL}>.`);
  });

  it("the Nth approval while checks are pending turns on auto-merge with the approvers' trailers in the merge commit's body", async () => {
    const { fake, proposal, slack } = setUp();
    const head = fake.head(PRODUCTION_BRANCH);
    fake.comment(proposal, approvalCommentBody({ by: PRIYA, at: NOW.getTime() - HOUR, build: head }, "1 of 2"), fake.viewerLogin);
    fake.mergeRefusal = "Required status check \"build\" is expected.";
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest", "BenderApprove", "BenderWrite", "BenderAutoMerge");
    slack.expect("chat.update");
    slack.expect("chat.postEphemeral");
    await start();
    await click(OWEN, buttonValueFor(fake, proposal));
    await slack.waitFor("chat.postEphemeral");
    expect(proposal.state).toBe("OPEN");
    expect(proposal.autoMerge).toEqual({
      expectedHeadOid: head,
      mergeMethod: "SQUASH",
      enabledAt: fake.time,
      commitHeadline: `Pin ${IMAGE}:1.4.1 to production`,
      commitBody: [
        `Pinned-by: <@${OWEN}> (Slack)`,
        `Approved-by: <@${PRIYA}> (Slack) at ${new Date(NOW.getTime() - HOUR).toISOString()}`,
        `Approved-by: <@${OWEN}> (Slack) at ${NOW.toISOString()}`,
      ].join("\n"),
    });
  });

  it("a second Pin by the same approver is refused without a second comment", async () => {
    const { fake, proposal, slack } = setUp();
    const value = buttonValueFor(fake, proposal);
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest", "BenderApprove", "BenderPullRequest", "BenderPullRequest");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    slack.expect("chat.postEphemeral", { times: 2 });
    await start();
    await click(OWEN, value);
    await slack.waitFor("chat.postEphemeral");
    await click(OWEN, value);
    const [, again] = await slack.waitFor("chat.postEphemeral", 2);
    expect(again?.args.text).toBe(`You already approved this build (1 of 2: <@${OWEN}>); another approver must press Pin. Nothing changed.`);
    expect(recorded(proposal)).toHaveLength(1);
    expect(proposal.state).toBe("OPEN");
  });

  it("an approval GitHub refuses to record is told as refused, and nothing is merged", async () => {
    const { fake, proposal, slack } = setUp();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest", {
      operation: "BenderApprove",
      // What GitHub answers when the App may not comment (its permissions were narrowed).
      reply: () => [200, { data: { addComment: null }, errors: [{ type: "FORBIDDEN", path: ["addComment"], message: "Resource not accessible by integration" }] }],
    });
    slack.expect("chat.postEphemeral");
    await start();
    await click(OWEN, buttonValueFor(fake, proposal));
    const [told] = await slack.waitFor("chat.postEphemeral");
    expect(told?.args.text).toContain("Resource not accessible by integration");
    expect(proposal.state).toBe("OPEN");
    expect(proposal.comments).toEqual([]);
  });

  it("self-approval is refused: the build's author (its GitHub login, mapped to Slack in githubLogins) cannot approve it; an unmapped author cannot be told apart, so an unmapped approver is refused too", async () => {
    const { fake, proposal, slack } = setUp(TWO_OF_THREE, { author: "carol-gh", top: `githubLogins:\n  ${CAROL}: Carol-GH\n  ${OWEN}: owen\n` });
    const value = buttonValueFor(fake, proposal);
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest");
    slack.expect("chat.postEphemeral");
    await start();

    await click(CAROL, value);
    const [refused] = await slack.waitFor("chat.postEphemeral");
    expect(refused?.args.text).toBe("Not approved: you built this (the build names you as its author), so someone else must approve it. Nothing changed.");
    expect(proposal.comments).toEqual([]);
    expect(proposal.state).toBe("OPEN");
  });

  it("an approver whom githubLogins does not name cannot approve a build whose author it does not name either; one it names can", async () => {
    const { fake, proposal, slack } = setUp(TWO_OF_THREE, { author: "dave", top: `githubLogins:\n  ${OWEN}: owen\n` });
    const value = buttonValueFor(fake, proposal);
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest", "BenderPullRequest", "BenderApprove", "BenderPullRequest");
    slack.expect("chat.postEphemeral", { times: 2 });
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    await start();

    await click(PRIYA, value);
    const [refused] = await slack.waitFor("chat.postEphemeral");
    expect(refused?.args.text).toContain("Not approved: This build names dave (GitHub) as its author, and the config does not say who that is in Slack");
    expect(refused?.args.text).toContain("`githubLogins`");
    expect(proposal.comments).toEqual([]);

    await click(OWEN, value);
    await slack.waitFor("chat.postEphemeral", 2);
    expect(recorded(proposal).map((approval) => approval.by)).toEqual([OWEN]);
  });

  it("a superseding build resets the approvals: the redrawn message and the thread say so, and the earlier approver may approve the new build", async () => {
    const { fake, proposal, slack } = setUp();
    const first = fake.head(PRODUCTION_BRANCH);
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest", "BenderApprove", "BenderPullRequest");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    slack.expect("chat.postEphemeral");
    await start();
    await click(OWEN, buttonValueFor(fake, proposal));
    await slack.waitFor("chat.postEphemeral");

    // A newer build supersedes the proposal: the message is redrawn from the PR's comments (one read).
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite", "BenderWrite", "BenderPullRequest");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    await postBuild(bender!, { image: `${IMAGE}:1.4.2`, repositories: [fake.nameWithOwner] });
    const second = fake.head(PRODUCTION_BRANCH);
    expect(second).not.toBe(first);
    await slack.waitFor("chat.update", 2);
    const redrawn = slack.of("chat.update")[1];
    expect(textOf(blocksOf(redrawn))).toContain(`A newer build replaced the one approved: approvals start again. Approvals: 0 of 2. May still approve: <@${OWEN}>, <@${PRIYA}>, <@${CAROL}>.`);
    expect(buttonValues(blocksOf(redrawn)).map((button) => button.head)).toEqual([second, second]);
    const [, superseded] = await slack.waitFor("chat.postMessage", 2);
    expect(superseded?.args.text).toBe(`Superseded: this proposal now pins \`${IMAGE}:1.4.2\` instead of \`${IMAGE}:1.4.1\`. Earlier approvals were for the replaced build: approvals start again.`);

    // Owen's approval was for the replaced build: his Pin on the new message counts again (1 of 2), not "already approved".
    fake.expectGraphql("BenderPullRequest", "BenderApprove", "BenderPullRequest");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    slack.expect("chat.postEphemeral");
    await click(OWEN, buttonValueFor(fake, proposal));
    const [, told] = await slack.waitFor("chat.postEphemeral", 2);
    expect(told?.args.text).toBe(`Your approval is recorded (1 of 2: <@${OWEN}>). The pull request merges on approval 2 of 2.`);
    expect(recorded(proposal).map((approval) => approval.build)).toEqual([first, second]);
    expect(proposal.state).toBe("OPEN");
  });

  it("two replicas and double clicks give exactly one merge, and no approval is lost", async () => {
    const { fake, proposal } = setUp();
    const slack = new FakeSlack();
    const mainBefore = fake.head();
    const value = buttonValueFor(fake, proposal);
    // Each replica finds the installation, takes a token and reads the config once.
    expectFirstAccess(fake);
    expectFirstAccess(fake);
    // Every click reads before any comment is written (comments are held back 40 ms), so each decides "1 of 2"
    // from what it read; only the comment read back with the write can see the other approver's. Merges interleave at random.
    fake.serveAllGraphql((operation) => (operation === "BenderApprove" ? 40 : operation === "BenderWrite" ? Math.floor(Math.random() * 15) : 0));
    slack.allow("chat.update");
    slack.allow("chat.postMessage");
    slack.allow("chat.postEphemeral");
    const first = await start();
    const second = await startBender({ slack: SLACK_SETTINGS }, { slackRetries: 0, now: () => clock });
    try {
      // Owen double-clicks on the first replica and once more on the second; Priya clicks on the second.
      await Promise.all([click(OWEN, value, first), click(OWEN, value, first), click(OWEN, value, second), click(PRIYA, value, second)]);
      await waitUntil(() => slack.of("chat.postEphemeral").length + slack.of("chat.postMessage").filter((call) => /^Pinned by/.test(String(call.args.text))).length >= 4, "every click answered");
      await waitUntil(() => proposal.state === "MERGED", "the merge");
    } finally {
      await second.close();
    }
    expect(fake.mergedPullRequests()).toEqual([proposal]);
    // One merge commit on main, on top of where it was.
    expect(fake.parentOf(fake.head())).toBe(mainBefore);
    expect(fake.commits.get(fake.head())?.message).toBe(`Pin ${IMAGE}:1.4.1 to production`);
    // Both approvers are in the merge commit: no approval was lost to the race.
    const trailers = (proposal.mergeCommitBody ?? "").split("\n").filter((line) => line.startsWith("Approved-by:"));
    expect(trailers.map((line) => /<@(?<user>\w+)>/.exec(line)?.groups?.user).sort()).toEqual([OWEN, PRIYA].sort());
    // Nobody was told GitHub refused anything.
    expect(JSON.stringify(slack.of("chat.postEphemeral"))).not.toContain("GitHub refused");
  });

  it("/bender status shows each open proposal's pending approvals, read in the status query itself", async () => {
    const { fake, proposal } = setUp();
    // An approval Bender recorded earlier (the App's own comment), and one for a build since replaced.
    fake.comment(proposal, approvalCommentBody({ by: PRIYA, at: NOW.getTime() - HOUR, build: fake.head(PRODUCTION_BRANCH) }, "1 of 2"), fake.viewerLogin);
    fake.comment(proposal, approvalCommentBody({ by: CAROL, at: NOW.getTime() - HOUR, build: "0".repeat(40) }, "1 of 2"), fake.viewerLogin);
    expectFirstAccess(fake);
    fake.expectGraphql("BenderStatus");
    await start({ manifestRepositories: [fake.nameWithOwner] });
    const answer = expectResponseUrl("https://hooks.slack.com/commands/T0ACME0001/1/answer");
    expect((await sendToSlackEndpoint(bender!, slashCommand({ user: OWEN, text: "status production", responseUrl: "https://hooks.slack.com/commands/T0ACME0001/1/answer" }))).status).toBe(200);
    await waitUntil(() => answer.bodies.length === 1, "the answer to /bender status");
    expect(String(answer.bodies[0]?.text).split("\n")).toContain(`• open: <${proposal.url}|${proposal.title}>, approvals 1 of 2: <@${PRIYA}>`);
    expect(fake.operations().filter((operation) => operation === "BenderStatus")).toHaveLength(1);
  });

  it("a merge that loses the race to another replica reads the PR again and reports it already pinned, by whom", async () => {
    const { fake, proposal, slack } = setUp();
    const head = fake.head(PRODUCTION_BRANCH);
    fake.comment(proposal, approvalCommentBody({ by: PRIYA, at: NOW.getTime() - HOUR, build: head }, "1 of 2"), fake.viewerLogin);
    expectFirstAccess(fake);
    fake.expectGraphql(
      "BenderPullRequest",
      "BenderApprove",
      // Carol's Pin on another replica merges first.
      { operation: "BenderWrite", before: (repository) => void repository.merge(proposal, { body: `Pinned-by: <@${CAROL}> (Slack)`, expectedHeadOid: head }) },
      "BenderPullRequest",
    );
    slack.expect("chat.update");
    slack.expect("chat.postEphemeral");
    await start();
    await click(OWEN, buttonValueFor(fake, proposal));
    const [told] = await slack.waitFor("chat.postEphemeral");
    expect(told?.args.text).toMatch(new RegExp(`^Nothing to do: this proposal was already pinned by <@${CAROL}> at `));
    expect(fake.mergedPullRequests()).toEqual([proposal]);
    expect(textOf(blocksOf(slack.of("chat.update")[0]))).toContain(`Pinned by <@${CAROL}> via Slack`);
  });

  it("an approval drawn as 1 of 2 after another replica merged the PR (its 'pinned' drawn first) reads the PR again and draws it pinned", async () => {
    const { fake, proposal, slack } = setUp();
    const head = fake.head(PRODUCTION_BRANCH);
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest", "BenderApprove", "BenderPullRequest");
    // While Slack takes Owen's "1 of 2", Priya's approval on another replica completes the tally and merges.
    slack.expect("chat.update", {
      reply: (call) => {
        fake.merge(proposal, { body: `Pinned-by: <@${PRIYA}> (Slack)`, expectedHeadOid: head });
        return [200, slack.answer(call)];
      },
    });
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    slack.expect("chat.postEphemeral");
    await start();
    await click(OWEN, buttonValueFor(fake, proposal));
    await slack.waitFor("chat.postEphemeral");
    const [progress, last] = slack.of("chat.update");
    expect(textOf(blocksOf(progress))).toContain(`Approvals: 1 of 2: <@${OWEN}>`);
    expect(textOf(blocksOf(last))).toContain(`Pinned by <@${PRIYA}> via Slack`);
    expect(textOf(blocksOf(last))).not.toContain("1 of 2");
  });

  it("approvals: 1 merges on the first Pin exactly as before: one read, one merge, no comment", async () => {
    const { fake, proposal, slack } = setUp("    approvals: 1\n");
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest", "BenderWrite");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    await start();
    await click(OWEN, buttonValueFor(fake, proposal));
    await slack.waitFor("chat.postMessage");
    expect(proposal.state).toBe("MERGED");
    expect(proposal.comments).toEqual([]);
    expect(proposal.mergeCommitBody).toBe(`Pinned-by: <@${OWEN}> (Slack)`);
    const read = fake.requests.find((request) => request.operation === "BenderPullRequest")?.body as { query: string };
    expect(read.query).not.toContain("comments(");
    expect(textOf(blocksOf(slack.of("chat.update")[0]))).not.toContain("Approvals");
  });
});
