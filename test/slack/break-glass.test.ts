import { describe, expect, it } from "vitest";
import { renderFreezes } from "../../src/policy/index.js";
import { ACTION_BREAK_GLASS, VIEW_BREAK_GLASS } from "../../src/slack/model.js";
import type { RunningBender } from "../support/bender-server.js";
import type { FakePullRequest, FakeRepository } from "../support/fake-github.js";
import { IMAGE, openExistingProposal, productionRepository } from "../support/manifests.js";
import {
  CHANNEL,
  FakeSlack,
  OWEN,
  PRIYA,
  STRANGER,
  TRIGGER_LIFETIME_MS,
  ageTriggers,
  blockActions,
  blocksOf,
  buttonValueFor,
  buttonsOf,
  expectFirstAccess,
  expectResponseUrl,
  pinAction,
  sendToSlackEndpoint,
  slackBenderPerTest,
  slackConfig,
  viewSubmission,
  waitUntil,
  withBenderLabels,
} from "../support/slack.js";

// NOW is Tue 2025-06-03 16:00 UTC.
const MESSAGE_TS = "1748966400.000001";
const REFUSAL_TS = "1748966500.000001";
const FREEZES = ".bender/freezes.yml";

let bender: RunningBender | undefined;
const harness = slackBenderPerTest();

/** Production frozen in git by alice with no end; one open proposal. */
function setUp(freezes: string | null = renderFreezes([{ environment: "production", by: "alice", reason: "quarter close", since: "2025-06-01T00:00:00Z" }]), extra = ""): { fake: FakeRepository; proposal: FakePullRequest; slack: FakeSlack } {
  const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`, extra)));
  const proposal = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
  if (freezes !== null) fake.push("main", { [FREEZES]: freezes });
  harness.watch();
  return { fake, proposal, slack: new FakeSlack() };
}

async function send(body: string): Promise<{ status: number; text: string }> {
  const answer = await sendToSlackEndpoint(bender!, body);
  expect(answer.status).toBe(200);
  return answer;
}

/** Pin pressed and refused by the freeze: the ephemeral refusal, with its "Pin anyway…" button's value. */
async function refusedPin(fake: FakeRepository, proposal: FakePullRequest, slack: FakeSlack): Promise<{ text: string; breakGlass: string | undefined }> {
  fake.expectGraphql("BenderPullRequest");
  slack.expect("chat.postEphemeral");
  await send(blockActions({ user: OWEN, actionId: pinAction, value: buttonValueFor(fake, proposal), ts: MESSAGE_TS }));
  const [refused] = await slack.waitFor("chat.postEphemeral");
  const [button] = buttonsOf(blocksOf(refused));
  if (button) expect(button).toMatchObject({ action_id: ACTION_BREAK_GLASS, text: { text: "Pin anyway…" }, style: "danger" });
  return { text: String(refused?.args.text), breakGlass: button?.value };
}

/** "Pin anyway…" pressed in the ephemeral refusal; the modal Slack was asked to open, and its private metadata. */
async function openModal(slack: FakeSlack, value: string): Promise<{ view: Record<string, unknown>; metadata: string }> {
  slack.expect("views.open");
  await send(blockActions({ user: OWEN, actionId: ACTION_BREAK_GLASS, value, ts: REFUSAL_TS, ephemeral: true }));
  const [opened] = await slack.waitFor("views.open");
  const view = opened?.args.view as Record<string, unknown>;
  return { view, metadata: String(view.private_metadata) };
}

function submit(user: string, metadata: string, reason: string): string {
  return viewSubmission({ user, privateMetadata: metadata, reason, callbackId: VIEW_BREAK_GLASS });
}

describe("break-glass: an approver pins through a freeze after a second confirmation", () => {
  it("the refusal offers Pin anyway…; the modal asks why; the merge commit and the thread record who broke the glass and why", async () => {
    const { fake, proposal, slack } = setUp();
    expectFirstAccess(fake);
    await (bender = await harness.start({ manifestRepositories: ["acme/manifests"] }));

    const refused = await refusedPin(fake, proposal, slack);
    expect(refused.text).toContain("Not pinned: production is frozen by alice until someone thaws it: quarter close. Nothing changed; Unpin stays allowed. An approver who must pin now can break the glass");
    expect(proposal.state).toBe("OPEN");

    const { view, metadata } = await openModal(slack, refused.breakGlass!);
    expect(view).toMatchObject({ type: "modal", callback_id: VIEW_BREAK_GLASS, title: { text: "Break the glass" }, submit: { text: "Pin anyway" } });
    expect(JSON.stringify(view.blocks)).toContain("This overrides the policy for this pin only");
    expect((view.blocks as { type: string; optional?: boolean }[]).find((block) => block.type === "input")?.optional).toBe(false);

    fake.expectGraphql("BenderPullRequest", "BenderWrite");
    slack.expect("chat.update");
    slack.expect("chat.postMessage", { times: 2 });
    expect((await send(submit(OWEN, metadata, "payments down,\nhotfix needed"))).text).toBe("");
    const replies = await slack.waitFor("chat.postMessage", 2);

    expect(proposal.state).toBe("MERGED");
    expect(proposal.mergeCommitBody).toBe(
      [`Pinned-by: <@${OWEN}> (Slack)`, `Pinned-during-freeze-by: <@${OWEN}> (Slack)`, "Break-glass-reason: payments down, hotfix needed", "Break-glass-at: 2025-06-03T16:00:00.000Z"].join("\n"),
    );
    expect(replies.every((reply) => reply.args.thread_ts === MESSAGE_TS && reply.args.channel === CHANNEL)).toBe(true);
    expect(replies[1]?.args.text).toBe(`:rotating_light: <@${OWEN}> broke the glass: pinned although production is frozen by alice until someone thaws it: quarter close. Reason: payments down, hotfix needed`);
    // The freeze itself stays: break-glass overrides it for this pin only.
    expect(fake.file(FREEZES)).toContain("quarter close");
  });

  it("a non-approver can neither press Pin anyway… nor submit a forged modal; an over-long reason is refused by name", async () => {
    const { fake, proposal, slack } = setUp();
    expectFirstAccess(fake);
    bender = await harness.start({ manifestRepositories: ["acme/manifests"] });
    const { breakGlass } = await refusedPin(fake, proposal, slack);

    // The button, pressed by someone else (the value copied): refused, no modal.
    slack.expect("chat.postEphemeral");
    await send(blockActions({ user: STRANGER, actionId: ACTION_BREAK_GLASS, value: breakGlass!, ts: REFUSAL_TS, ephemeral: true }));
    const told = await slack.waitFor("chat.postEphemeral", 2);
    expect(told[1]?.args).toMatchObject({ user: STRANGER });
    expect(told[1]?.args.text).toContain("You can't pin in *production*: you are not one of its approvers");

    // A view submission forged with the approver's private metadata: authorised again, refused, nothing merged.
    const { metadata } = await openModal(slack, breakGlass!);
    slack.expect("chat.postEphemeral");
    await send(submit(STRANGER, metadata, "let me in"));
    const again = await slack.waitFor("chat.postEphemeral", 3);
    expect(again[2]?.args.text).toContain("You can't pin in *production*");
    // Forged metadata that does not validate: nothing happens at all.
    await send(submit(OWEN, JSON.stringify({ value: breakGlass, channel: "not a channel" }), "why not"));

    // Over-long (Slack's max_length is the client's only): refused under the field, before anything runs.
    const tooLong = await send(submit(OWEN, metadata, "x".repeat(301)));
    expect(JSON.parse(tooLong.text)).toEqual({ response_action: "errors", errors: { reason: "The reason is 301 characters; keep it to 300." } });
    const empty = await send(submit(OWEN, metadata, "   "));
    expect(JSON.parse(empty.text).errors.reason).toContain("Say why this pin cannot wait");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(proposal.state).toBe("OPEN");
    expect(slack.of("chat.postEphemeral")).toHaveLength(3);
  });

  it("where two approvals are needed, break-glass skips the gate only: the first approver's override is one approval, the second's merges with both in the trailers", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}, ${PRIYA}]`, "    approvals: 2\n")));
    const proposal = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
    fake.push("main", { [FREEZES]: renderFreezes([{ environment: "production", by: "alice", reason: "quarter close", since: "2025-06-01T00:00:00Z" }]) });
    harness.watch();
    const slack = new FakeSlack();
    expectFirstAccess(fake);
    bender = await harness.start({ manifestRepositories: ["acme/manifests"] });

    // Owen: refused by the freeze, breaks the glass: recorded as 1 of 2, nothing merged.
    const { breakGlass } = await refusedPin(fake, proposal, slack);
    const { metadata } = await openModal(slack, breakGlass!);
    fake.expectGraphql("BenderPullRequest", "BenderApprove", "BenderPullRequest");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    slack.expect("chat.postEphemeral");
    await send(submit(OWEN, metadata, "hotfix"));
    await slack.waitFor("chat.postEphemeral", 2);
    expect(slack.of("chat.postEphemeral")[1]?.args.text).toContain("Your approval is recorded (1 of 2");
    expect(proposal.state).toBe("OPEN");

    // Priya: refused by the freeze too, breaks the glass: the second approval merges, both approvers and the override recorded.
    fake.expectGraphql("BenderPullRequest");
    slack.expect("chat.postEphemeral");
    await send(blockActions({ user: PRIYA, actionId: pinAction, value: buttonValueFor(fake, proposal), ts: MESSAGE_TS }));
    const refusals = await slack.waitFor("chat.postEphemeral", 3);
    const [button] = buttonsOf(blocksOf(refusals[2]));
    slack.expect("views.open");
    await send(blockActions({ user: PRIYA, actionId: ACTION_BREAK_GLASS, value: button!.value!, ts: REFUSAL_TS, ephemeral: true }));
    const opened = await slack.waitFor("views.open", 2);
    fake.expectGraphql("BenderPullRequest", "BenderApprove", "BenderWrite");
    slack.expect("chat.update");
    slack.expect("chat.postMessage", { times: 2 });
    await send(submit(PRIYA, String((opened[1]?.args.view as Record<string, unknown>).private_metadata), "still down"));
    await slack.waitFor("chat.postMessage", 3);
    expect(proposal.state).toBe("MERGED");
    expect(proposal.mergeCommitBody?.split("\n")).toEqual([
      `Pinned-by: <@${PRIYA}> (Slack)`,
      `Approved-by: <@${OWEN}> (Slack) at 2025-06-03T16:00:00.000Z`,
      `Approved-by: <@${PRIYA}> (Slack) at 2025-06-03T16:00:00.000Z`,
      `Pinned-during-freeze-by: <@${PRIYA}> (Slack)`,
      "Break-glass-reason: still down",
      "Break-glass-at: 2025-06-03T16:00:00.000Z",
    ]);
  });

  it("outside the deploy windows: the trailer says which refusal was overridden", async () => {
    const { fake, proposal, slack } = setUp(null, '    windows: [{days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00", timezone: Europe/Berlin}]\n');
    expectFirstAccess(fake);
    bender = await harness.start({ manifestRepositories: ["acme/manifests"] });
    const refused = await refusedPin(fake, proposal, slack);
    expect(refused.text).toContain("production is outside its deploy windows: the next window opens Wed 09:00 CEST, in 15 h");
    const { metadata } = await openModal(slack, refused.breakGlass!);
    fake.expectGraphql("BenderPullRequest", "BenderWrite");
    slack.expect("chat.update");
    slack.expect("chat.postMessage", { times: 2 });
    await send(submit(OWEN, metadata, "security fix"));
    const replies = await slack.waitFor("chat.postMessage", 2);
    expect(proposal.mergeCommitBody).toContain(`\nPinned-outside-window-by: <@${OWEN}> (Slack)\nBreak-glass-reason: security fix\n`);
    expect(replies[1]?.args.text).toBe(`:rotating_light: <@${OWEN}> broke the glass: pinned although production is outside its deploy windows: the next window opens Wed 09:00 CEST, in 15 h. Reason: security fix`);
  });

  it("an unreadable freezes file offers no break-glass: fixing the file is the way", async () => {
    const { fake, proposal, slack } = setUp("freezes: [not, a, freeze]\n");
    expectFirstAccess(fake);
    bender = await harness.start({ manifestRepositories: ["acme/manifests"] });
    const refused = await refusedPin(fake, proposal, slack);
    expect(refused.text).toContain("production is treated as frozen because its freezes file cannot be read");
    expect(refused.breakGlass).toBeUndefined();
    await waitUntil(() => proposal.state === "OPEN", "the proposal still open");
  });

  it("the fake is as strict as Slack: a trigger_id older than 3 s opens no modal, and the person is told", async () => {
    const { fake, proposal, slack } = setUp();
    expectFirstAccess(fake);
    bender = await harness.start({ manifestRepositories: ["acme/manifests"] });
    const { breakGlass } = await refusedPin(fake, proposal, slack);

    const late = "https://hooks.slack.com/actions/T0ACME0001/late/response";
    const told = expectResponseUrl(late);
    slack.expect("views.open");
    const payload = blockActions({ user: OWEN, actionId: ACTION_BREAK_GLASS, value: breakGlass!, ts: REFUSAL_TS, ephemeral: true, responseUrl: late });
    ageTriggers(TRIGGER_LIFETIME_MS + 1);
    await send(payload);
    await waitUntil(() => told.bodies.length === 1, "the person told");
    expect(slack.of("views.open")).toHaveLength(1);
    expect(told.bodies[0]?.text).toBe("Slack refused Bender's request (`expired_trigger_id`). Try again in a moment; if it keeps failing, tell whoever runs Bender.");
  });
});
