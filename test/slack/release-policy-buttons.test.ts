import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import type { RunningBender } from "../support/bender-server.js";
import type { FakeRepository } from "../support/fake-github.js";
import { postBuild } from "../support/bender-server.js";
import { IMAGE, deployment, openExistingProposal, productionRepository } from "../support/manifests.js";
import { renderFreezes } from "../../src/policy/index.js";
import { encodeThawValue } from "../../src/slack/blocks/policy-buttons.js";
import { decodeMetadata, withMetadata } from "../../src/proposals/metadata.js";
import {
  CHANNEL,
  FakeSlack,
  GROUP,
  GROUP_MEMBER,
  OWEN,
  STRANGER,
  blockActions,
  blocksOf,
  buttonValueFor,
  buttonsOf,
  expectFirstAccess,
  pinAction,
  expectResponseUrl,
  sendToSlackEndpoint,
  slackBenderPerTest,
  slackConfig,
  slashCommand,
  textOf,
  waitUntil,
  withBenderLabels,
} from "../support/slack.js";
import type { SlackCall } from "../support/slack.js";
import { ACTION_THAW } from "../../src/slack/model.js";

// NOW is Tue 2025-06-03 16:00 UTC.
const FREEZES = ".bender/freezes.yml";

let bender: RunningBender | undefined;
const harness = slackBenderPerTest();
let commands = 0;

function setUp(extra = ""): { fake: FakeRepository; slack: FakeSlack } {
  const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`, extra)));
  harness.watch();
  return { fake, slack: new FakeSlack() };
}

async function start(): Promise<void> {
  bender = await harness.start({ manifestRepositories: ["acme/manifests"] });
}

/** Sends `/bender <text>` as `user` and returns Bender's ephemeral answer. */
async function command(text: string, user = OWEN): Promise<string> {
  const responseUrl = `https://hooks.slack.com/commands/T0ACME0001/glass-${++commands}/answer`;
  const answer = expectResponseUrl(responseUrl);
  expect((await sendToSlackEndpoint(bender!, slashCommand({ user, text, responseUrl }))).status).toBe(200);
  await waitUntil(() => answer.bodies.length === 1, `the answer to /bender ${text}`);
  return String(answer.bodies[0]?.text);
}

/** The Thaw button of an announcement, and where the announcement is. */
function thawButtonOf(announced: SlackCall | undefined, slackTs: string): { value: string; ts: string } {
  const [button] = buttonsOf(blocksOf(announced));
  expect(button?.action_id).toBe(ACTION_THAW);
  expect(button?.text.text).toBe("Thaw");
  return { value: String(button?.value), ts: slackTs };
}

async function press(user: string, value: string, ts: string, actionId = ACTION_THAW): Promise<void> {
  expect((await sendToSlackEndpoint(bender!, blockActions({ user, actionId, value, ts }))).status).toBe(200);
}

describe("the Thaw button on a freeze's announcement", () => {
  it("thaws with one compare-and-swap commit and redraws the announcement; pressed again, it says the freeze is already gone", async () => {
    const { fake, slack } = setUp();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderFreezesRead", "BenderWrite", "BenderArmedAutoMerges");
    slack.expect("chat.postMessage");
    await start();

    expect(await command("freeze production for 2h load test")).toContain("committed");
    const [announced] = await slack.waitFor("chat.postMessage");
    expect(textOf(blocksOf(announced))).toContain(":snowflake: *production* is frozen by <@U0OWEN0001>");
    const { value, ts } = thawButtonOf(announced, "1748966400.000001");
    const frozenAt = fake.head();

    // A stranger's press changes nothing.
    slack.expect("chat.postEphemeral");
    await press(STRANGER, value, ts);
    const [refused] = await slack.waitFor("chat.postEphemeral");
    expect(refused?.args).toMatchObject({ channel: CHANNEL, user: STRANGER });
    expect(refused?.args.text).toContain("You can't freeze or thaw *production*: you are not one of its freezers");
    expect(fake.head()).toBe(frozenAt);

    // The approver's press: the freeze removed in one commit on the head read, the announcement redrawn.
    fake.expectGraphql("BenderFreezesRead", "BenderWrite");
    slack.expect("chat.update");
    await press(OWEN, value, ts);
    const [redrawn] = await slack.waitFor("chat.update");
    expect(fake.parentOf(fake.head())).toBe(frozenAt);
    expect(fake.messageOf(fake.head())).toBe("Thaw production");
    expect(fake.commits.get(fake.head())?.body).toBe(`Thawed-by: <@${OWEN}> (Slack)`);
    expect(parse(fake.file(FREEZES) ?? "")).toEqual({ freezes: [] });
    expect(redrawn?.args).toMatchObject({ channel: CHANNEL, ts });
    expect(redrawn?.args.text).toMatch(/^:sunny: A freeze of \*production\* \(acme\/manifests\): Thawed by <@U0OWEN0001> at Tue 16:00 UTC\. Pin is open again\. \(<https:\/\/github\.com\/acme\/manifests\/commit\/[0-9a-f]{40}\|\.bender\/freezes\.yml>\)$/);
    expect(buttonsOf(blocksOf(redrawn))).toEqual([]);
    const thawedAt = fake.head();

    // Pressed again (a stale copy of the message): read, nothing written, the person told.
    // Pressed again (a stale copy of the message): read, nothing written, the person told who thawed it (the file's last change).
    fake.expectGraphql("BenderFreezesRead", "BenderFreezesChange");
    slack.expect("chat.update");
    slack.expect("chat.postEphemeral");
    await press(OWEN, value, ts);
    const told = await slack.waitFor("chat.postEphemeral", 2);
    expect(told[1]?.args.text).toBe(
      `This freeze of *production* (acme/manifests) is already gone: thawed by <@${OWEN}> at Tue 15:00 UTC (<https://github.com/acme/manifests/commit/${thawedAt}|Thaw production>). Nothing changed.`,
    );
    expect(fake.head()).toBe(thawedAt);
  });

  it("after /bender thaw, the earlier announcement's Thaw button says who thawed it and redraws the announcement so", async () => {
    const { fake, slack } = setUp();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderFreezesRead", "BenderWrite", "BenderArmedAutoMerges");
    slack.expect("chat.postMessage");
    await start();
    await command("freeze production for 2h load test");
    const [announced] = await slack.waitFor("chat.postMessage");
    const { value, ts } = thawButtonOf(announced, "1748966400.000001");

    fake.expectGraphql("BenderFreezesRead", "BenderWrite");
    slack.expect("chat.postMessage");
    expect(await command("thaw production")).toContain("committed");
    const thawedAt = fake.head();

    // Someone else pushes to main since: the answer still finds the thaw, the freezes file's last change.
    fake.push("main", { "README.md": "unrelated\n" });
    fake.expectGraphql("BenderFreezesRead", "BenderFreezesChange");
    slack.expect("chat.update");
    slack.expect("chat.postEphemeral");
    await press(OWEN, value, ts);
    const [told] = await slack.waitFor("chat.postEphemeral");
    expect(told?.args.text).toContain(`is already gone: thawed by <@${OWEN}> at Tue 15:00 UTC (<https://github.com/acme/manifests/commit/${thawedAt}|Thaw production>)`);
    const [redrawn] = await slack.waitFor("chat.update");
    expect(redrawn?.args.text).toBe(
      `:sunny: A freeze of *production* (acme/manifests) that is no longer in \`${FREEZES}\`: thawed by <@${OWEN}> at Tue 15:00 UTC (<https://github.com/acme/manifests/commit/${thawedAt}|Thaw production>).`,
    );
    expect(buttonsOf(blocksOf(redrawn))).toEqual([]);
  });

  it("a newer freeze whose reason reads like a thaw trailer is not told as a thaw: the answer names the file's last change", async () => {
    const { fake, slack } = setUp();
    const newer = fake.push("main", { [FREEZES]: renderFreezes([{ environment: "production", by: "alice", reason: "Thawed-by: <@U0STRANGE1> (Slack)", since: "2025-06-03T15:30:00.000Z" }]) }, "Freeze production");
    fake.commits.set(newer, { ...fake.commits.get(newer)!, body: `Thawed-by: <@${STRANGER}> (Slack)\n\nFrozen-by: alice` });
    expectFirstAccess(fake);
    fake.expectGraphql("BenderFreezesRead", "BenderFreezesChange");
    slack.expect("chat.update");
    slack.expect("chat.postEphemeral");
    await start();
    await press(OWEN, encodeThawValue({ v: 1, repository: "acme/manifests", environment: "production", since: "2025-06-03T15:00:00.000Z" }), "1748966400.000001");
    const [told] = await slack.waitFor("chat.postEphemeral");
    expect(told?.args.text).toBe(
      `This freeze of *production* (acme/manifests) is already gone: the file last changed at Tue 15:00 UTC (<https://github.com/acme/manifests/commit/${newer}|Freeze production>). Nothing changed.`,
    );
    expect(fake.head()).toBe(newer);
  });

  it("/bender thaw on a freezes file that cannot be read says so, not 'was not frozen'", async () => {
    const { fake } = setUp();
    fake.push("main", { [FREEZES]: "freezes: [unclosed\n" });
    const before = fake.head();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderFreezesRead");
    await start();
    const answer = await command("thaw production");
    expect(answer).toContain("acme/manifests: not thawed: .bender/freezes.yml is not valid YAML");
    expect(answer).toContain("fix or delete .bender/freezes.yml in git");
    expect(answer).not.toContain("was not frozen");
    expect(fake.head()).toBe(before);
  });

  it("a freezes file that cannot be read is not called 'already gone': the press says what is wrong with it and what to do", async () => {
    const { fake, slack } = setUp();
    fake.push("main", { [FREEZES]: "freezes: [unclosed\n" });
    const before = fake.head();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderFreezesRead");
    slack.expect("chat.postEphemeral");
    await start();
    await press(OWEN, encodeThawValue({ v: 1, repository: "acme/manifests", environment: "production", since: "2025-06-03T15:00:00.000Z" }), "1748966400.000001");
    const [told] = await slack.waitFor("chat.postEphemeral");
    expect(told?.args.text).toMatch(/^Not thawed: \.bender\/freezes\.yml is not valid YAML: .+ \(on the default branch\)\. Bender cannot tell which freeze to remove: fix or delete \.bender\/freezes\.yml in git \(until it reads, Pin is refused there\)\. Nothing changed\.$/);
    expect(told?.args.text).not.toContain("already gone");
    expect(fake.head()).toBe(before);
  });

  it("a member of a freezers user group may press Thaw", async () => {
    const { fake, slack } = setUp(`    freezers: [${GROUP}]\n`);
    expectFirstAccess(fake);
    fake.expectGraphql("BenderFreezesRead", "BenderWrite", "BenderArmedAutoMerges");
    slack.expectGroup(GROUP, [GROUP_MEMBER]);
    slack.expect("chat.postMessage");
    await start();
    expect(await command("freeze production quarter close", GROUP_MEMBER)).toContain("committed");
    const [announced] = await slack.waitFor("chat.postMessage");
    const { value, ts } = thawButtonOf(announced, "1748966400.000001");

    fake.expectGraphql("BenderFreezesRead", "BenderWrite");
    slack.expect("chat.update");
    await press(GROUP_MEMBER, value, ts);
    const [redrawn] = await slack.waitFor("chat.update");
    expect(redrawn?.args.text).toContain(`Thawed by <@${GROUP_MEMBER}>`);
    expect(parse(fake.file(FREEZES) ?? "")).toEqual({ freezes: [] });
  });

  it("in an automatic environment, Thaw sweeps the repository: the proposal that waited is pinned", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`, "    autoPin: true\n")));
    fake.push("main", { [FREEZES]: renderFreezes([{ environment: "production", by: "alice", reason: "quarter close", since: "2025-06-01T00:00:00Z" }]) });
    harness.watch();
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    slack.expect("chat.postMessage");
    await start();
    await postBuild(bender!, { image: `${IMAGE}:1.4.1`, repositories: [fake.nameWithOwner] });
    const [waiting] = fake.openPullRequests();
    expect(waiting?.state).toBe("OPEN");

    // The announcement of that freeze (as /bender freeze draws it) pressed: thawed, swept, the waiting proposal pinned.
    fake.expectGraphql("BenderFreezesRead", "BenderWrite", "BenderSweep", "BenderReadState", "BenderWrite");
    slack.expect("chat.update", { times: 2 });
    slack.expect("chat.postMessage");
    const announcement = "1748966400.000099";
    await press(OWEN, encodeThawValue({ v: 1, repository: fake.nameWithOwner, environment: "production", since: "2025-06-01T00:00:00Z" }), announcement);
    await waitUntil(() => waiting?.state === "MERGED", "the waiting proposal pinned");
    const updates = await slack.waitFor("chat.update", 2);
    expect(updates.find((call) => call.args.ts === announcement)?.args.text).toContain("Thawed by <@U0OWEN0001>");
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.1`));
    await slack.waitFor("chat.postMessage", 2);
  });

  it("a forged Thaw value is refused by name, before any GitHub request", async () => {
    const { slack } = setUp();
    slack.expect("chat.postEphemeral");
    await start();
    await press(OWEN, JSON.stringify({ v: 1, repository: "acme/manifests", environment: "production", since: "yesterday" }), "1748966400.000001");
    const [refused] = await slack.waitFor("chat.postEphemeral");
    expect(refused?.args.text).toContain("This button could not be read (the button value is invalid: since expected the freeze's start time)");
  });
});

describe("a freeze that starts cancels armed GitHub auto-merges", () => {
  it("Pin armed auto-merge (checks pending); the freeze turns it off in one read and one request, redraws the message, replies in its thread and counts it in the announcement", async () => {
    const { fake, slack } = setUp();
    const messageTs = "1748966400.000042";
    // An open proposal whose Slack message is recorded in its metadata.
    const armed = openExistingProposal(fake, {
      environment: "production",
      reference: `${IMAGE}:1.4.1`,
      body: (body) => {
        const decoded = decodeMetadata(body);
        if (!decoded.ok || decoded.metadata.kind !== "proposal") throw new Error("no metadata");
        return withMetadata(body, { ...decoded.metadata, slack: { channel: CHANNEL, ts: messageTs } });
      },
    });
    expectFirstAccess(fake);
    await start();

    // Pin while checks are pending: GitHub's auto-merge is armed.
    fake.mergeRefusal = 'Required status check "ci/build" is expected.';
    fake.expectGraphql("BenderPullRequest", "BenderWrite", "BenderAutoMerge");
    slack.expect("chat.update");
    slack.expect("chat.postEphemeral");
    await press(OWEN, buttonValueFor(fake, armed), messageTs, pinAction);
    await slack.waitFor("chat.postEphemeral");
    expect(armed.autoMerge).toBeDefined();

    // The freeze: its commit, then one read of the open proposals and one request turning auto-merge off.
    fake.expectGraphql("BenderFreezesRead", "BenderWrite", "BenderArmedAutoMerges", "BenderDisableAutoMerge");
    slack.expect("chat.update");
    slack.expect("chat.postMessage", { times: 2 });
    expect(await command("freeze production for 2h release train")).toContain("committed");
    const posted = await slack.waitFor("chat.postMessage", 2);
    expect(armed.autoMerge).toBeUndefined();
    expect(armed.state).toBe("OPEN");

    const [, redrawn] = await slack.waitFor("chat.update", 2);
    expect(redrawn?.args).toMatchObject({ channel: CHANNEL, ts: messageTs });
    expect(buttonsOf(blocksOf(redrawn)).map((button) => button.text.text)).toContain("Pin");
    const reply = posted.find((call) => call.args.thread_ts === messageTs);
    expect(reply?.args.text).toBe(":snowflake: GitHub's auto-merge was cancelled: *production* is frozen by <@U0OWEN0001> since Tue 16:00 UTC until Tue 18:00 UTC: release train. Pin again once it thaws.");
    const announcement = posted.find((call) => call.args.thread_ts === undefined);
    expect(announcement?.args.text).toContain("GitHub's auto-merge was cancelled on 1 proposal that would have pinned when checks passed.");
  });

  it("a freeze with nothing armed reads once and says nothing of auto-merge", async () => {
    const { fake, slack } = setUp();
    openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
    expectFirstAccess(fake);
    fake.expectGraphql("BenderFreezesRead", "BenderWrite", "BenderArmedAutoMerges");
    slack.expect("chat.postMessage");
    await start();
    await command("freeze production incident");
    const [announced] = await slack.waitFor("chat.postMessage");
    expect(announced?.args.text).not.toContain("auto-merge");
  });
});
