import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { decodeMetadata } from "../../src/proposals/metadata.js";
import { examples } from "../builds/payloads.js";
import { deliver, postBuild, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { API, expectInstallationToken } from "../support/fake-github.js";
import type { FakePullRequest, FakeRepository } from "../support/fake-github.js";
import {
  ALICE,
  BENDER_BOT,
  EXAMPLE_INSTALLATION,
  IMAGE,
  PRODUCTION_BRANCH,
  closedPullRequestPayload,
  expectRepositoryInstallation,
  openExistingProposal,
  productionRepository,
  repointed,
  watchUnmatched,
} from "../support/manifests.js";

let bender: RunningBender | undefined;
let unmatched: ReturnType<typeof watchUnmatched> | undefined;
afterEach(async () => {
  unmatched?.stop();
  unmatched = undefined;
  await bender?.close();
  bender = undefined;
});

function repositoryWithProposal(): { fake: FakeRepository; proposal: FakePullRequest } {
  const fake = productionRepository("1.3.0");
  const proposal = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.0` });
  return { fake, proposal };
}

function metadataOf(pullRequest: FakePullRequest) {
  const decoded = decodeMetadata(pullRequest.body);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.metadata;
}

describe("a bender PR closed in GitHub", () => {
  it("merged by a person is a pin, by them, via GitHub, with the PR's metadata", async () => {
    const { fake, proposal } = repositoryWithProposal();
    bender = await startBender();
    unmatched = watchUnmatched();

    const response = await deliver(bender, "pull_request", closedPullRequestPayload(fake, proposal, { merged: true, mergedBy: ALICE }));

    expect(response.status).toBe(200);
    expect(bender.emitted).toEqual([
      {
        type: "proposal.pinned",
        repository: "acme/manifests",
        environment: "production",
        by: "alice",
        via: "github",
        metadata: metadataOf(proposal),
        pullRequest: { id: proposal.id, number: proposal.number, url: proposal.url, headOid: fake.head(PRODUCTION_BRANCH) },
      },
    ]);
    expect(unmatched.requests).toEqual([]);
  });

  it("merged by Bender itself (its automatic pin) is not announced a second time", async () => {
    const fake = productionRepository("1.4.0", "environments:\n  production:\n    paths: [clusters/prod]\n    autoPin: true\n");
    expectRepositoryInstallation("acme/manifests", 7);
    expectInstallationToken(7);
    fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();
    await postBuild(bender, { image: `${IMAGE}:1.4.1`, repositories: ["acme/manifests"] });
    const [pullRequest] = fake.pullRequests;
    expect(pullRequest?.state).toBe("MERGED");
    expect(bender.emitted.map((event) => event.type)).toEqual(["proposal.opened", "proposal.pinned"]);

    // GitHub then tells of the merge Bender made: the author, the merger and the sender are Bender's bot.
    const payload = closedPullRequestPayload(fake, pullRequest!, { merged: true, author: BENDER_BOT, mergedBy: BENDER_BOT });
    expect((await deliver(bender, "pull_request", payload)).status).toBe(200);

    expect(bender.emitted.map((event) => event.type)).toEqual(["proposal.opened", "proposal.pinned"]);
  });

  it("merged by a person, on a PR Bender opened, is still that person's pin", async () => {
    const { fake, proposal } = repositoryWithProposal();
    bender = await startBender();
    // Negative control for the check above: the author is Bender's bot, the merger is not.
    const payload = closedPullRequestPayload(fake, proposal, { merged: true, author: BENDER_BOT, mergedBy: ALICE, sender: BENDER_BOT });
    await deliver(bender, "pull_request", payload);
    expect(bender.emitted.map((event) => [event.type, "by" in event ? event.by : undefined])).toEqual([["proposal.pinned", "alice"]]);
  });

  it("closed unmerged is a dismissal, and its branch is deleted", async () => {
    const { fake, proposal } = repositoryWithProposal();
    expectInstallationToken(EXAMPLE_INSTALLATION);
    fake.expectDeleteBranch(PRODUCTION_BRANCH);
    bender = await startBender();
    proposal.state = "CLOSED";

    const response = await deliver(bender, "pull_request", closedPullRequestPayload(fake, proposal, { merged: false, sender: ALICE }));

    expect(response.status).toBe(200);
    expect(fake.branches.has(PRODUCTION_BRANCH)).toBe(false);
    expect(fake.operations()).toEqual([`DELETE /repos/acme/manifests/git/refs/heads/${PRODUCTION_BRANCH}`]);
    expect(bender.emitted).toEqual([
      expect.objectContaining({ type: "proposal.dismissed", by: "alice", environment: "production", metadata: metadataOf(proposal) }),
    ]);
  });

  it("closed unmerged when its branch is already gone (404) is still a dismissal, and answered 200", async () => {
    const { fake, proposal } = repositoryWithProposal();
    const payload = closedPullRequestPayload(fake, proposal, { merged: false });
    fake.branches.delete(PRODUCTION_BRANCH);
    expectInstallationToken(EXAMPLE_INSTALLATION);
    fake.expectDeleteBranch(PRODUCTION_BRANCH, 404);
    bender = await startBender();

    const response = await deliver(bender, "pull_request", payload);

    expect(response.status).toBe(200);
    expect(bender.emitted.map((event) => event.type)).toEqual(["proposal.dismissed"]);
  });

  it("a failure deleting the branch other than 'already gone' fails the delivery, so GitHub shows it", async () => {
    const { fake, proposal } = repositoryWithProposal();
    expectInstallationToken(EXAMPLE_INSTALLATION);
    nock(API).delete(/\/git\/refs\//).reply(403, { message: "Resource not accessible by integration" });
    bender = await startBender();

    const response = await deliver(bender, "pull_request", closedPullRequestPayload(fake, proposal, { merged: false }));

    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(bender.emitted.map((event) => event.type)).toEqual(["proposal.dismissed"]);
    expect(fake.branches.has(PRODUCTION_BRANCH)).toBe(true);
  });
});

describe("a revert of a bender PR", () => {
  function revertOf(fake: FakeRepository, original: FakePullRequest): FakePullRequest {
    const head = `revert-${original.number}-${original.headRefName}`;
    fake.branches.set(head, fake.head());
    return fake.openPullRequest(head, { "clusters/prod/api.yaml": fake.file("clusters/prod/api.yaml") ?? "" }, `Revert "${original.title}"`, `Reverts acme/manifests#${original.number}`);
  }

  it("merged is an unpin carrying the original PR's metadata, read from GitHub", async () => {
    const { fake, proposal } = repositoryWithProposal();
    proposal.state = "MERGED";
    const revert = revertOf(fake, proposal);
    expectInstallationToken(EXAMPLE_INSTALLATION);
    fake.expectGetPullRequest(proposal.number);
    bender = await startBender();

    const payload = closedPullRequestPayload(fake, revert, { merged: true, author: ALICE, mergedBy: { ...ALICE, login: "bob" } });
    const response = await deliver(bender, "pull_request", payload);

    expect(response.status).toBe(200);
    expect(fake.operations()).toEqual([`GET /repos/acme/manifests/pulls/${proposal.number}`]);
    expect(bender.emitted).toEqual([
      {
        type: "proposal.unpinned",
        repository: "acme/manifests",
        environment: "production",
        by: "bob",
        metadata: metadataOf(proposal),
        pullRequest: { id: proposal.id, number: proposal.number, url: proposal.url },
        revert: { id: revert.id, number: revert.number, url: revert.url, headOid: fake.head(revert.headRefName) },
      },
    ]);
  });

  it("closed unmerged changes nothing and asks GitHub nothing", async () => {
    const { fake, proposal } = repositoryWithProposal();
    const revert = revertOf(fake, proposal);
    bender = await startBender();
    unmatched = watchUnmatched();

    const response = await deliver(bender, "pull_request", closedPullRequestPayload(fake, revert, { merged: false, author: ALICE }));

    expect(response.status).toBe(200);
    expect(unmatched.requests).toEqual([]);
    expect(bender.emitted).toEqual([]);
  });

  it("of a PR whose metadata is unreadable emits nothing", async () => {
    const fake = productionRepository("1.3.0");
    const proposal = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.0`, body: (body) => body.replace(/"bender":1/, '"bender":"one"') });
    const revert = revertOf(fake, proposal);
    expectInstallationToken(EXAMPLE_INSTALLATION);
    fake.expectGetPullRequest(proposal.number);
    bender = await startBender();

    const response = await deliver(bender, "pull_request", closedPullRequestPayload(fake, revert, { merged: true, author: ALICE }));

    expect(response.status).toBe(200);
    expect(bender.emitted).toEqual([]);
  });
});

describe("PRs that are not Bender's business", () => {
  it("the real closed pull_request example (branch `changes`) is ignored without a request", async () => {
    const fake = productionRepository();
    const [example] = examples("pull_request").filter((payload) => payload.action === "closed");
    bender = await startBender();
    unmatched = watchUnmatched();

    const response = await deliver(bender, "pull_request", repointed(example!, fake));

    expect(response.status).toBe(200);
    expect(unmatched.requests).toEqual([]);
    expect(bender.emitted).toEqual([]);
  });

  it("a bender branch whose PR body has bad metadata emits nothing and deletes nothing", async () => {
    const { fake, proposal } = repositoryWithProposal();
    proposal.body = proposal.body.replace(/<!-- bender:metadata\n/, "<!-- bender:metadata\n{not json");
    bender = await startBender();
    unmatched = watchUnmatched();

    for (const merged of [true, false]) {
      expect((await deliver(bender, "pull_request", closedPullRequestPayload(fake, proposal, { merged }))).status).toBe(200);
    }

    expect(unmatched.requests).toEqual([]);
    expect(fake.branches.has(PRODUCTION_BRANCH)).toBe(true);
    expect(bender.emitted).toEqual([]);
  });
});
