/**
 * proposeBuilds: several images to one repository, one read and at most three
 * mutation documents per batch of BATCH_SIZE (environment, image) pairs, every
 * document validated against GitHub's schema by the fake.
 */
import { describe, expect, it } from "vitest";
import { BATCH_SIZE, proposeBuilds } from "../../src/github/propose-build.js";
import type { ProposalEvent } from "../../src/proposals/events.js";
import { FakeRepository } from "../support/fake-github.js";
import { buildOf, deployment } from "../support/manifests.js";
import { testProposeContext } from "../support/propose-context.js";

const CONFIG = `environments:
  staging:
    paths: [clusters/staging]
    autoPin: true
  production:
    paths: [clusters/prod]
`;

function repository(images: readonly string[]): FakeRepository {
  const files: Record<string, string> = { ".github/bender.yml": CONFIG };
  for (const image of images) {
    const name = image.split("/").pop() ?? "";
    files[`clusters/staging/${name}.yaml`] = deployment(`${image}:1.0.0`, name);
    files[`clusters/prod/${name}.yaml`] = deployment(`${image}:1.0.0`, name);
  }
  return new FakeRepository("acme", "manifests", "main", files);
}

function mutationsIn(fake: FakeRepository, index: number): string[] {
  const body = fake.requests[index]?.body as { query: string };
  return [...body.query.matchAll(/\w+: (\w+)\(input:/g)].map((match) => match[1] ?? "");
}

describe("proposeBuilds", () => {
  it("proposes five images to two environments in one read and two mutation documents", async () => {
    const images = ["api", "web", "worker", "cron", "mailer"].map((name) => `ghcr.io/acme/${name}`);
    const fake = repository(images);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    const events: ProposalEvent[] = [];

    const outcomes = await proposeBuilds(
      images.map((image) => ({ build: buildOf(`${image}:1.1.0`) })),
      testProposeContext(CONFIG, { events }),
    );

    expect(outcomes.map((outcome) => [outcome.environment, outcome.action, outcome.pinned])).toEqual(
      images.flatMap(() => [
        ["staging", "opened", true],
        ["production", "opened", false],
      ]),
    );
    for (const image of images) {
      const name = image.split("/").pop() ?? "";
      expect(fake.file(`clusters/staging/${name}.yaml`)).toBe(deployment(`${image}:1.1.0`, name));
      expect(fake.file(`clusters/prod/${name}.yaml`)).toBe(deployment(`${image}:1.0.0`, name));
      expect(fake.file(`clusters/prod/${name}.yaml`, `bender/production/ghcr.io-acme-${name}`)).toBe(deployment(`${image}:1.1.0`, name));
    }
    expect(fake.openPullRequests().map((pullRequest) => pullRequest.labels)).toEqual(images.map(() => ["bender", "bender/production"]));
    // Document 1: three labels, then a branch, a commit and a PR per pair; document 2: labels per PR, a merge per staging PR.
    expect(mutationsIn(fake, 1)).toEqual([...Array(3).fill("createLabel"), ...Array(10).fill(["updateRefs", "createCommitOnBranch", "createPullRequest"]).flat()]);
    expect(mutationsIn(fake, 2).filter((mutation) => mutation === "mergePullRequest")).toHaveLength(5);
    expect(events.filter((event) => event.type === "proposal.pinned")).toHaveLength(5);
  });

  it(`writes more than ${BATCH_SIZE} pairs in batches of ${BATCH_SIZE}, each with its own read`, async () => {
    const images = Array.from({ length: 6 }, (_, index) => `ghcr.io/acme/svc-${index}`);
    const fake = repository(images);
    // 12 pairs: a batch of 10, then one of 2 (whose read fetches the texts the first batch's merges changed).
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite", "BenderReadState", "BenderReadObjects", "BenderWrite", "BenderWrite");

    const outcomes = await proposeBuilds(images.map((image) => ({ build: buildOf(`${image}:2.0.0`) })), testProposeContext(CONFIG));

    expect(outcomes).toHaveLength(12);
    expect(outcomes.every((outcome) => outcome.action === "opened")).toBe(true);
    expect(fake.openPullRequests()).toHaveLength(6);
    expect(fake.mergedPullRequests()).toHaveLength(6);
  });

  it("limits a target to the environments it names, and keeps one (environment, image) per pair", async () => {
    const images = ["ghcr.io/acme/api", "ghcr.io/acme/web"];
    const fake = repository(images);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");

    const outcomes = await proposeBuilds(
      [
        { build: buildOf("ghcr.io/acme/api:1.2.0"), environments: new Set(["production"]) },
        { build: buildOf("ghcr.io/acme/web:1.2.0"), environments: new Set(["staging"]) },
      ],
      testProposeContext(CONFIG),
    );

    expect(outcomes.map((outcome) => [outcome.environment, outcome.action])).toEqual([
      ["production", "opened"],
      ["staging", "opened"],
    ]);
    expect(fake.openPullRequests().map((pullRequest) => pullRequest.headRefName)).toEqual(["bender/production/ghcr.io-acme-api"]);
    expect(fake.file("clusters/staging/web.yaml")).toBe(deployment("ghcr.io/acme/web:1.2.0", "web"));
  });
});
