/**
 * Concurrent builds of one image, within one replica and across two (two
 * independent contexts and caches, one GitHub), against the fake GitHub
 * through nock. Whatever the interleaving, automation never moves an
 * environment to an older version, the newest build ends where it belongs,
 * and no temporary branch is left behind.
 */
import { describe, expect, it } from "vitest";
import { proposeBuild } from "../../src/github/propose-build.js";
import type { ProposalOutcome, ProposeContext } from "../../src/github/propose-build.js";
import { decodeProposalMetadata } from "../../src/proposals/metadata.js";
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
const IMAGES = ["ghcr.io/acme/api", "ghcr.io/acme/web", "ghcr.io/acme/worker"];
const VERSIONS = ["1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.0.5"];

/** mulberry32: the same interleaving for the same seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function repository(): FakeRepository {
  const files: Record<string, string> = { ".github/bender.yml": CONFIG };
  for (const image of IMAGES) {
    const name = image.split("/").pop() ?? "";
    files[`clusters/staging/${name}.yaml`] = deployment(`${image}:1.0.0`, name);
    files[`clusters/prod/${name}.yaml`] = deployment(`${image}:1.0.0`, name);
  }
  return new FakeRepository("acme", "manifests", "main", files);
}

/**
 * One replica: its own blob cache and temporary-branch ids; pauses between attempts a tenth of production's, still
 * growing and jittered (capped at a few milliseconds, fifteen racing writers on a loaded machine sometimes collided
 * five times in step and the test failed on the product's give-up rule rather than on an ordering bug).
 */
function replica(name: string, random: () => number, events: ProposalEvent[]): ProposeContext {
  return testProposeContext(CONFIG, { name, events, sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, (milliseconds / 10) * random())) });
}

/** The tag a file on a branch holds for an image. */
function tagIn(fake: FakeRepository, environment: "staging" | "prod", image: string, branch?: string): string | undefined {
  const name = image.split("/").pop() ?? "";
  const text = fake.file(`clusters/${environment}/${name}.yaml`, branch);
  return text === undefined ? undefined : new RegExp(`${image}:(?<tag>[\\w.-]+)`).exec(text)?.groups?.tag;
}

/** Main's tag for an image after each of its commits, oldest first. */
function history(fake: FakeRepository, environment: "staging" | "prod", image: string): string[] {
  const name = image.split("/").pop() ?? "";
  const tags: string[] = [];
  for (let oid: string | undefined = fake.head(); oid !== undefined; oid = fake.parentOf(oid)) {
    const text = fake.commits.get(oid)?.files.get(`clusters/${environment}/${name}.yaml`);
    const tag = text === undefined ? undefined : new RegExp(`${image}:(?<tag>[\\w.-]+)`).exec(text)?.groups?.tag;
    if (tag !== undefined && tags[0] !== tag) tags.unshift(tag);
  }
  return tags;
}

async function burst(seed: number, replicas: number): Promise<{ fake: FakeRepository; outcomes: ProposalOutcome[] }> {
  const fake = repository();
  const random = seeded(seed);
  fake.serveAllGraphql(() => Math.floor(random() * 8));
  const events: ProposalEvent[] = [];
  const contexts = Array.from({ length: replicas }, (_, index) => replica(`r${index}`, random, events));
  // Images interleaved, each version sent to one replica in turn, all in flight at once.
  const builds = VERSIONS.flatMap((version, versionIndex) => IMAGES.map((image, imageIndex) => ({ reference: `${image}:${version}`, context: contexts[(versionIndex + imageIndex) % replicas]! })));
  const results = await Promise.all(builds.map(({ reference, context }) => proposeBuild(buildOf(reference), context)));
  return { fake, outcomes: results.flat() };
}

function expectNewestEverywhere(fake: FakeRepository, outcomes: ProposalOutcome[]): void {
  expect(outcomes.filter((outcome) => outcome.action === "failed")).toEqual([]);
  expect([...fake.branches.keys()].filter((branch) => branch.startsWith("bender-tmp/"))).toEqual([]);
  for (const image of IMAGES) {
    // Staging pins automatically: main ends at the newest build, and never went backwards on the way.
    expect(tagIn(fake, "staging", image)).toBe("1.0.5");
    const steps = history(fake, "staging", image);
    expect([...steps].sort()).toEqual(steps);
    // Production waits for a person: main untouched, one open proposal, for the newest build.
    expect(tagIn(fake, "prod", image)).toBe("1.0.0");
    const open = fake.openPullRequests().filter((pullRequest) => pullRequest.headRefName === `bender/production/${image.replace(/\//g, "-")}`);
    expect(open).toHaveLength(1);
    const metadata = decodeProposalMetadata(open[0]?.body);
    expect(metadata.ok && metadata.metadata.tag).toBe("1.0.5");
    expect(tagIn(fake, "prod", image, open[0]?.headRefName)).toBe("1.0.5");
    expect(open[0]?.labels).toEqual(["bender", "bender/production"]);
  }
  // No open staging proposal is left behind unmerged, and every merged PR says what its merge landed (none was
  // rewritten after its merge, none merged at a head it does not describe).
  expect(fake.openPullRequests().filter((pullRequest) => pullRequest.headRefName.startsWith("bender/staging/"))).toEqual([]);
  for (const merged of fake.mergedPullRequests()) {
    const metadata = decodeProposalMetadata(merged.body);
    expect(metadata.ok && fake.commits.get(merged.mergeCommitOid ?? "")?.files.get(`clusters/staging/${metadata.metadata.repository.split("/").pop()}.yaml`)).toContain(`:${metadata.ok ? metadata.metadata.tag : ""}`);
  }
}

describe("concurrent builds of one image", () => {
  for (const seed of [1, 2, 3]) {
    it(`within one replica (interleaving ${seed}): each environment ends at the newest build, never moves backwards, leaves no temporary branch`, async () => {
      const { fake, outcomes } = await burst(seed, 1);
      expectNewestEverywhere(fake, outcomes);
    });

    it(`across two replicas (interleaving ${seed}): the same`, async () => {
      const { fake, outcomes } = await burst(seed + 100, 2);
      expectNewestEverywhere(fake, outcomes);
    });
  }
});
