/**
 * Every Slack Web API call carries the bot token, against a fake as strict
 * as Slack: no token is `not_authed`, a wrong one `invalid_auth`.
 */
import { describe, expect, it } from "vitest";
import type { RunningBender } from "../support/bender-server.js";
import type { FakePullRequest, FakeRepository } from "../support/fake-github.js";
import { IMAGE, openExistingProposal, productionRepository } from "../support/manifests.js";
import {
  FakeSlack,
  GROUP,
  GROUP_MEMBER,
  OWEN,
  SLACK_SETTINGS,
  STRANGER,
  blockActions,
  buttonValueFor,
  expectFirstAccess,
  expectResponseUrl,
  pinAction,
  sendToSlackEndpoint,
  slackBenderPerTest,
  slackConfig,
  waitUntil,
  withBenderLabels,
} from "../support/slack.js";

const MESSAGE_TS = "1748966400.000001";
const harness = slackBenderPerTest();

function setUp(approvers: string): { fake: FakeRepository; proposal: FakePullRequest; slack: FakeSlack } {
  const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(approvers)));
  const proposal = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
  harness.watch();
  return { fake, proposal, slack: new FakeSlack() };
}

async function click(bender: RunningBender, user: string, value: string, responseUrl?: string): Promise<void> {
  const response = await sendToSlackEndpoint(bender, blockActions({ user, actionId: pinAction, value, ts: MESSAGE_TS, ...(responseUrl ? { responseUrl } : {}) }));
  expect(response.status).toBe(200);
}

describe("the Slack fake refuses calls as Slack does", () => {
  it("no token: not_authed; a wrong token: invalid_auth; the bot token: ok (HTTP 200 each time)", async () => {
    const slack = new FakeSlack();
    slack.refusalsExpected = true;
    slack.expect("chat.postMessage", { times: 4 });
    const post = (headers: Record<string, string>, body = "channel=C1&text=hi") =>
      fetch("https://slack.com/api/chat.postMessage", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body }).then(async (response) => ({
        status: response.status,
        json: (await response.json()) as Record<string, unknown>,
      }));

    expect(await post({})).toEqual({ status: 200, json: { ok: false, error: "not_authed" } });
    expect(await post({ authorization: "Bearer xoxb-someone-else" })).toEqual({ status: 200, json: { ok: false, error: "invalid_auth" } });
    expect(await post({}, "channel=C1&text=hi&token=xoxb-test")).toMatchObject({ status: 200, json: { ok: true } });
    expect(await post({ authorization: "Bearer xoxb-test" })).toMatchObject({ status: 200, json: { ok: true } });
    expect(slack.refused.map((call) => call.token)).toEqual([undefined, "xoxb-someone-else"]);
  });
});

describe("approvers, against the strict fake", () => {
  it("a user group's membership is fetched with the bot token, and every other call of the pin carries it too", async () => {
    const { fake, proposal, slack } = setUp(`[${GROUP}]`);
    expectFirstAccess(fake);
    slack.expectGroup(GROUP, [GROUP_MEMBER]);
    fake.expectGraphql("BenderPullRequest", "BenderWrite");
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    const bender = await harness.start();

    await click(bender, GROUP_MEMBER, buttonValueFor(fake, proposal));
    await slack.waitFor("chat.postMessage");

    expect(proposal.state).toBe("MERGED");
    expect(slack.calls.map((call) => [call.method, call.token])).toEqual([
      ["usergroups.users.list", SLACK_SETTINGS.botToken],
      ["chat.update", SLACK_SETTINGS.botToken],
      ["chat.postMessage", SLACK_SETTINGS.botToken],
    ]);
    expect(slack.refused).toEqual([]);
  });

  it("a user group Slack does not know: its members are nobody, the refusal names the approvers and the unknown group, and the answer is cached", async () => {
    const { fake, proposal, slack } = setUp(`[${OWEN}, S0NOSUCH01]`);
    expectFirstAccess(fake);
    slack.expect("usergroups.users.list", { reply: () => [200, { ok: false, error: "no_such_subteam" }] });
    slack.expect("chat.postEphemeral", { times: 2 });
    const bender = await harness.start();

    await click(bender, STRANGER, buttonValueFor(fake, proposal));
    await click(bender, STRANGER, buttonValueFor(fake, proposal));
    const [told] = await slack.waitFor("chat.postEphemeral", 2);

    expect(told?.args.text).toContain("You can't pin in *production*: you are not one of its approvers, so nothing changed.");
    expect(told?.args.text).toContain(`Its approvers: <@${OWEN}>, <!subteam^S0NOSUCH01>.`);
    expect(told?.args.text).toContain("Slack knows no user group `S0NOSUCH01`: fix or remove it.");
    expect(slack.of("usergroups.users.list")).toHaveLength(1);
    expect(proposal.state).toBe("OPEN");
  });

  it("a bot token Slack does not accept: the pin still merges, and the person is told through the response_url that Slack refused the token", async () => {
    const { fake, proposal, slack } = setUp(`[${OWEN}]`);
    slack.refusalsExpected = true;
    expectFirstAccess(fake);
    fake.expectGraphql("BenderPullRequest", "BenderWrite");
    slack.expect("chat.update");
    const told = expectResponseUrl("https://hooks.slack.com/actions/T0ACME0001/wrong-token/response");
    const bender = await harness.start({ slack: { ...SLACK_SETTINGS, botToken: "xoxb-revoked-long-ago" } });

    await click(bender, OWEN, buttonValueFor(fake, proposal), "https://hooks.slack.com/actions/T0ACME0001/wrong-token/response");
    await waitUntil(() => told.bodies.length === 1, "the person told");

    expect(slack.refused.map((call) => [call.method, call.token])).toEqual([["chat.update", "xoxb-revoked-long-ago"]]);
    expect(proposal.state).toBe("MERGED");
    expect(told.bodies[0]?.text).toMatch(/^Slack refused Bender's token \(`invalid_auth`\), so Bender could not finish\. Whoever runs Bender should check `SLACK_BOT_TOKEN`/);
    expect(told.bodies[0]?.text).not.toContain("xoxb-");
  });
});
