import { describe, expect, it } from "vitest";
import type { RunningBender } from "../support/bender-server.js";
import type { FakePullRequest, FakeRepository } from "../support/fake-github.js";
import { IMAGE, PRODUCTION_BRANCH, deployment, openExistingProposal, productionRepository } from "../support/manifests.js";
import {
  CHANNEL,
  FakeSlack,
  GROUP,
  GROUP_MEMBER,
  NOW,
  OWEN,
  PRIYA,
  STRANGER,
  actionIds,
  blockActions,
  blocksOf,
  buttonValueFor,
  buttonValues,
  expectFirstAccess,
  pinAction,
  sendToSlackEndpoint,
  slackConfig,
  textOf,
  waitUntil,
  slackBenderPerTest,
  withBenderLabels,
} from "../support/slack.js";

/** The message the clicks come from. */
const MESSAGE_TS = "1748966400.000001";

let bender: RunningBender | undefined;
const harness = slackBenderPerTest();

/** `approvers` null: production has no slack block. */
function setUp(approvers: string | null = `[${OWEN}, ${GROUP}]`): { fake: FakeRepository; proposal: FakePullRequest; slack: FakeSlack } {
  const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(approvers ?? undefined)));
  const proposal = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
  harness.watch();
  return { fake, proposal, slack: new FakeSlack() };
}

async function start(): Promise<RunningBender> {
  bender = await harness.start();
  return bender;
}

async function click(user: string, value: string, actionId = pinAction): Promise<void> {
  const response = await sendToSlackEndpoint(bender!, blockActions({ user, actionId, value, ts: MESSAGE_TS }));
  // Acknowledged at once, before any of the work.
  expect(response.status).toBe(200);
}

describe("Pin", () => {
  it("by an approver (user ID) merges exactly the drawn head, names them in the merge commit, redraws as pinned with Unpin, notes it in the thread", async () => {
    const { fake, proposal, slack } = setUp();
    const head = fake.head(PRODUCTION_BRANCH);
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest", "BenderWrite");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    await start();

    await click(OWEN, buttonValueFor(fake, proposal));
    await slack.waitFor("chat.postMessage");

    expect(proposal.state).toBe("MERGED");
    expect(proposal.mergedWithExpectedHead).toBe(head);
    expect(proposal.mergeCommitBody).toBe(`Pinned-by: <@${OWEN}> (Slack)`);
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.1`));

    const [update] = slack.of("chat.update");
    expect(update?.args).toMatchObject({ channel: CHANNEL, ts: MESSAGE_TS });
    const blocks = blocksOf(update);
    expect(actionIds(blocks)).toEqual(["bender_unpin"]);
    expect(buttonValues(blocks)).toEqual([{ v: 1, repository: "acme/manifests", number: proposal.number, head, environment: "production" }]);
    expect(textOf(blocks)).toContain(`Pinned by <@${OWEN}> via Slack at <!date^${NOW.getTime() / 1000}^`);
    expect(update?.args.text).toMatch(/: pinned$/);

    const [reply] = slack.of("chat.postMessage");
    expect(reply?.args).toMatchObject({ channel: CHANNEL, thread_ts: MESSAGE_TS });
    expect(reply?.args.text).toContain(`Pinned by <@${OWEN}> via Slack`);
  });

  it("by a member of an approver user group: the group is looked up once, then cached (two clicks, one lookup)", async () => {
    const { fake, proposal, slack } = setUp(`[${OWEN}, ${GROUP}]`);
    expectFirstAccess(fake);
    slack.expectGroup(GROUP, [PRIYA, GROUP_MEMBER]);
    fake.expectGraphql("BenderPullRequest", "BenderWrite", "BenderPullRequest");
    slack.expect("chat.update", { times: 2 });
    slack.expect("chat.postMessage");
    slack.expect("chat.postEphemeral");
    await start();
    const value = buttonValueFor(fake, proposal);

    await click(GROUP_MEMBER, value);
    await slack.waitFor("chat.postMessage");
    expect(proposal.mergeCommitBody).toBe(`Pinned-by: <@${GROUP_MEMBER}> (Slack)`);

    // A second click (a stale message) is authorised from the cache, and told it is done already.
    await click(GROUP_MEMBER, value);
    const [told] = await slack.waitFor("chat.postEphemeral");
    expect(slack.of("usergroups.users.list")).toHaveLength(1);
    expect(told?.args).toMatchObject({ channel: CHANNEL, user: GROUP_MEMBER });
    expect(told?.args.text).toMatch(new RegExp(`^Nothing to do: this proposal was already pinned by <@${GROUP_MEMBER}> at <!date\\^`));
    expect(fake.mergedPullRequests()).toHaveLength(1);
    // The redraw of a Slack pin says who pinned it from Slack, not the App GitHub names as merger.
    const redrawn = textOf(blocksOf(slack.of("chat.update")[1]));
    expect(redrawn).toContain(`Pinned by <@${GROUP_MEMBER}> via Slack`);
    expect(redrawn).not.toContain("bender[bot]");
  });

  it("by someone who is not an approver is refused, ephemerally, saying how to fix the config; nothing merges", async () => {
    const { fake, proposal, slack } = setUp(`[${OWEN}, ${GROUP}]`);
    expectFirstAccess(fake);
    slack.expectGroup(GROUP, [PRIYA]);
    slack.expect("chat.postEphemeral");
    await start();

    await click(STRANGER, buttonValueFor(fake, proposal));
    const [told] = await slack.waitFor("chat.postEphemeral");

    expect(told?.args).toMatchObject({ channel: CHANNEL, user: STRANGER });
    expect(told?.args.text).toContain("You can't pin in *production*: you are not one of its approvers, so nothing changed.");
    expect(told?.args.text).toContain(`add your member ID \`${STRANGER}\` or a user group to \`environments.production.slack.approvers\` in \`.github/bender.yml\``);
    // Who may, so the person knows whom to ask.
    expect(told?.args.text).toContain(`Its approvers: <@${OWEN}>, <!subteam^${GROUP}>.`);
    expect(proposal.state).toBe("OPEN");
    expect(fake.operations()).toEqual(["BenderConfig"]);
  });

  it("in an environment without approvers (no slack block: a message drawn before the config changed) is refused: nobody may act from Slack until the config names someone", async () => {
    const { fake, proposal, slack } = setUp(null);
    expectFirstAccess(fake);
    slack.expect("chat.postEphemeral");
    await start();

    await click(OWEN, buttonValueFor(fake, proposal));
    const [told] = await slack.waitFor("chat.postEphemeral");

    expect(told?.args.text).toContain("Nobody can act on *production* from Slack: it has no approvers.");
    expect(told?.args.text).toContain("`environments.production.slack.approvers`");
    expect(proposal.state).toBe("OPEN");
  });

  it("with `approvers: anyone`, anyone in the workspace may pin", async () => {
    const { fake, proposal, slack } = setUp("anyone");
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest", "BenderWrite");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    await start();

    await click(STRANGER, buttonValueFor(fake, proposal));
    await slack.waitFor("chat.postMessage");

    expect(proposal.state).toBe("MERGED");
    expect(proposal.mergeCommitBody).toBe(`Pinned-by: <@${STRANGER}> (Slack)`);
  });

  it("of a PR that changed since the message was drawn merges nothing, redraws the message at the new head and says so", async () => {
    const { fake, proposal, slack } = setUp();
    const drawn = buttonValueFor(fake, proposal);
    // Someone pushes to the proposal branch after the message was drawn.
    const moved = fake.push(PRODUCTION_BRANCH, { "clusters/prod/extra.yaml": "kind: ConfigMap\n" }, "a person's commit");
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest");
    slack.expect("chat.update");
    slack.expect("chat.postEphemeral");
    await start();

    await click(OWEN, drawn);
    const [told] = await slack.waitFor("chat.postEphemeral");
    await slack.waitFor("chat.update");

    expect(proposal.state).toBe("OPEN");
    expect(told?.args.text).toContain(`This proposal changed since the message was drawn (it is now at \`${moved.slice(0, 7)}\`), so nothing was pinned.`);
    const blocks = blocksOf(slack.of("chat.update")[0]);
    expect(actionIds(blocks)).toEqual(["bender_pin", "bender_dismiss"]);
    expect(buttonValues(blocks).map((value) => value.head)).toEqual([moved, moved]);
  });

  it("when the branch moves between the read and the merge, GitHub's expected-head check refuses and the message is redrawn", async () => {
    const { fake, proposal, slack } = setUp();
    const drawn = buttonValueFor(fake, proposal);
    let moved = "";
    expectFirstAccess(fake);
    fake.expectGraphql(
      "BenderPullRequest",
      { operation: "BenderWrite", before: (repository) => void (moved = repository.push(PRODUCTION_BRANCH, { "clusters/prod/extra.yaml": "x: 1\n" }, "racing push")) },
      "BenderPullRequest",
    );
    slack.expect("chat.update");
    slack.expect("chat.postEphemeral");
    await start();

    await click(OWEN, drawn);
    const [told] = await slack.waitFor("chat.postEphemeral");

    expect(proposal.state).toBe("OPEN");
    expect(told?.args.text).toContain(`it is now at \`${moved.slice(0, 7)}\``);
    expect(buttonValues(blocksOf(slack.of("chat.update")[0]))[0]?.head).toBe(moved);
  });

  it("while required checks are pending turns on GitHub's auto-merge at the drawn head; the message says it pins when checks pass", async () => {
    const { fake, proposal, slack } = setUp();
    const head = fake.head(PRODUCTION_BRANCH);
    fake.mergeRefusal = 'Required status check "ci/build" is expected.';
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest", "BenderWrite", "BenderAutoMerge");
    slack.expect("chat.update");
    slack.expect("chat.postEphemeral");
    await start();

    await click(OWEN, buttonValueFor(fake, proposal));
    const [told] = await slack.waitFor("chat.postEphemeral");
    await slack.waitFor("chat.update");

    expect(proposal.state).toBe("OPEN");
    // The config's merge method (squash by default), and the merge commit a merge by Bender makes: when GitHub merges
    // later, `Pinned-by:` names the person for /bender history and for any replica that draws the merge.
    expect(proposal.autoMerge).toEqual({
      expectedHeadOid: head,
      mergeMethod: "SQUASH",
      enabledAt: fake.time,
      commitHeadline: `Pin ${IMAGE}:1.4.1 to production`,
      commitBody: `Pinned-by: <@${OWEN}> (Slack)`,
    });
    const blocks = blocksOf(slack.of("chat.update")[0]);
    expect(textOf(blocks)).toContain(`Pins when checks pass (requested by <@${OWEN}>).`);
    expect(actionIds(blocks)).toEqual([]);
    expect(slack.of("chat.update")[0]?.args.text).toMatch(/: pins when checks pass$/);
    expect(told?.args.text).toContain("GitHub will merge this proposal when they pass (auto-merge is on)");
  });

  it("refused by GitHub for another reason (reviews required) tells GitHub's reason, with anything token-shaped removed", async () => {
    const { fake, proposal, slack } = setUp();
    fake.mergeRefusal = "At least 1 approving review is required by reviewers with write access. (request made with ghs_16C7e42F292c6912E7710c838347Ae178B4a)";
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest", "BenderWrite");
    slack.expect("chat.postEphemeral");
    await start();

    await click(OWEN, buttonValueFor(fake, proposal));
    const [told] = await slack.waitFor("chat.postEphemeral");

    expect(proposal.state).toBe("OPEN");
    expect(told?.args.text).toContain("GitHub refused: At least 1 approving review is required by reviewers with write access.");
    expect(told?.args.text).not.toMatch(/ghs_|xox[a-z]-|github_pat_/);
    expect(told?.args.text).toContain("[redacted]");
  });

  it("clicked twice at once merges once", async () => {
    const { fake, proposal, slack } = setUp();
    const mainBefore = fake.head();
    expectFirstAccess(fake);
    // How many reads and redraws the second click makes depends on when it lands; the merges do not.
    fake.serveGraphql("BenderPullRequest", "BenderWrite");
    slack.allow("chat.update");
    slack.allow("chat.postMessage");
    // The second click shares the first's work and is told how it ended.
    slack.allow("chat.postEphemeral");
    await start();
    const value = buttonValueFor(fake, proposal);
    // Warm the installation and config caches, as any earlier action would have.
    await bender!.services.configs.load((await bender!.services.installations.forRepository(fake.nameWithOwner))!, fake.nameWithOwner);

    await Promise.all([click(OWEN, value), click(OWEN, value)]);
    await slack.waitFor("chat.postMessage");
    await waitUntil(() => slack.of("chat.postEphemeral").length >= 1, "the second click to be told");
    await new Promise((resolve) => setImmediate(resolve));

    const merges = fake.requests.filter((request) => (request.body as { query: string }).query.includes("mergePullRequest"));
    expect(fake.mergedPullRequests()).toEqual([proposal]);
    // One replica runs one pin per PR: the second click joined the first, one merge request went out.
    expect(merges).toHaveLength(1);
    expect(JSON.stringify(slack.of("chat.postEphemeral"))).toMatch(/already pinned/i);
    // One merge commit on main, on top of where it was.
    expect(fake.parentOf(fake.head())).toBe(mainBefore);
    expect(slack.of("chat.postMessage")).toHaveLength(1);
  });

  it("on a PR a person already merged in GitHub says by whom and when, and redraws it as pinned via GitHub", async () => {
    const { fake, proposal, slack } = setUp();
    const value = buttonValueFor(fake, proposal);
    fake.merge(proposal, { by: "alice" });
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest");
    slack.expect("chat.update");
    slack.expect("chat.postEphemeral");
    await start();

    await click(OWEN, value);
    const [told] = await slack.waitFor("chat.postEphemeral");
    await slack.waitFor("chat.update");

    expect(told?.args.text).toBe(`Nothing to do: this proposal was already pinned by alice at <!date^${Date.parse(fake.time) / 1000}^{date_short_pretty} {time}|${fake.time}>.`);
    const blocks = blocksOf(slack.of("chat.update")[0]);
    expect(textOf(blocks)).toContain("Pinned by alice via GitHub");
    expect(actionIds(blocks)).toEqual(["bender_unpin"]);
    expect(fake.mergedPullRequests()).toHaveLength(1);
  });
});
