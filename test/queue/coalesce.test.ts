import { describe, expect, it } from "vitest";
import type { Build } from "../../src/builds/build.js";
import { parseConfig } from "../../src/config/index.js";
import type { BenderConfig } from "../../src/config/index.js";
import { parseReference } from "../../src/image-ref/index.js";
import { buildKey, planBatch, supersedes } from "../../src/queue/coalesce.js";
import type { WaitingBuild } from "../../src/queue/coalesce.js";

function config(text: string): BenderConfig {
  const parsed = parseConfig(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

const TWO = config(`environments:
  staging:
    paths: [clusters/staging]
  production:
    paths: [clusters/prod]
`);

let arrivals = 0;
function waiting(reference: string): WaitingBuild {
  const parsed = parseReference(reference);
  if (!parsed.ok) throw new Error(reference);
  const build: Build = { image: parsed.reference, origin: "webhook" };
  return { key: buildKey(build), build, arrival: ++arrivals };
}

function summary(plan: ReturnType<typeof planBatch>) {
  return {
    targets: plan.targets.map((target) => `${target.waiting.key} -> ${[...target.environments].sort().join(",")}`).sort(),
    coalesced: plan.coalesced.map((entry) => `${entry.waiting.key} in ${entry.environment} for ${entry.newer.key}`).sort(),
  };
}

describe("planBatch", () => {
  it("keeps only the newest build per (environment, image) whatever order they arrived in", () => {
    const builds = ["1.4.3", "1.4.1", "1.4.5", "1.4.2", "1.4.4"].map((tag) => waiting(`ghcr.io/acme/api:${tag}`));
    const plan = planBatch(builds, TWO);
    expect(summary(plan).targets).toEqual(["ghcr.io/acme/api:1.4.5 -> production,staging"]);
    expect(plan.coalesced).toHaveLength(8);
    expect(summary(plan).coalesced).toContain("ghcr.io/acme/api:1.4.3 in staging for ghcr.io/acme/api:1.4.5");
  });

  it("orders tags semver cannot order by arrival: the later build wins", () => {
    const [first, second] = [waiting("ghcr.io/acme/api:main-abc"), waiting("ghcr.io/acme/api:main-def")];
    expect(summary(planBatch([second as WaitingBuild, first as WaitingBuild], TWO)).targets).toEqual(["ghcr.io/acme/api:main-def -> production,staging"]);
  });

  it("does not coalesce different images, and keeps (environment, image) pairs apart", () => {
    const plan = planBatch([waiting("ghcr.io/acme/api:1.0.0"), waiting("ghcr.io/acme/worker:2.0.0"), waiting("ghcr.io/acme/api:1.0.1")], TWO);
    expect(summary(plan).targets).toEqual(["ghcr.io/acme/api:1.0.1 -> production,staging", "ghcr.io/acme/worker:2.0.0 -> production,staging"]);
  });

  it("lets an environment whose tag policy refuses the newest build keep the newest build it accepts", () => {
    const policy = config(`environments:
  staging:
    paths: [clusters/staging]
  production:
    paths: [clusters/prod]
images:
  - repository: ghcr.io/acme/api
    environments: [staging]
    tagPattern: "^\\\\d+\\\\.\\\\d+\\\\.\\\\d+$"
`);
    const plan = planBatch([waiting("ghcr.io/acme/api:1.4.1"), waiting("ghcr.io/acme/api:1.4.2-rc.1")], policy);
    expect(summary(plan).targets).toEqual(["ghcr.io/acme/api:1.4.1 -> staging"]);
    expect(plan.refused.map((entry) => `${entry.waiting.key} ${entry.environment}`)).toEqual(["ghcr.io/acme/api:1.4.2-rc.1 staging"]);
  });

  it("treats the same build sent twice as one: the later copy is proposed", () => {
    const [a, b] = [waiting("ghcr.io/acme/api:1.4.1"), waiting("ghcr.io/acme/api:1.4.1")];
    const plan = planBatch([a as WaitingBuild, b as WaitingBuild], TWO);
    expect(plan.targets.map((target) => target.waiting)).toEqual([b]);
  });
});

describe("supersedes", () => {
  it("is semver first, arrival second", () => {
    const older = waiting("ghcr.io/acme/api:1.10.0");
    const newer = waiting("ghcr.io/acme/api:1.9.0");
    expect(supersedes(newer, older)).toBe(false);
    expect(supersedes(older, newer)).toBe(true);
  });
});
