import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { renderFreezes } from "../../src/policy/index.js";
import { postBuild } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import type { FakePullRequest, FakeRepository } from "../support/fake-github.js";
import { IMAGE, PRODUCTION_BRANCH, deployment, openExistingProposal, productionRepository } from "../support/manifests.js";
import {
  CHANNEL,
  FakeSlack,
  NOW,
  OWEN,
  PRIYA,
  blockActions,
  blocksOf,
  textOf,
  buttonValueFor,
  expectFirstAccess,
  expectResponseUrl,
  pinAction,
  sendToSlackEndpoint,
  slackBenderPerTest,
  slackConfig,
  slashCommand,
  unpinAction,
  viewSubmission,
  waitUntil,
  withBenderLabels,
} from "../support/slack.js";

// NOW is Tue 2025-06-03 16:00 UTC (18:00 in Berlin).
const MESSAGE_TS = "1748966400.000001";
const FREEZES = ".bender/freezes.yml";
/** Pin's refusal ends with the break-glass offer (its button: test/slack/break-glass.test.ts). */
const BREAK_GLASS = "An approver who must pin now can break the glass, with a reason that is recorded:";
const BERLIN_OFFICE_HOURS = '    windows: [{days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00", timezone: Europe/Berlin}]\n';

let bender: RunningBender | undefined;
const harness = slackBenderPerTest();
let commands = 0;

function setUp(extra = ""): { fake: FakeRepository; proposal: FakePullRequest; slack: FakeSlack } {
  const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`, extra)));
  const proposal = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
  harness.watch();
  return { fake, proposal, slack: new FakeSlack() };
}

async function start(): Promise<void> {
  bender = await harness.start({ manifestRepositories: ["acme/manifests"] });
}

/** Sends `/bender <text>` as `user` and returns Bender's ephemeral answer. */
async function command(text: string, user = OWEN): Promise<string> {
  const responseUrl = `https://hooks.slack.com/commands/T0ACME0001/${++commands}/answer`;
  const answer = expectResponseUrl(responseUrl);
  expect((await sendToSlackEndpoint(bender!, slashCommand({ user, text, responseUrl }))).status).toBe(200);
  await waitUntil(() => answer.bodies.length === 1, `the answer to /bender ${text}`);
  expect(answer.bodies[0]?.response_type).toBe("ephemeral");
  return String(answer.bodies[0]?.text);
}

async function click(user: string, value: string, actionId = pinAction): Promise<void> {
  expect((await sendToSlackEndpoint(bender!, blockActions({ user, actionId, value, ts: MESSAGE_TS }))).status).toBe(200);
}

describe("freezes from Slack", () => {
  it("freeze writes one compare-and-swap commit on main and announces it; Pin is then refused with the reason and the end; thaw reopens Pin", async () => {
    const { fake, proposal, slack } = setUp();
    const head = fake.head();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderFreezesRead", "BenderWrite", "BenderArmedAutoMerges");
    slack.expect("chat.postMessage");
    await start();

    // 1. Freeze: one commit on main with the entry, announced in the environment's channel.
    const answer = await command("freeze production for 2h load test");
    expect(answer).toMatch(/^\*production\* is frozen by <@U0OWEN0001> since Tue 16:00 UTC until Tue 18:00 UTC: load test\.\n• acme\/manifests: <https:\/\/github\.com\/acme\/manifests\/commit\/[0-9a-f]{40}\|committed>$/);
    expect(fake.parentOf(fake.head())).toBe(head);
    expect(fake.messageOf(fake.head())).toBe("Freeze production until 2025-06-03T18:00:00.000Z");
    expect(fake.commits.get(fake.head())?.body).toBe("load test\n\nFrozen-by: <@U0OWEN0001> (Slack)");
    const until = new Date(NOW.getTime() + 2 * 3_600_000).toISOString();
    expect(parse(fake.file(FREEZES) ?? "")).toEqual({ freezes: [{ environment: "production", by: OWEN, reason: "load test", since: NOW.toISOString(), until }] });
    const [announced] = await slack.waitFor("chat.postMessage");
    expect(announced?.args.channel).toBe("#deploys");
    expect(announced?.args.text).toContain(":snowflake: *production* is frozen by <@U0OWEN0001>");
    expect(announced?.args.text).toContain("Unpin stays allowed");

    // 2. Pin is refused, in the same read as the PR, with the freeze's reason and end; nothing merges.
    fake.expectGraphql("BenderPullRequest");
    slack.expect("chat.postEphemeral");
    await click(OWEN, buttonValueFor(fake, proposal));
    const [refused] = await slack.waitFor("chat.postEphemeral");
    expect(refused?.args).toMatchObject({ channel: CHANNEL, user: OWEN });
    expect(refused?.args.text).toBe(`Not pinned: production is frozen by <@U0OWEN0001> until Tue 18:00 UTC (in 2 h): load test. Nothing changed; Unpin stays allowed. ${BREAK_GLASS}`);
    expect(proposal.state).toBe("OPEN");

    // 3. Thaw: the entry is removed in one commit, announced; Pin merges again.
    fake.expectGraphql("BenderFreezesRead", "BenderWrite");
    slack.expect("chat.postMessage");
    expect(await command("thaw production")).toMatch(/^Thaw of \*production\*:\n• acme\/manifests: <https:\/\/github\.com\/acme\/manifests\/commit\/[0-9a-f]{40}\|committed>$/);
    expect(parse(fake.file(FREEZES) ?? "")).toEqual({ freezes: [] });
    const [thawed] = await slack.waitFor("chat.postMessage", 2).then((calls) => calls.slice(1));
    expect(thawed?.args.text).toContain(":sunny: *production* was thawed by <@U0OWEN0001>. Pin is open again.");

    fake.expectGraphql("BenderPullRequest", "BenderWrite");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    await click(OWEN, buttonValueFor(fake, proposal));
    await slack.waitFor("chat.postMessage", 3);
    expect(proposal.state).toBe("MERGED");
  });

  it("freeze and thaw are refused to someone who is neither a freezer nor an approver; freezers may freeze without being approvers", async () => {
    const { fake } = setUp(`    freezers: [${PRIYA}]\n`);
    expectFirstAccess(fake);
    fake.expectGraphql("BenderFreezesRead", "BenderWrite", "BenderArmedAutoMerges");
    const slack = new FakeSlack();
    slack.expect("chat.postMessage");
    await start();
    const head = fake.head();

    expect(await command("freeze production deploy party", OWEN)).toContain("You can't freeze or thaw *production*: you are not one of its freezers");
    expect(await command("thaw production", OWEN)).toContain("You can't freeze or thaw *production*");
    expect(fake.head()).toBe(head);

    expect(await command("freeze production until 20:00 release train", PRIYA)).toContain("frozen by <@U0PRIYA001>");
    expect(parse(fake.file(FREEZES) ?? "")).toMatchObject({ freezes: [{ environment: "production", by: PRIYA, reason: "release train", until: "2025-06-03T20:00:00.000Z" }] });
    await slack.waitFor("chat.postMessage");
  });

  it("a freeze racing a push reads main again and writes on the new head, keeping the pushed change", async () => {
    const { fake } = setUp();
    expectFirstAccess(fake);
    const slack = new FakeSlack();
    fake.expectGraphql(
      "BenderFreezesRead",
      { operation: "BenderWrite", before: (repository) => void repository.push("main", { "clusters/prod/other.yaml": "kind: ConfigMap\n" }) },
      "BenderFreezesRead",
      "BenderWrite",
      "BenderArmedAutoMerges",
    );
    slack.expect("chat.postMessage");
    await start();

    // Slack sends & < > as entities: the file gets what the person typed, Slack gets it escaped again.
    const answer = await command("freeze production for 30m db &amp; cache &lt;migration&gt;");
    expect(answer).toContain(": db &amp; cache &lt;migration&gt;.");
    expect(answer).toContain("committed");
    expect(fake.file("clusters/prod/other.yaml")).toBe("kind: ConfigMap\n");
    expect(parse(fake.file(FREEZES) ?? "")).toMatchObject({ freezes: [{ environment: "production", reason: "db & cache <migration>" }] });
    await slack.waitFor("chat.postMessage");
  });

  it("a freeze written by a person in git is followed, and a bad command says what is allowed without writing", async () => {
    const { fake, proposal, slack } = setUp();
    fake.push("main", { [FREEZES]: renderFreezes([{ environment: "production", by: "alice", reason: "quarter close", since: "2025-06-01T00:00:00Z" }]) });
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest");
    slack.expect("chat.postEphemeral");
    await start();

    expect(await command("freeze production for 2 weeks")).toContain('"2" is not a duration');
    expect(await command("freeze staging outage")).toContain("No environment named staging");

    await click(OWEN, buttonValueFor(fake, proposal));
    const [refused] = await slack.waitFor("chat.postEphemeral");
    expect(refused?.args.text).toBe(`Not pinned: production is frozen by alice until someone thaws it: quarter close. Nothing changed; Unpin stays allowed. ${BREAK_GLASS}`);
    expect(proposal.state).toBe("OPEN");
  });

  it("Unpin stays allowed during a freeze: the unpin commit lands on main", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`)));
    const pinned = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
    fake.merge(pinned, { body: `Pinned-by: <@${OWEN}> (Slack)`, expectedHeadOid: fake.head(PRODUCTION_BRANCH) });
    fake.push("main", { [FREEZES]: renderFreezes([{ environment: "production", by: OWEN, reason: "incident", since: "2025-06-03T15:00:00Z" }]) });
    harness.watch();
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    slack.expect("views.open");
    await start();

    await click(OWEN, buttonValueFor(fake, pinned), unpinAction);
    const [opened] = await slack.waitFor("views.open");
    const metadata = (opened?.args.view as { private_metadata: string }).private_metadata;
    fake.expectGraphql("BenderPullRequest", "BenderUnpinRead", "BenderWrite", "BenderWrite");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    expect((await sendToSlackEndpoint(bender!, viewSubmission({ user: OWEN, privateMetadata: metadata, reason: "errors" }))).status).toBe(200);
    await slack.waitFor("chat.postMessage");

    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.0`));
    // The freeze is untouched by the unpin.
    expect(parse(fake.file(FREEZES) ?? "")).toMatchObject({ freezes: [{ environment: "production", reason: "incident" }] });
  });
});

describe("deploy windows", () => {
  it("Pin outside the windows is refused with the next opening in the environment's zone", async () => {
    const { fake, proposal, slack } = setUp(BERLIN_OFFICE_HOURS);
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest");
    slack.expect("chat.postEphemeral");
    await start();

    await click(OWEN, buttonValueFor(fake, proposal));
    const [refused] = await slack.waitFor("chat.postEphemeral");
    // 18:00 in Berlin on a Tuesday: the next window opens Wednesday 09:00 CEST (07:00 UTC), 15 hours on.
    expect(refused?.args.text).toBe(`Not pinned: production is outside its deploy windows: the next window opens Wed 09:00 CEST, in 15 h. Nothing changed; Unpin stays allowed. ${BREAK_GLASS}`);
    expect(proposal.state).toBe("OPEN");
  });

  it("/bender status shows the freezes in force and the deploy window, read in the status query itself", async () => {
    const { fake } = setUp(BERLIN_OFFICE_HOURS);
    fake.push("main", { [FREEZES]: renderFreezes([{ environment: "production", by: PRIYA, reason: "black friday", since: "2025-06-03T08:00:00Z", until: "2025-06-05T08:00:00Z" }]) });
    expectFirstAccess(fake);
    fake.expectGraphql("BenderStatus");
    await start();

    const lines = (await command("status production")).split("\n");
    expect(lines).toContain("• frozen by <@U0PRIYA001> since Tue 10:00 CEST until Thu 10:00 CEST: black friday");
    expect(lines).toContain("• deploy window: closed; the next opens Wed 09:00 CEST, in 15 h");
  });
});

describe("automatic pins", () => {
  it("wait while the environment is frozen: the proposal stays open and its message says why", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`, "    autoPin: true\n")));
    // Frozen by a person in git, with no end: in force whatever the clock says.
    fake.push("main", { [FREEZES]: renderFreezes([{ environment: "production", by: "alice", reason: "quarter close", since: "2025-06-01T00:00:00Z" }]) });
    harness.watch();
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    slack.expect("chat.postMessage");
    await start();

    const build = await postBuild(bender!, { image: `${IMAGE}:1.4.1`, repositories: [fake.nameWithOwner] });

    expect(build.proposals).toEqual([expect.objectContaining({ action: "opened", pinned: false, detail: expect.stringContaining("production is frozen by alice until someone thaws it: quarter close") })]);
    const [open] = fake.openPullRequests();
    expect(open?.state).toBe("OPEN");
    expect(open?.body).toContain("- Held: production is frozen by alice until someone thaws it: quarter close");
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.0`));
    const [posted] = await slack.waitFor("chat.postMessage");
    expect(textOf(blocksOf(posted))).toContain("Automation will not pin this: production is frozen by alice until someone thaws it: quarter close");

    // Thawed from Slack: the repository is swept, and the proposal that waited is pinned.
    fake.expectGraphql("BenderFreezesRead", "BenderWrite", "BenderSweep", "BenderReadState", "BenderWrite");
    // The thaw's announcement, and the pin's line in the proposal's thread.
    slack.expect("chat.postMessage", { times: 2 });
    slack.expect("chat.update");
    expect(await command("thaw production")).toContain("committed");
    await waitUntil(() => open?.state === "MERGED", "the waiting proposal pinned");
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.1`));
    const [redrawn] = await slack.waitFor("chat.update");
    // The proposal's message (the fake's first ts) is redrawn as pinned, and the pin noted in its thread.
    expect(redrawn?.args.ts).toBe("1748966400.000001");
    expect(textOf(blocksOf(redrawn))).toContain("Pinned");
    const calls = await slack.waitFor("chat.postMessage", 3);
    expect(calls.filter((call) => call.args.thread_ts === "1748966400.000001")).toHaveLength(1);
    expect(calls.filter((call) => String(call.args.text).startsWith(":sunny: *production* was thawed"))).toHaveLength(1);
  });

  it("wait during a blackout (on the injected clock): the message says when the next window opens", async () => {
    const day = 86_400_000;
    const date = (offset: number) => new Date(NOW.getTime() + offset * day).toISOString().slice(0, 10);
    const blackout = `${date(-1)}..${date(1)}`;
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`, `    autoPin: true\n    timezone: UTC\n    blackouts: ["${blackout}"]\n`)));
    harness.watch();
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    slack.expect("chat.postMessage");
    await start();

    const build = await postBuild(bender!, { image: `${IMAGE}:1.4.1`, repositories: [fake.nameWithOwner] });

    const waiting = new RegExp(`production has a blackout \\(${blackout.replaceAll(".", "\\.")}\\): the next window opens \\w{3} 00:00 UTC, in `);
    expect(build.proposals).toEqual([expect.objectContaining({ action: "opened", pinned: false, detail: expect.stringMatching(waiting) })]);
    expect(fake.openPullRequests()).toHaveLength(1);
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.0`));
    const [posted] = await slack.waitFor("chat.postMessage");
    expect(textOf(blocksOf(posted))).toMatch(waiting);
  });
});
