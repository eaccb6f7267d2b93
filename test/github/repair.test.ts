/**
 * A write cut off half-way is finished by the next build of the image or by a
 * sweep, and a temporary branch never outlives its write. Each test names the
 * exact GraphQL requests it expects (one nock interceptor each).
 */
import { describe, expect, it } from "vitest";
import { proposeBuild } from "../../src/github/propose-build.js";
import { sweepRepository } from "../../src/github/sweep-repository.js";
import { TEMPORARY_MAX_AGE_MS } from "../../src/github/sweep-repository.js";
import type { ProposalEvent } from "../../src/proposals/events.js";
import { FakeRepository } from "../support/fake-github.js";
import { IMAGE, buildOf, deployment, openExistingProposal, productionRepository } from "../support/manifests.js";
import { testProposeContext } from "../support/propose-context.js";

const AUTO_PIN = `environments:
  production:
    paths: [clusters/prod]
    autoPin: true
`;
const MANUAL = `environments:
  production:
    paths: [clusters/prod]
`;
const NOW = Date.parse("2026-11-27T12:00:00Z");
const BRANCH = "bender/production/ghcr.io-acme-api";

function temporaryBranches(fake: FakeRepository): string[] {
  return [...fake.branches.keys()].filter((branch) => branch.startsWith("bender-tmp/")).sort();
}

/** An automatic pin that never happened: the PR is open, unlabelled, and main still runs 1.4.0. */
function cutOffAfterOpening(config: string): { fake: FakeRepository; pullRequest: ReturnType<typeof openExistingProposal> } {
  const fake = productionRepository("1.4.0", config);
  fake.labels.set("bender", "LA_bender");
  fake.labels.set("bender/production", "LA_bender/production");
  const pullRequest = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
  pullRequest.labels.length = 0;
  return { fake, pullRequest };
}

describe("a half-done proposal", () => {
  it("is finished by the next build of the image: labelled and pinned at the head that was read", async () => {
    const { fake, pullRequest } = cutOffAfterOpening(AUTO_PIN);
    const head = fake.head(BRANCH);
    fake.expectGraphql("BenderReadState", "BenderWrite");
    const events: ProposalEvent[] = [];

    const outcomes = await proposeBuild(buildOf(`${IMAGE}:1.4.1`), testProposeContext(AUTO_PIN, { events }));

    expect(outcomes).toEqual([expect.objectContaining({ action: "finished", pinned: true, detail: "pinned automatically", pullRequest: { number: pullRequest.number, url: pullRequest.url } })]);
    expect(pullRequest).toMatchObject({ state: "MERGED", labels: ["bender", "bender/production"], mergedWithExpectedHead: head });
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.1`));
    expect(events.map((event) => event.type)).toEqual(["proposal.pinned"]);
  });

  it("in an environment pinned by people only gets its labels (negative control: no merge)", async () => {
    const { fake, pullRequest } = cutOffAfterOpening(MANUAL);
    fake.expectGraphql("BenderReadState", "BenderWrite");

    const outcomes = await proposeBuild(buildOf(`${IMAGE}:1.4.1`), testProposeContext(MANUAL));

    expect(outcomes).toEqual([expect.objectContaining({ action: "finished", pinned: false })]);
    expect(pullRequest).toMatchObject({ state: "OPEN", labels: ["bender", "bender/production"] });
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.0`));
  });

  it("labelled and pinned already needs one read and nothing else", async () => {
    const { fake, pullRequest } = cutOffAfterOpening(MANUAL);
    pullRequest.labels.push("bender", "bender/production");
    fake.expectGraphql("BenderReadState");

    const outcomes = await proposeBuild(buildOf(`${IMAGE}:1.4.1`), testProposeContext(MANUAL));

    expect(outcomes).toEqual([expect.objectContaining({ action: "none", detail: `an open proposal already pins ${IMAGE}:1.4.1` })]);
  });
});

describe("a write cut off between its documents", () => {
  it("removes its temporary branch before the failure reaches the caller", async () => {
    const fake = productionRepository("1.3.0", MANUAL);
    openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.0` });
    fake.expectGraphql("BenderReadState", "BenderWrite", { operation: "BenderWrite", reply: () => [502, { message: "Server Error" }] }, "BenderWrite");

    await expect(proposeBuild(buildOf(`${IMAGE}:1.4.1`), testProposeContext(MANUAL))).rejects.toThrow();

    expect(temporaryBranches(fake)).toEqual([]);
    expect(fake.file("clusters/prod/api.yaml", BRANCH)).toBe(deployment(`${IMAGE}:1.4.0`));
  });
});

describe("sweepRepository", () => {
  it("with nothing to finish or clean costs one read", async () => {
    const fake = productionRepository("1.4.0", MANUAL);
    openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
    fake.expectGraphql("BenderSweep");

    expect(await sweepRepository(testProposeContext(MANUAL, { now: () => NOW }))).toEqual([]);
  });

  it("deletes abandoned temporary branches (not one still in use) and finishes unlabelled and unpinned proposals", async () => {
    const { fake, pullRequest } = cutOffAfterOpening(AUTO_PIN);
    const abandoned = `bender-tmp/${NOW - TEMPORARY_MAX_AGE_MS - 1}-r-1`;
    const inUse = `bender-tmp/${NOW - 1000}-r-2`;
    fake.branches.set(abandoned, fake.head());
    fake.branches.set(inUse, fake.head());
    fake.expectGraphql("BenderSweep", "BenderWrite", "BenderReadState", "BenderWrite");

    const outcomes = await sweepRepository(testProposeContext(AUTO_PIN, { now: () => NOW }));

    expect(outcomes).toEqual([
      { kind: "temporary-branch-deleted", branch: abandoned },
      { kind: "proposal", outcome: expect.objectContaining({ environment: "production", action: "finished", pinned: true }) },
    ]);
    expect(temporaryBranches(fake)).toEqual([inUse]);
    expect(pullRequest).toMatchObject({ state: "MERGED", labels: ["bender", "bender/production"] });
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.1`));
  });
});
