import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { renderFreezes } from "../../src/policy/index.js";
import { HOLDS_PATH as HOLDS, renderHolds } from "../../src/proposals/holds.js";
import { approvalCommentBody } from "../../src/proposals/approval-comments.js";
import { decodeProposalMetadata, withMetadata } from "../../src/proposals/metadata.js";
import type { PolicySweepReport } from "../../src/server/policy-clock.js";
import { postBuild, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import type { FakePullRequest, FakeRepository } from "../support/fake-github.js";
import { IMAGE, deployment, openExistingProposal, productionRepository } from "../support/manifests.js";
import type { SlackCall } from "../support/slack.js";
import { CHANNEL, FakeSlack, NOW, OWEN, PRIYA, SLACK_SETTINGS, blocksOf, expectFirstAccess, slackBenderPerTest, slackConfig, textOf, waitUntil, withBenderLabels } from "../support/slack.js";

// NOW is Tue 2025-06-03 16:00 UTC (18:00 in Berlin, summer time).
const MESSAGE_TS = "1748966400.000001";
const FREEZES = ".bender/freezes.yml";
const HOUR = 3_600_000;
const at = (offsetMs: number): Date => new Date(NOW.getTime() + offsetMs);

const harness = slackBenderPerTest();
let clock = NOW;
let bender: RunningBender | undefined;

async function start(): Promise<RunningBender> {
  clock = NOW;
  bender = await harness.start({ manifestRepositories: ["acme/manifests"] }, { now: () => clock });
  return bender;
}

/** Runs one policy sweep at `time`, as the timer would. */
async function sweepAt(time: Date, replica = bender): Promise<PolicySweepReport> {
  clock = time;
  return replica!.policyClock.sweep();
}

/** Every request Bender sent to GitHub so far (its own counter, so REST and GraphQL alike). */
async function githubRequests(replica: RunningBender): Promise<number> {
  const metric = await replica.metrics.registry.getSingleMetric("bender_github_requests_total")?.get();
  return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
}

/** Main's commit messages from its head back to `oid` (excluded), newest first. */
function historySince(fake: FakeRepository, oid: string): string[] {
  const messages: string[] = [];
  for (let commit: string | undefined = fake.head(); commit !== undefined && commit !== oid; commit = fake.parentOf(commit)) messages.push(fake.messageOf(commit) ?? "");
  return messages;
}

/** A freeze written in git by a person, from an hour before NOW until `until`. */
function frozenUntil(fake: FakeRepository, until: Date): void {
  fake.push("main", { [FREEZES]: renderFreezes([{ environment: "production", by: "alice", reason: "load test", since: at(-HOUR).toISOString(), until: until.toISOString() }]) });
}

/** Starts Bender and sends it a build of 1.4.1 that opens a proposal (which waits): its outcomes and its message. */
async function startAndPropose(fake: FakeRepository): Promise<{ slack: FakeSlack; build: Awaited<ReturnType<typeof postBuild>>; posted: SlackCall | undefined }> {
  harness.watch();
  const slack = new FakeSlack();
  expectFirstAccess(fake);
  fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
  slack.expect("chat.postMessage");
  await start();
  const build = await postBuild(bender!, { image: `${IMAGE}:1.4.1`, repositories: [fake.nameWithOwner] });
  const [posted] = await slack.waitFor("chat.postMessage");
  return { slack, build, posted };
}

/** A manual proposal whose Slack message is recorded in its PR, as Bender leaves it. */
function manualProposal(fake: FakeRepository): FakePullRequest {
  return openExistingProposal(fake, {
    environment: "production",
    reference: `${IMAGE}:1.4.1`,
    body: (body) => {
      const decoded = decodeProposalMetadata(body);
      if (!decoded.ok) throw new Error(decoded.reason);
      return withMetadata(body, { ...decoded.metadata, slack: { channel: CHANNEL, ts: MESSAGE_TS } });
    },
  });
}

describe("the policy sweep pins what waited", () => {
  it("a timed freeze ends: the expired entry leaves the freezes file in one commit and the automatic proposal that waited is pinned", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`, "    autoPin: true\n")));
    frozenUntil(fake, at(HOUR));
    const { slack, build, posted } = await startAndPropose(fake);
    expect(build.proposals).toEqual([expect.objectContaining({ action: "opened", pinned: false, detail: expect.stringContaining("production is frozen by alice until Tue 17:00 UTC (in 1 h): load test") })]);
    expect(textOf(blocksOf(posted))).toContain("Automation will not pin this: production is frozen by alice");

    // A minute before the end: one read, nothing else.
    fake.expectGraphql("BenderPolicySweep");
    await sweepAt(at(HOUR - 60_000));
    const [open] = fake.openPullRequests();
    expect(open?.state).toBe("OPEN");

    // The end passed: thaw (one compare-and-swap commit), then the repository's sweep pins what waited.
    const before = fake.head();
    fake.expectGraphql("BenderPolicySweep", "BenderWrite", "BenderSweep", "BenderReadState", "BenderWrite");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    const report = await sweepAt(at(HOUR));
    expect(report.get("acme/manifests")).toMatchObject({ thawed: [{ branch: "main", environments: ["production"], committed: true }], automaticPins: true });
    await waitUntil(() => open?.state === "MERGED", "the waiting proposal pinned");
    // Main: the thaw commit on what was there, then the pin's merge.
    expect(historySince(fake, before)).toEqual([expect.stringMatching(/^Pin|^Bump|ghcr\.io\/acme\/api/), "Thaw production: the freeze ended"]);
    expect(parse(fake.file(FREEZES) ?? "")).toEqual({ freezes: [] });
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.1`));
    const [redrawn] = await slack.waitFor("chat.update");
    expect(textOf(blocksOf(redrawn))).toContain("Pinned");
    await slack.waitFor("chat.postMessage", 2);

    // Done: the next sweep finds nothing to do (one read).
    fake.expectGraphql("BenderPolicySweep");
    expect(await sweepAt(at(HOUR + 60_000))).toEqual(new Map([["acme/manifests", expect.objectContaining({ thawed: [], automaticPins: false, redrawn: [] })]]));
  });

  it("an automatic proposal that waited outside the windows is pinned when the next window opens, not a moment before", async () => {
    const windows = '    windows: [{days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00", timezone: Europe/Berlin}]\n';
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`, `    autoPin: true\n${windows}`)));
    const { slack, build, posted } = await startAndPropose(fake);
    expect(build.proposals).toEqual([expect.objectContaining({ pinned: false, detail: expect.stringContaining("the next window opens Wed 09:00 CEST, in 15 h") })]);
    expect(textOf(blocksOf(posted))).toContain("Automation will not pin this: production is outside its deploy windows");

    // Wed 09:00 in Berlin is 07:00Z.
    const opening = new Date("2025-06-04T07:00:00.000Z");
    fake.expectGraphql("BenderPolicySweep");
    expect((await sweepAt(new Date(opening.getTime() - 1))).get("acme/manifests")).toMatchObject({ automaticPins: false, nextDueAt: opening.getTime() });
    expect(fake.openPullRequests()).toHaveLength(1);

    fake.expectGraphql("BenderPolicySweep", "BenderSweep", "BenderReadState", "BenderWrite");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    await sweepAt(opening);
    await waitUntil(() => fake.openPullRequests().length === 0, "the proposal pinned at the opening");
    expect(fake.pullRequests[0]?.state).toBe("MERGED");
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.1`));
    await slack.waitFor("chat.update");
    // The pin's line in the proposal's thread.
    const calls = await slack.waitFor("chat.postMessage", 2);
    expect(calls[1]?.args.text).toContain("Pinned automatically");
  });
});

describe("the policy sweep redraws manual proposals", () => {
  it("says Pin is open again when a freeze ends, and Pin is closed when the window closes; the first sweep after a start only records", async () => {
    const windows = '    windows: [{days: [mon, tue, wed, thu, fri], from: "09:00", to: "19:00", timezone: Europe/Berlin}]\n';
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`, windows)));
    frozenUntil(fake, at(HOUR / 2));
    manualProposal(fake);
    harness.watch();
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPolicySweep");
    await start();

    // 1. The first sweep after a start records what Pin is (closed: frozen) without redrawing.
    expect((await sweepAt(NOW)).get("acme/manifests")).toMatchObject({ redrawn: [], thawed: [] });
    expect(slack.calls).toEqual([]);

    // 2. The freeze ends: the entry is removed and the message says Pin is open again.
    fake.expectGraphql("BenderPolicySweep", "BenderWrite");
    slack.expect("chat.update");
    expect((await sweepAt(at(HOUR / 2))).get("acme/manifests")).toMatchObject({ redrawn: [1], thawed: [{ committed: true }] });
    const [opened] = await slack.waitFor("chat.update");
    expect(opened?.args).toMatchObject({ channel: CHANNEL, ts: MESSAGE_TS });
    expect(textOf(blocksOf(opened))).toContain("Pin is open again.");
    expect(parse(fake.file(FREEZES) ?? "")).toEqual({ freezes: [] });

    // 3. Nothing changed: nothing redrawn.
    fake.expectGraphql("BenderPolicySweep");
    expect((await sweepAt(at(HOUR * 0.75))).get("acme/manifests")).toMatchObject({ redrawn: [] });

    // 4. 19:00 in Berlin (17:00Z) the window closes: the message says so, and when Pin opens again.
    fake.expectGraphql("BenderPolicySweep");
    slack.expect("chat.update");
    expect((await sweepAt(new Date("2025-06-03T17:00:00.000Z"))).get("acme/manifests")).toMatchObject({ redrawn: [1] });
    const [closed] = await slack.waitFor("chat.update", 2).then((calls) => calls.slice(1));
    expect(textOf(blocksOf(closed))).toContain("Pin is closed: production is outside its deploy windows: the next window opens Wed 09:00 CEST, in 14 h.");
    // The buttons stay: Pin answers with the refusal, and break-glass is for approvers.
    expect(JSON.stringify(closed?.args.blocks)).toContain("bender_pin");
  });
});

describe("environments on their own branch", () => {
  it("reads the freezes file at the environment's branch in the same query, and thaws it there", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`, "    branch: production\n")));
    fake.branches.set("production", fake.head());
    fake.push("production", { [FREEZES]: renderFreezes([{ environment: "production", by: "alice", reason: "load test", since: at(-HOUR).toISOString(), until: at(HOUR / 2).toISOString() }]) });
    manualProposal(fake);
    const main = fake.head();
    harness.watch();
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPolicySweep", "BenderPolicySweep", "BenderWrite");
    await start();
    expect((await sweepAt(NOW)).get("acme/manifests")).toMatchObject({ redrawn: [], thawed: [] });
    slack.expect("chat.update");
    expect((await sweepAt(at(HOUR / 2))).get("acme/manifests")).toMatchObject({ redrawn: [1], thawed: [{ branch: "production", committed: true }] });
    expect(parse(fake.file(FREEZES, "production") ?? "")).toEqual({ freezes: [] });
    expect(fake.messageOf(fake.head("production"))).toBe("Thaw production: the freeze ended");
    expect(fake.head()).toBe(main);
    const [opened] = await slack.waitFor("chat.update");
    expect(textOf(blocksOf(opened))).toContain("Pin is open again.");
  });
});

describe("a manual proposal drawn while Pin is closed", () => {
  it("says Pin is closed from its first drawing, and the sweep redraws it open when the freeze ends, even as the first sweep after a start", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`)));
    frozenUntil(fake, at(HOUR));
    const { slack, build, posted } = await startAndPropose(fake);
    expect(build.proposals).toEqual([expect.objectContaining({ action: "opened", pinned: false })]);
    expect(textOf(blocksOf(posted))).toContain("Pin is closed: production is frozen by alice until Tue 17:00 UTC (in 1 h): load test.");
    expect(textOf(blocksOf(posted))).not.toContain("Automation will not pin this");

    fake.expectGraphql("BenderPolicySweep", "BenderWrite");
    slack.expect("chat.update");
    expect((await sweepAt(at(HOUR))).get("acme/manifests")).toMatchObject({ redrawn: [1], thawed: [{ committed: true }] });
    const [opened] = await slack.waitFor("chat.update");
    // The fake answered the post with its first ts: the message drawn closed is the one redrawn.
    expect(opened?.args.ts).toBe(MESSAGE_TS);
    expect(textOf(blocksOf(opened))).toContain("Pin is open again.");
  });
});

describe("the policy sweep merges what its approvers approved", () => {
  it("approvals complete during a freeze: when the freeze ends, the proposal is merged with every approver in the merge commit", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}, ${PRIYA}]`, "    approvals: 2\n")));
    frozenUntil(fake, at(HOUR));
    const proposal = manualProposal(fake);
    const head = fake.head(proposal.headRefName);
    for (const [by, minutes] of [[OWEN, 30], [PRIYA, 20]] as const) {
      proposal.comments.push(approvalCommentBody({ by, at: at(-minutes * 60_000).getTime(), build: head }, "approved"));
    }
    harness.watch();
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPolicySweep");
    await start();
    expect((await sweepAt(at(HOUR - 60_000))).get("acme/manifests")).toMatchObject({ approvedPins: [] });
    expect(proposal.state).toBe("OPEN");

    fake.expectGraphql("BenderPolicySweep", "BenderWrite", "BenderWrite");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    expect((await sweepAt(at(HOUR))).get("acme/manifests")).toMatchObject({ thawed: [{ committed: true }], approvedPins: [{ number: proposal.number, merged: true }] });
    expect(proposal.state).toBe("MERGED");
    expect(proposal.mergedWithExpectedHead).toBe(head);
    expect(proposal.mergeCommitBody).toBe(`Approved-by: <@${OWEN}> (Slack) at ${at(-30 * 60_000).toISOString()}\nApproved-by: <@${PRIYA}> (Slack) at ${at(-20 * 60_000).toISOString()}`);
    const [pinned] = await slack.waitFor("chat.update");
    expect(pinned?.args.ts).toBe(MESSAGE_TS);
    expect(textOf(blocksOf(pinned))).toContain("Pinned");
    const [thread] = await slack.waitFor("chat.postMessage");
    expect(thread?.args.text).toMatch(new RegExp(`Approved by <@${OWEN}> and <@${PRIYA}>\\.$`));
  });
  it("approvals complete while checks are pending: the sweep arms GitHub's auto-merge with the approvers' trailers, as Pin does, and leaves it armed", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}, ${PRIYA}]`, "    approvals: 2\n")));
    frozenUntil(fake, at(HOUR));
    const proposal = manualProposal(fake);
    const head = fake.head(proposal.headRefName);
    for (const [by, minutes] of [[OWEN, 30], [PRIYA, 20]] as const) {
      proposal.comments.push(approvalCommentBody({ by, at: at(-minutes * 60_000).getTime(), build: head }, "approved"));
    }
    fake.mergeRefusal = 'Required status check "build" is expected.';
    harness.watch();
    new FakeSlack();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPolicySweep");
    await start();
    await sweepAt(at(HOUR - 60_000));

    fake.expectGraphql("BenderPolicySweep", "BenderWrite", "BenderWrite", "BenderAutoMerge");
    const report = (await sweepAt(at(HOUR))).get("acme/manifests");
    expect(report).toMatchObject({ thawed: [{ committed: true }], approvedPins: [{ number: proposal.number, merged: false, detail: expect.stringContaining("auto-merge is armed with the approvers' trailers") }] });
    expect(proposal.state).toBe("OPEN");
    expect(proposal.autoMerge).toEqual({
      expectedHeadOid: head,
      mergeMethod: "SQUASH",
      enabledAt: fake.time,
      commitHeadline: `Pin ${IMAGE}:1.4.1 to production`,
      commitBody: `Approved-by: <@${OWEN}> (Slack) at ${at(-30 * 60_000).toISOString()}\nApproved-by: <@${PRIYA}> (Slack) at ${at(-20 * 60_000).toISOString()}`,
    });

    // The next sweep leaves the armed auto-merge to GitHub: no merge attempted every minute.
    fake.expectGraphql("BenderPolicySweep");
    expect((await sweepAt(at(HOUR + 60_000))).get("acme/manifests")).toMatchObject({ approvedPins: [] });
  });

  it("a redraw where approvals count keeps the approvals line, drawn from the comments the sweep read (no extra read)", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}, ${PRIYA}]`, "    approvals: 2\n")));
    frozenUntil(fake, at(HOUR));
    const proposal = manualProposal(fake);
    proposal.comments.push(approvalCommentBody({ by: OWEN, at: at(-10 * 60_000).getTime(), build: fake.head(proposal.headRefName) }, "1 of 2"));
    harness.watch();
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPolicySweep");
    await start();
    await sweepAt(at(HOUR - 60_000));

    fake.expectGraphql("BenderPolicySweep", "BenderWrite");
    slack.expect("chat.update");
    expect((await sweepAt(at(HOUR))).get("acme/manifests")).toMatchObject({ redrawn: [proposal.number] });
    const [opened] = await slack.waitFor("chat.update");
    expect(textOf(blocksOf(opened))).toContain("Pin is open again.");
    expect(textOf(blocksOf(opened))).toContain(`Approvals: 1 of 2: <@${OWEN}>. May still approve: <@${PRIYA}>.`);
    expect(proposal.state).toBe("OPEN");
  });
  it("the author's own approval does not count in the sweep either (githubLogins maps the build's login to Slack): nothing merges when the freeze ends", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", `${slackConfig(`[${OWEN}, ${PRIYA}]`, "    approvals: 2\n")}githubLogins:\n  ${OWEN}: Owen-GH\n`));
    frozenUntil(fake, at(HOUR));
    const proposal = openExistingProposal(fake, {
      environment: "production",
      reference: `${IMAGE}:1.4.1`,
      body: (body) => {
        const decoded = decodeProposalMetadata(body);
        if (!decoded.ok) throw new Error(decoded.reason);
        return withMetadata(body, { ...decoded.metadata, source: { author: "owen-gh" }, slack: { channel: CHANNEL, ts: MESSAGE_TS } });
      },
    });
    const head = fake.head(proposal.headRefName);
    // Approvals recorded before the author mapping existed: Owen's is his own build's.
    for (const [by, minutes] of [[OWEN, 30], [PRIYA, 20]] as const) {
      proposal.comments.push(approvalCommentBody({ by, at: at(-minutes * 60_000).getTime(), build: head }, "approved"));
    }
    harness.watch();
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPolicySweep");
    await start();
    await sweepAt(at(HOUR - 60_000));

    fake.expectGraphql("BenderPolicySweep", "BenderWrite");
    slack.expect("chat.update");
    expect((await sweepAt(at(HOUR))).get("acme/manifests")).toMatchObject({ thawed: [{ committed: true }], approvedPins: [] });
    expect(proposal.state).toBe("OPEN");
    const [redrawn] = await slack.waitFor("chat.update");
    expect(textOf(blocksOf(redrawn))).toContain(`Approvals: 1 of 2: <@${PRIYA}>.`);
  });
});

describe("the policy sweep's cost and its replicas", () => {
  it("with nothing due, a sweep costs exactly one GitHub request per manifest repository", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`)));
    manualProposal(fake);
    manualProposal(fake);
    harness.watch();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPolicySweep", "BenderPolicySweep", "BenderPolicySweep");
    const running = await start();
    await sweepAt(NOW);
    for (const minute of [1, 2]) {
      const before = await githubRequests(running);
      const report = await sweepAt(at(minute * 60_000));
      expect(report.get("acme/manifests")).toMatchObject({ thawed: [], automaticPins: false, approvedPins: [], redrawn: [] });
      expect((await githubRequests(running)) - before).toBe(1);
    }
  });

  it("an automatic pin the planner declines (held after an Unpin) is asked of the queue once, not every minute", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`, "    autoPin: true\n")));
    fake.push("main", { [HOLDS]: renderHolds([{ environment: "production", repository: IMAGE, version: "1.4.0", by: OWEN, reason: "bad release" }]) });
    const held = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
    harness.watch();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPolicySweep", "BenderSweep", "BenderReadState", "BenderPolicySweep", "BenderPolicySweep");
    const running = await start();
    expect((await sweepAt(NOW)).get("acme/manifests")).toMatchObject({ automaticPins: true });
    await running.queue.idle();
    expect(held.state).toBe("OPEN");
    for (const minute of [1, 2]) expect((await sweepAt(at(minute * 60_000))).get("acme/manifests")).toMatchObject({ automaticPins: false });
  });

  it("runs by itself on the timer (BENDER_POLICY_SWEEP_INTERVAL_MS), and no sweep runs after the server stops", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`)));
    manualProposal(fake);
    harness.watch();
    expectFirstAccess(fake);
    fake.serveGraphql("BenderPolicySweep");
    const running = await harness.start({ manifestRepositories: ["acme/manifests"], policySweepIntervalMs: 50 }, { now: () => clock });
    await waitUntil(() => fake.operations().filter((operation) => operation === "BenderPolicySweep").length >= 2, "two sweeps on the timer");
    await running.stopWork();
    const swept = fake.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fake.requests.length).toBe(swept);
  });

  it("two replicas sweeping at once make one thaw commit and one merge", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`, "    autoPin: true\n")));
    frozenUntil(fake, at(HOUR));
    const waiting = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
    harness.watch();
    const slack = new FakeSlack();
    slack.allow("chat.update", { optional: true });
    slack.allow("chat.postMessage", { optional: true });
    expectFirstAccess(fake);
    expectFirstAccess(fake);
    fake.serveAllGraphql(() => Math.floor(Math.random() * 5));
    const first = await start();
    const second = await startBender({ slack: SLACK_SETTINGS, manifestRepositories: ["acme/manifests"] }, { slackRetries: 0, now: () => clock });
    try {
      clock = at(HOUR);
      const before = fake.head();
      await Promise.all([first.policyClock.sweep(), second.policyClock.sweep()]);
      await waitUntil(() => waiting.state === "MERGED", "the waiting proposal pinned");
      // Both queues' sweeps finish (the second finds the PR merged, or its merge is refused).
      await Promise.all([first.queue.idle(), second.queue.idle()]);
      expect(historySince(fake, before).filter((message) => message.startsWith("Thaw"))).toEqual(["Thaw production: the freeze ended"]);
      expect(fake.pullRequests.filter((pullRequest) => pullRequest.state === "MERGED")).toHaveLength(1);
      expect(parse(fake.file(FREEZES) ?? "")).toEqual({ freezes: [] });
    } finally {
      await second.close();
    }
  });
});
