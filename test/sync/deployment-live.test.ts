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

/** GitHub's answers to the handler: the cluster's earlier deployments, and the pins merged by a commit. */
function expectEarlierDeployments(cluster: string, deployments: { id: number; sha: string; state?: string }[]): void {
  nock(API).get(`/repos/acme/manifests/deployments`).query({ environment: `production/${cluster}`, per_page: "10" }).reply(200, deployments.map(({ id, sha }) => ({ id, sha })));
  for (const { id, state } of deployments) {
    if (state !== undefined) nock(API).get(`/repos/acme/manifests/deployments/${id}/statuses`).query({ per_page: "1" }).reply(200, [{ state }]);
  }
}

function expectPinsOf(fake: FakeRepository, sha: string, proposal?: FakePullRequest): void {
  const pulls = proposal ? [{ ...fake.restPullRequest(proposal), merge_commit_sha: sha, merged_at: "2025-06-03T15:00:00Z", user: { login: "bender[bot]", type: "Bot" } }] : [];
  nock(API).get(`/repos/acme/manifests/commits/${sha}/pulls`).reply(200, pulls);
  if (proposal) nock(API).get(`/repos/acme/manifests/pulls/${proposal.number}`).reply(200, { ...fake.restPullRequest(proposal), merged_by: { login: "alice", type: "User" } });
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
    expectEarlierDeployments("prod-eu-1", [{ id: 500, sha: mergeCommit }]);
    expectPinsOf(fake, mergeCommit, proposal);
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    expect((await deliver(bender, "deployment_status", deploymentStatusPayload(fake, { id: 500, sha: mergeCommit, cluster: "prod-eu-1", state: "success" }))).status).toBe(200);
    const [live] = await slack.waitFor("chat.postMessage");
    expect(live?.args).toMatchObject({ channel: CHANNEL, thread_ts: MESSAGE_TS, text: `:large_green_circle: Live on prod-eu-1 (\`${mergeCommit.slice(0, 7)}\`).` });
    const [first] = slack.of("chat.update");
    expect(textOf(blocksOf(first))).toContain("Pinned by alice via GitHub");
    expect(textOf(blocksOf(first))).toContain(":large_green_circle: live on prod-eu-1");

    // prod-us-1 of the same environment failed on the same commit.
    expectEarlierDeployments("prod-us-1", [{ id: 501, sha: mergeCommit }]);
    expectPinsOf(fake, mergeCommit, proposal);
    slack.expect("chat.update");
    slack.expect("chat.postMessage");
    const reason = 'Deployment shop/api: admission webhook "policy" denied the request';
    await deliver(bender, "deployment_status", deploymentStatusPayload(fake, { id: 501, sha: mergeCommit, cluster: "prod-us-1", state: "failure", description: reason }));
    const [, failed] = await slack.waitFor("chat.postMessage", 2);
    expect(failed?.args.text).toBe(`:red_circle: Failed on prod-us-1 (\`${mergeCommit.slice(0, 7)}\`): ${reason}`);
    const [, second] = slack.of("chat.update");
    expect(textOf(blocksOf(second))).toContain(":large_green_circle: live on prod-eu-1 · :red_circle: failed on prod-us-1: Deployment shop/api");
  });

  it("a later deployment to a cluster reports only the pins it had not run yet; in_progress and other tools' deployments are ignored", async () => {
    const { fake, mergeCommit } = pinnedProposal();
    const newer = "f".repeat(40);
    const slack = new FakeSlack();
    harness.watch();
    expectInstallationToken(1);
    const bender = await harness.start();

    // The cluster ran the pin's merge before (deployment 500 succeeded); 502 brings one more commit, not a pin.
    expectEarlierDeployments("prod-eu-1", [{ id: 502, sha: newer }, { id: 500, sha: mergeCommit, state: "success" }]);
    nock(API).get(`/repos/acme/manifests/compare/${mergeCommit}...${newer}`).reply(200, { status: "ahead", commits: [{ sha: newer }] });
    expectPinsOf(fake, newer);
    expect((await deliver(bender, "deployment_status", deploymentStatusPayload(fake, { id: 502, sha: newer, cluster: "prod-eu-1", state: "success" }))).status).toBe(200);

    await deliver(bender, "deployment_status", deploymentStatusPayload(fake, { id: 503, sha: newer, cluster: "prod-eu-1", state: "in_progress" }));
    const foreign = withValue(deploymentStatusPayload(fake, { id: 504, sha: newer, cluster: "prod-eu-1", state: "success" }), "deployment.payload", {});
    await deliver(bender, "deployment_status", foreign);
    expect(slack.of("chat.update")).toEqual([]);
    expect(slack.of("chat.postMessage")).toEqual([]);
  });
});
