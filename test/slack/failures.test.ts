/**
 * No click, dialog or command ends in silence: a failure injected into each
 * Slack and GitHub call of Pin, Dismiss, Unpin and `/bender status` reaches
 * the person who acted, ephemerally, saying what went wrong and what to do.
 */
import nock from "nock";
import { describe, expect, it } from "vitest";
import { FAST_RETRY } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { API, expectInstallationToken } from "../support/fake-github.js";
import type { FakePullRequest, FakeRepository } from "../support/fake-github.js";
import { IMAGE, expectRepositoryInstallation, openExistingProposal, productionRepository } from "../support/manifests.js";
import {
  CHANNEL,
  FakeSlack,
  GROUP,
  GROUP_MEMBER,
  OWEN,
  blockActions,
  buttonValueFor,
  dismissAction,
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

const MESSAGE_TS = "1748966400.000001";
const harness = slackBenderPerTest();

interface World {
  readonly fake: FakeRepository;
  readonly slack: FakeSlack;
  readonly pullRequest: FakePullRequest;
}

/** One call of the flow: `fault` makes it fail as GitHub (502) or Slack (a revoked token) would. */
interface Step {
  readonly name: string;
  readonly service: "GitHub" | "Slack";
  expect(world: World, fault: boolean): void;
}

const GITHUB_DOWN: [number, Record<string, string>] = [502, { message: "Bad Gateway" }];
const TOKEN_REVOKED: [number, unknown] = [200, { ok: false, error: "token_revoked" }];

function graphql(operation: string): Step {
  return {
    name: operation,
    service: "GitHub",
    expect: ({ fake }, fault) => void fake.expectGraphql(fault ? { operation, reply: () => GITHUB_DOWN } : operation),
  };
}

function slackCall(method: string, ok: (world: World) => void = ({ slack }) => void slack.expect(method)): Step {
  return {
    name: method,
    service: "Slack",
    expect: (world, fault) => (fault ? void world.slack.expect(method, { reply: () => TOKEN_REVOKED }) : ok(world)),
  };
}

/** What a fresh server asks GitHub first: the installation, a token, the config. */
const FIRST_ACCESS: readonly Step[] = [
  {
    name: "GET /repos/{owner}/{repo}/installation",
    service: "GitHub",
    expect: ({ fake }, fault) =>
      void (fault ? nock(API).get(`/repos/${fake.nameWithOwner}/installation`).reply(...GITHUB_DOWN) : expectRepositoryInstallation(fake.nameWithOwner, 7)),
  },
  {
    name: "POST /app/installations/{id}/access_tokens",
    service: "GitHub",
    expect: (_world, fault) => void (fault ? nock(API).post("/app/installations/7/access_tokens").reply(...GITHUB_DOWN) : expectInstallationToken(7)),
  },
  graphql("BenderConfig"),
];

const PIN: readonly Step[] = [
  ...FIRST_ACCESS,
  slackCall("usergroups.users.list", ({ slack }) => void slack.expectGroup(GROUP, [GROUP_MEMBER])),
  graphql("BenderPullRequest"),
  graphql("BenderWrite"),
  slackCall("chat.update"),
  slackCall("chat.postMessage"),
];
const DISMISS: readonly Step[] = [...FIRST_ACCESS, graphql("BenderPullRequest"), graphql("BenderClose"), slackCall("chat.update"), slackCall("chat.postMessage")];
const UNPIN_BUTTON: readonly Step[] = [...FIRST_ACCESS, slackCall("views.open")];
const UNPIN_SUBMITTED: readonly Step[] = [
  graphql("BenderPullRequest"),
  graphql("BenderUnpinRead"),
  graphql("BenderWrite"),
  graphql("BenderWrite"),
  slackCall("chat.update"),
  slackCall("chat.postMessage"),
];
const STATUS: readonly Step[] = [...FIRST_ACCESS, graphql("BenderStatus")];

/** Sets up the steps before `index` to answer, and the one at `index` to fail. */
function failAt(world: World, steps: readonly Step[], index: number): void {
  for (const [position, step] of steps.slice(0, index + 1).entries()) step.expect(world, position === index);
}

const cases = (flow: string, steps: readonly Step[]) => steps.map((step, index) => ({ flow, step: step.name, service: step.service, index }));

/** What the person must read for a failure of this service. */
function expectedReply(service: "GitHub" | "Slack"): RegExp {
  return service === "GitHub" ? /^GitHub could not be reached \(HTTP 502: .*\), so Bender could not finish\. Try again in a minute\./ : /^Slack refused Bender's token \(`token_revoked`\), so Bender could not finish\. Whoever runs Bender should check `SLACK_BOT_TOKEN`/;
}

/** Records what Bender posts to one response_url. */
function responseUrl(status = 200, times = 1): { url: string; bodies: Record<string, unknown>[] } {
  const url = `https://hooks.slack.com/actions/T0ACME0001/${Math.random().toString(36).slice(2)}/response`;
  const bodies: Record<string, unknown>[] = [];
  nock("https://hooks.slack.com")
    .post(new URL(url).pathname)
    .times(times)
    .reply((_uri, body) => {
      bodies.push((typeof body === "string" ? JSON.parse(body) : body) as Record<string, unknown>);
      return [status, status === 200 ? "ok" : "expired_url"];
    });
  return { url, bodies };
}

async function start(): Promise<RunningBender> {
  harness.watch();
  return harness.start({ manifestRepositories: ["acme/manifests"] }, { retry: { ...FAST_RETRY, serverErrorRetries: 0 } });
}

function world(approvers: string): World {
  const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(approvers)));
  const pullRequest = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
  return { fake, slack: new FakeSlack(), pullRequest };
}

describe("a click whose Slack or GitHub call fails is told to the person, through the response_url", () => {
  it.each([...cases("Pin", PIN), ...cases("Dismiss", DISMISS), ...cases("Unpin (button)", UNPIN_BUTTON)])("$flow: $step fails", async ({ flow, service, index }) => {
    const steps = flow === "Pin" ? PIN : flow === "Dismiss" ? DISMISS : UNPIN_BUTTON;
    const current = world(`[${OWEN}, ${GROUP}]`);
    failAt(current, steps, index);
    const told = responseUrl();
    const bender = await start();

    const user = flow === "Pin" ? GROUP_MEMBER : OWEN;
    const actionId = flow === "Pin" ? pinAction : flow === "Dismiss" ? dismissAction : unpinAction;
    const value = buttonValueFor(current.fake, current.pullRequest);
    const response = await sendToSlackEndpoint(bender, blockActions({ user, actionId, value, ts: MESSAGE_TS, responseUrl: told.url }));
    expect(response.status).toBe(200);
    await waitUntil(() => told.bodies.length === 1, "the person told");

    expect(told.bodies[0]).toMatchObject({ response_type: "ephemeral", replace_original: false });
    expect(told.bodies[0]?.text).toMatch(expectedReply(service));
    expect(told.bodies[0]?.text).toContain(`Check the pull request before you press again: https://github.com/acme/manifests/pull/${current.pullRequest.number}`);
  });
});

describe("an unpin dialog whose Slack or GitHub call fails is told to the person, beside the message", () => {
  it.each(cases("Unpin (dialog submitted)", UNPIN_SUBMITTED))("$step fails", async ({ service, index }) => {
    const current = world(`[${OWEN}]`);
    current.fake.merge(current.pullRequest, { body: `Pinned-by: <@${OWEN}> (Slack)` });
    for (const step of UNPIN_BUTTON) step.expect(current, false);
    const bender = await start();
    await sendToSlackEndpoint(bender, blockActions({ user: OWEN, actionId: unpinAction, value: buttonValueFor(current.fake, current.pullRequest), ts: MESSAGE_TS }));
    const [opened] = await current.slack.waitFor("views.open");
    const privateMetadata = (opened?.args.view as { private_metadata: string }).private_metadata;

    failAt(current, UNPIN_SUBMITTED, index);
    current.slack.expect("chat.postEphemeral");
    expect((await sendToSlackEndpoint(bender, viewSubmission({ user: OWEN, privateMetadata, reason: "rollback" }))).status).toBe(200);
    const [told] = await current.slack.waitFor("chat.postEphemeral");

    expect(told?.args).toMatchObject({ channel: CHANNEL, user: OWEN });
    expect(told?.args.text).toMatch(expectedReply(service));
  });
});

describe("/bender status whose GitHub call fails is told to the person", () => {
  it.each(cases("/bender status", STATUS))("$step fails", async ({ service, index }) => {
    const current = world(`[${OWEN}]`);
    failAt(current, STATUS, index);
    const told = responseUrl();
    const bender = await start();

    expect((await sendToSlackEndpoint(bender, slashCommand({ user: OWEN, text: "status", responseUrl: told.url }))).status).toBe(200);
    await waitUntil(() => told.bodies.length === 1, "the person told");

    expect(told.bodies[0]).toMatchObject({ response_type: "ephemeral" });
    expect(told.bodies[0]?.text).toMatch(expectedReply(service));
  });

  it("an expired response_url: the answer is posted ephemerally in the channel instead", async () => {
    const current = world(`[${OWEN}]`);
    for (const step of STATUS) step.expect(current, false);
    // The answer, then the failure report, both refused by the response_url.
    const expired = responseUrl(404, 2);
    current.slack.expect("chat.postEphemeral");
    const bender = await start();

    expect((await sendToSlackEndpoint(bender, slashCommand({ user: OWEN, text: "status", responseUrl: expired.url }))).status).toBe(200);
    const [told] = await current.slack.waitFor("chat.postEphemeral");

    expect(expired.bodies).toHaveLength(2);
    expect(told?.args).toMatchObject({ channel: CHANNEL, user: OWEN });
    expect(told?.args.text).toMatch(/^Bender could not answer through Slack \(Failed to respond to the response_url: 404/);
  });
});
