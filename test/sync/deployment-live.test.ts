import nock from "nock";
import { describe, expect, it } from "vitest";
import { examples, withValue } from "../builds/payloads.js";
import { decodeMetadata, withMetadata } from "../../src/proposals/metadata.js";
import { deliver } from "../support/bender-server.js";
import { API, expectInstallationToken } from "../support/fake-github.js";
import type { FakePullRequest, FakeRepository } from "../support/fake-github.js";
import { IMAGE, openExistingProposal, productionRepository, repointed } from "../support/manifests.js";
import { CHANNEL, FakeSlack, OWEN, blocksOf, expectFirstAccess, slackBenderPerTest, slackConfig, textOf, withBenderLabels } from "../support/slack.js";

const MESSAGE_TS = "1748966400.000042";
const harness = slackBenderPerTest();

function pinnedProposal(): { fake: FakeRepository; proposal: FakePullRequest; mergeCommit: string } {
  const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`)));
  const proposal = openExistingProposal(fake, {
    environment: "production",
    reference: `${IMAGE}:1.4.1`,
    body: (body) => {
      const decoded = decodeMetadata(body);
      if (!decoded.ok) throw new Error(decoded.reason);
      return withMetadata(body, { ...decoded.metadata, slack: { channel: CHANNEL, ts: MESSAGE_TS } });
    },
  });
  const mergeCommit = fake.merge(proposal, { by: "alice" });
  return { fake, proposal, mergeCommit };
}

/**
 * The real `deployment_status` example (the one with an installation),
 * turned into what `bender sync` creates: environment `<environment>/<cluster>`,
 * the sync job's payload, the deployed commit and the status.
 */
function deploymentStatusPayload(fake: FakeRepository, options: { id: number; sha: string; cluster: string; state: string; description?: string }) {
  const example = examples("deployment_status").find((payload) => (payload.installation as { id?: number } | undefined)?.id !== undefined && (payload.deployment_status as { state: string }).state === "success");
  if (!example) throw new Error("no deployment_status example with an installation");
  let payload = repointed(example, fake);
  const deployment = example.deployment as Record<string, unknown>;
  const status = example.deployment_status as Record<string, unknown>;
  payload = withValue(payload, "deployment", {
    ...deployment,
    id: options.id,
    sha: options.sha,
    ref: options.sha,
    environment: `production/${options.cluster}`,
    payload: { bender: { environment: "production", cluster: options.cluster } },
  });
  return withValue(payload, "deployment_status", { ...status, state: options.state, description: options.description ?? "applied 1, unchanged 12", environment: `production/${options.cluster}` });
}

/** A commit's pull requests as the handler's queries read them: the pin merged by `sha`, or none. */
function commitPulls(fake: FakeRepository, sha: string, proposal?: FakePullRequest): Record<string, unknown> {
  if (!proposal) return { associatedPullRequests: { nodes: [] } };
  const rest = fake.restPullRequest(proposal) as { node_id: string; html_url: string; number: number; body: string; head: { ref: string; sha: string } };
  const pull = {
    id: rest.node_id,
    number: rest.number,
    url: rest.html_url,
    headRefName: rest.head.ref,
    headRefOid: rest.head.sha,
    body: rest.body,
    mergedAt: "2025-06-03T15:00:00Z",
    mergeCommit: { oid: sha },
    mergedBy: { __typename: "User", login: "alice" },
    author: { __typename: "Bot", login: "bender" },
  };
  return { associatedPullRequests: { nodes: [pull] } };
}

/**
 * GitHub's answer to the handler's first query: the cluster's earlier deployments (newest first, with their last
 * status) and the pull requests of the deployed commit.
 */
function expectHistory(fake: FakeRepository, deployments: { id: number; sha: string; state?: string }[], deployed: { sha: string; proposal?: FakePullRequest }): void {
  const nodes = deployments.map(({ id, sha, state }) => ({ databaseId: id, commitOid: sha, latestStatus: state === undefined ? null : { state: state.toUpperCase() } }));
  fake.expectGraphql({ operation: "BenderDeploymentHistory", reply: () => [200, { data: { repository: { deployments: { nodes }, deployed: commitPulls(fake, deployed.sha, deployed.proposal) } } }] });
}

/** The variables of the handler's queries, in the order sent. */
function deploymentQueries(fake: FakeRepository): { operation: string | undefined; variables: Record<string, unknown> }[] {
  return fake.requests
    .filter((request) => request.operation?.startsWith("BenderDeploy") === true)
    .map((request) => ({ operation: request.operation, variables: (request.body as { variables: Record<string, unknown> }).variables }));
}

describe("deployment_status from the sync job: the pin's Slack thread says live", () => {
  it("one reply per cluster; the message shows every cluster heard from, live or failed with its first reason", async () => {
    const { fake, proposal, mergeCommit } = pinnedProposal();
    expect(fake.nameWithOwner).toBe("acme/manifests");
    const slack = new FakeSlack();
    harness.watch();
    expectInstallationToken(1);
    expectFirstAccess(fake);
    const bender = await harness.start();

    // prod-eu-1 applied the merge: its first deployment.
    expectHistory(fake, [{ id: 500, sha: mergeCommit }], { sha: mergeCommit, proposal });
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    expect((await deliver(bender, "deployment_status", deploymentStatusPayload(fake, { id: 500, sha: mergeCommit, cluster: "prod-eu-1", state: "success" }))).status).toBe(200);
    const [live] = await slack.waitFor("chat.postMessage");
    expect(live?.args).toMatchObject({ channel: CHANNEL, thread_ts: MESSAGE_TS, text: `:large_green_circle: Live on prod-eu-1 (\`${mergeCommit.slice(0, 7)}\`).` });
    const [first] = slack.of("chat.update");
    expect(textOf(blocksOf(first))).toContain("Pinned by alice via GitHub");
    expect(textOf(blocksOf(first))).toContain(":large_green_circle: live on prod-eu-1");

    // prod-us-1 of the same environment failed on the same commit.
    expectHistory(fake, [{ id: 501, sha: mergeCommit }], { sha: mergeCommit, proposal });
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    const reason = 'Deployment shop/api: admission webhook "policy" denied the request';
    await deliver(bender, "deployment_status", deploymentStatusPayload(fake, { id: 501, sha: mergeCommit, cluster: "prod-us-1", state: "failure", description: reason }));
    const [, failed] = await slack.waitFor("chat.postMessage", 2);
    expect(failed?.args.text).toBe(`:red_circle: Failed on prod-us-1 (\`${mergeCommit.slice(0, 7)}\`): ${reason}`);
    const [, second] = slack.of("chat.update");
    expect(textOf(blocksOf(second))).toContain(":large_green_circle: live on prod-eu-1 · :red_circle: failed on prod-us-1: Deployment shop/api");
    // One query per delivery, for the cluster's own environment.
    expect(deploymentQueries(fake)).toEqual([
      { operation: "BenderDeploymentHistory", variables: { owner: "acme", name: "manifests", environment: "production/prod-eu-1", deployed: mergeCommit } },
      { operation: "BenderDeploymentHistory", variables: { owner: "acme", name: "manifests", environment: "production/prod-us-1", deployed: mergeCommit } },
    ]);
  });

  it("a later deployment to a cluster reports only the pins it had not run yet; in_progress and other tools' deployments are ignored", async () => {
    const { fake, mergeCommit } = pinnedProposal();
    const newer = "f".repeat(40);
    const slack = new FakeSlack();
    harness.watch();
    expectInstallationToken(1);
    const bender = await harness.start();

    // The cluster ran the pin's merge before (deployment 500 succeeded); 502 brings one more commit, not a pin.
    expectHistory(fake, [{ id: 502, sha: newer }, { id: 500, sha: mergeCommit, state: "success" }], { sha: newer });
    nock(API).get(`/repos/acme/manifests/compare/${mergeCommit}...${newer}`).reply(200, { status: "ahead", commits: [{ sha: newer }] });
    expect((await deliver(bender, "deployment_status", deploymentStatusPayload(fake, { id: 502, sha: newer, cluster: "prod-eu-1", state: "success" }))).status).toBe(200);

    await deliver(bender, "deployment_status", deploymentStatusPayload(fake, { id: 503, sha: newer, cluster: "prod-eu-1", state: "in_progress" }));
    const foreign = withValue(deploymentStatusPayload(fake, { id: 504, sha: newer, cluster: "prod-eu-1", state: "success" }), "deployment.payload", {});
    await deliver(bender, "deployment_status", foreign);
    expect(slack.of("chat.update")).toEqual([]);
    expect(slack.of("chat.postMessage")).toEqual([]);
  });

  it("reads a deployment of fifty commits in three requests (was one per commit, pull request and earlier deployment)", async () => {
    const { fake, proposal, mergeCommit } = pinnedProposal();
    const slack = new FakeSlack();
    harness.watch();
    expectInstallationToken(1);
    expectFirstAccess(fake);
    const bender = await harness.start();

    // Deployment 600 runs 50 commits the cluster had not run (its last success, 590, ran `before`); the pin's merge is the 20th.
    const before = "b".repeat(40);
    const commits = Array.from({ length: 50 }, (_, index) => (index === 19 ? mergeCommit : index.toString(16).padStart(40, "c")));
    const deployed = commits[49] ?? "";
    const earlier = [{ id: 600, sha: deployed }, ...Array.from({ length: 8 }, (_, index) => ({ id: 599 - index, sha: before, state: "failure" })), { id: 590, sha: before, state: "success" }];
    expectHistory(fake, earlier, { sha: deployed });
    nock(API).get(`/repos/acme/manifests/compare/${before}...${deployed}`).reply(200, { status: "ahead", commits: commits.map((sha) => ({ sha })) });
    const others = commits.slice(0, 49);
    const repository = Object.fromEntries(others.map((sha, index) => [`c${index}`, commitPulls(fake, sha, sha === mergeCommit ? proposal : undefined)]));
    fake.expectGraphql({ operation: "BenderDeployedPins", reply: () => [200, { data: { repository } }] });
    slack.expect("chat.update");
    slack.expect("chat.postMessage");

    expect((await deliver(bender, "deployment_status", deploymentStatusPayload(fake, { id: 600, sha: deployed, cluster: "prod-eu-1", state: "success" }))).status).toBe(200);
    const [live] = await slack.waitFor("chat.postMessage");
    expect(live?.args).toMatchObject({ thread_ts: MESSAGE_TS, text: `:large_green_circle: Live on prod-eu-1 (\`${deployed.slice(0, 7)}\`).` });
    // Every other GitHub request would have met no mock (nock refuses it, the delivery fails): two queries and the compare were all.
    const queries = deploymentQueries(fake);
    expect(queries.map((query) => query.operation)).toEqual(["BenderDeploymentHistory", "BenderDeployedPins"]);
    expect(queries[1]?.variables).toEqual({ owner: "acme", name: "manifests", ...Object.fromEntries(others.map((sha, index) => [`c${index}`, sha])) });
  });
});
