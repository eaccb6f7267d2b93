import { createHash } from "node:crypto";
import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_ATTEMPTS } from "../../src/github/propose-build.js";
import { decodeMetadata, decodeProposalMetadata, encodeMetadata } from "../../src/proposals/metadata.js";
import { escapeMarkdown } from "../../src/proposals/markdown.js";
import { fixture } from "../builds/payloads.js";
import { deliver, postBuild, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { API, FakeRepository, expectInstallationToken } from "../support/fake-github.js";
import {
  DIGEST,
  DISPATCH_INSTALLATION,
  IMAGE,
  INSTALLATION,
  PRODUCTION_BRANCH,
  PRODUCTION_CONFIG,
  deliverAs,
  deployment,
  dispatchPayload,
  expectAppInstallations,
  expectDiscovery,
  expectRepositoryInstallation,
  manifestRepository,
  mutationsOf,
  openExistingProposal,
  productionRepository,
  supersedeAsAnotherWriter,
  watchUnmatched,
  writeDocuments,
} from "../support/manifests.js";

let bender: RunningBender | undefined;
afterEach(async () => {
  await bender?.close();
  bender = undefined;
});

/** POST /api/builds naming the fake: the installation lookup (JWT), a token, the config. */
function expectNamedRepository(fake: FakeRepository, installationId = 7): void {
  expectRepositoryInstallation(fake.nameWithOwner, installationId);
  expectInstallationToken(installationId);
  fake.expectGraphql("BenderConfig");
}

function build(reference: string, fake: FakeRepository, source?: Record<string, string>): Record<string, unknown> {
  return { image: reference, repositories: [fake.nameWithOwner], ...(source ? { source } : {}) };
}

interface Outcome {
  repository: string;
  environment: string;
  action: string;
  detail: string;
  pullRequest?: { number: number; url: string };
  pinned?: boolean;
}

function proposalsOf(response: { proposals: readonly Record<string, unknown>[] }): Outcome[] {
  return response.proposals as unknown as Outcome[];
}

describe("build intakes become proposals", () => {
  it("a registry_package event opens a PR with the build's source linked", async () => {
    const fake = productionRepository();
    expectInstallationToken(INSTALLATION);
    expectDiscovery(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    expect((await deliver(bender, "registry_package", fixture("registry_package.published.container"))).status).toBe(200);

    const [pullRequest, ...others] = fake.openPullRequests();
    expect(others).toEqual([]);
    expect(pullRequest?.title).toBe("Pin ghcr.io/acme/api 1.4.1 to production");
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.4.1`));
    const metadata = decodeProposalMetadata(pullRequest?.body);
    expect(metadata.ok && metadata.metadata.digest).toBe(DIGEST);
    expect(metadata.ok && metadata.metadata.source?.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(bender.emitted.map((event) => [event.type, event.pullRequest.number])).toEqual([["proposal.opened", 1]]);
  });

  it("a package event (a package whose name holds a slash) opens a PR on its own branch", async () => {
    const fake = manifestRepository({
      ".github/bender.yml": "environments:\n  production:\n    paths: [apps]\n",
      "apps/worker.yaml": deployment("ghcr.io/acme/platform/worker:2025.06.01-1a2b3c4", "worker"),
    });
    expectInstallationToken(INSTALLATION);
    expectDiscovery(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    expect((await deliver(bender, "package", fixture("package.published.container"))).status).toBe(200);

    const branch = "bender/production/ghcr.io-acme-platform-worker";
    expect(fake.openPullRequests().map((pullRequest) => [pullRequest.headRefName, pullRequest.title])).toEqual([
      [branch, "Pin ghcr.io/acme/platform/worker 2025.06.03-9f2c4e8 to production"],
    ]);
    expect(fake.file("apps/worker.yaml", branch)).toBe(deployment("ghcr.io/acme/platform/worker:2025.06.03-9f2c4e8", "worker"));
  });

  it("a repository_dispatch of type bender.build proposes to the repository it was sent to", async () => {
    const fake = productionRepository();
    expectInstallationToken(DISPATCH_INSTALLATION);
    fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();
    const commit = "9f2c4e8a1b3d5f7091a2b4c6d8e0f1a3b5c7d9e1";
    const payload = dispatchPayload(fake, { image: `${IMAGE}:1.5.0`, source: { repository: "acme/api", commit, author: "octocat" } });

    expect((await deliver(bender, "repository_dispatch", payload)).status).toBe(200);

    const [pullRequest] = fake.openPullRequests();
    expect(pullRequest?.title).toBe("Pin ghcr.io/acme/api 1.5.0 to production");
    // The author is named, escaped, so GitHub does not ping them; the commit is linked.
    expect(pullRequest?.body).toContain(`[acme/api@9f2c4e8](https://github.com/acme/api/commit/${commit}) by \\@octocat`);
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.5.0`));
  });

  it("a repository_dispatch of another event type makes no request", async () => {
    const fake = productionRepository();
    bender = await startBender();
    // The real example as GitHub sent it: event type "on-demand-test".
    const payload = dispatchPayload(fake, { image: `${IMAGE}:1.5.0` }, "on-demand-test");
    const unmatched = watchUnmatched();
    try {
      expect((await deliver(bender, "repository_dispatch", payload)).status).toBe(200);
    } finally {
      unmatched.stop();
    }
    expect(unmatched.requests).toEqual([]);
    expect(fake.requests).toEqual([]);
  });
});

describe("an installation with several manifest repositories", () => {
  it("one that Bender cannot read (403) does not hold back the others", async () => {
    const broken = productionRepository();
    const platform = new FakeRepository("acme", "platform", "main", {
      ".github/bender.yml": PRODUCTION_CONFIG,
      "clusters/prod/api.yaml": deployment(`${IMAGE}:1.4.0`),
    });
    expectInstallationToken(INSTALLATION);
    nock(API)
      .get("/installation/repositories")
      .query(true)
      .reply(200, { total_count: 2, repositories: [{ full_name: "acme/manifests" }, { full_name: "acme/platform" }] });
    const config = (fake: FakeRepository) => {
      const text = fake.file(".github/bender.yml") ?? "";
      // Git's blob ID, as GitHub reports it (and as the fake's later reads do).
      const oid = createHash("sha1").update(`blob ${Buffer.byteLength(text)}\0${text}`).digest("hex");
      return { nameWithOwner: fake.nameWithOwner, object: { oid, text } };
    };
    broken.expectGraphql({ operation: "BenderDiscover", reply: () => [200, { data: { r0: config(broken), r1: config(platform) } }] });
    broken.expectGraphql({ operation: "BenderReadState", reply: () => [403, { message: "Resource not accessible by integration" }] });
    platform.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const response = await deliver(bender, "registry_package", fixture("registry_package.published.container"));

    // The delivery was answered before the work; the broken repository is reported as a failed proposal.
    expect(response.status).toBe(200);
    expect(await bender.metrics.registry.getSingleMetricAsString("bender_proposals_total")).toContain('bender_proposals_total{action="failed"} 1');
    expect(broken.pullRequests).toEqual([]);
    expect(platform.openPullRequests().map((pullRequest) => pullRequest.title)).toEqual(["Pin ghcr.io/acme/api 1.4.1 to production"]);
    expect(bender.emitted.map((event) => `${event.type} ${event.repository}`)).toEqual(["proposal.opened acme/platform"]);
  });
});

describe("environments", () => {
  const CONFIG = `environments:
  staging:
    paths: [clusters/staging]
  production:
    paths: ["clusters/prod-*/**"]
  preview:
    paths: [clusters/preview]
`;

  function repository(config = CONFIG): FakeRepository {
    return manifestRepository({
      ".github/bender.yml": config,
      "clusters/staging/api.yaml": deployment(`${IMAGE}:1.4.0`),
      "clusters/prod-eu/api.yaml": deployment(`${IMAGE}:1.4.0`),
      "clusters/prod-us/apps/api.yaml": deployment(`${IMAGE}:1.3.0`),
      "clusters/production-old/api.yaml": deployment(`${IMAGE}:1.0.0`),
      "clusters/preview/web.yaml": deployment("ghcr.io/acme/web:2.0.0", "web"),
    });
  }

  it("each environment with a reference gets its own PR, all created in one write document", async () => {
    const fake = repository();
    expectNamedRepository(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const response = await postBuild(bender, build(`${IMAGE}:1.4.1`, fake));

    expect(response.status).toBe(202);
    const byBranch = new Map(fake.openPullRequests().map((pullRequest) => [pullRequest.headRefName, pullRequest]));
    expect([...byBranch.keys()].sort()).toEqual(["bender/production/ghcr.io-acme-api", "bender/staging/ghcr.io-acme-api"]);
    expect(byBranch.get("bender/staging/ghcr.io-acme-api")?.labels).toEqual(["bender", "bender/staging"]);
    expect(byBranch.get("bender/production/ghcr.io-acme-api")?.labels).toEqual(["bender", "bender/production"]);

    // The glob owns both production clusters, at any depth, and nothing else.
    const production = "bender/production/ghcr.io-acme-api";
    expect(fake.file("clusters/prod-eu/api.yaml", production)).toBe(deployment(`${IMAGE}:1.4.1`));
    expect(fake.file("clusters/prod-us/apps/api.yaml", production)).toBe(deployment(`${IMAGE}:1.4.1`));
    expect(fake.file("clusters/production-old/api.yaml", production)).toBe(deployment(`${IMAGE}:1.0.0`));
    expect(fake.file("clusters/staging/api.yaml", production)).toBe(deployment(`${IMAGE}:1.4.0`));
    expect(fake.file("clusters/staging/api.yaml", "bender/staging/ghcr.io-acme-api")).toBe(deployment(`${IMAGE}:1.4.1`));
    expect(fake.file("clusters/prod-eu/api.yaml", "bender/staging/ghcr.io-acme-api")).toBe(deployment(`${IMAGE}:1.4.0`));

    // One document opened both; a second labelled them.
    const [first, second, ...more] = writeDocuments(fake);
    expect(more).toEqual([]);
    expect(mutationsOf(first!).filter((mutation) => mutation === "createPullRequest")).toHaveLength(2);
    expect(mutationsOf(second!)).toEqual(["addLabelsToLabelable", "addLabelsToLabelable"]);

    // Preview holds no reference to the image: no branch, and the answer says why.
    expect([...fake.branches.keys()].filter((branch) => branch.includes("preview"))).toEqual([]);
    expect(proposalsOf(response)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ environment: "preview", action: "none", detail: "no manifest of preview refers to ghcr.io/acme/api" }),
        expect.objectContaining({ environment: "staging", action: "opened" }),
        expect.objectContaining({ environment: "production", action: "opened" }),
      ]),
    );
    expect(bender.emitted.map((event) => `${event.type} ${event.environment}`).sort()).toEqual(["proposal.opened production", "proposal.opened staging"]);
  });

  it("an environment whose branch does not exist is reported; the others are proposed", async () => {
    const fake = repository(CONFIG.replace("    paths: [\"clusters/prod-*/**\"]\n", "    paths: [\"clusters/prod-*/**\"]\n    branch: release\n"));
    expectNamedRepository(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const response = await postBuild(bender, build(`${IMAGE}:1.4.1`, fake));

    expect(response.status).toBe(202);
    expect(proposalsOf(response)).toEqual(
      expect.arrayContaining([
        { repository: "acme/manifests", environment: "production", image: "ghcr.io/acme/api", action: "failed", detail: "acme/manifests has no branch release for environment production" },
        expect.objectContaining({ environment: "staging", action: "opened" }),
      ]),
    );
    expect(fake.openPullRequests().map((pullRequest) => pullRequest.headRefName)).toEqual(["bender/staging/ghcr.io-acme-api"]);
  });

  it("a tag the images policy refuses is skipped everywhere without reading the repository", async () => {
    const fake = repository(`${CONFIG}images:
  - repository: ghcr.io/acme/api
    tagPattern: '^\\d+\\.\\d+\\.\\d+$'
`);
    expectNamedRepository(fake);
    bender = await startBender();

    const response = await postBuild(bender, build(`${IMAGE}:1.4.1-rc.1`, fake));

    expect(response.status).toBe(202);
    const proposals = proposalsOf(response);
    expect(proposals.map((proposal) => proposal.environment)).toEqual(["staging", "production", "preview"]);
    for (const proposal of proposals) {
      expect(proposal).toMatchObject({ action: "skipped", detail: 'tag "1.4.1-rc.1" does not match /^\\d+\\.\\d+\\.\\d+$/, the tagPattern for ghcr.io/acme/api' });
    }
    expect(fake.operations()).toEqual(["BenderConfig"]);
    expect(fake.pullRequests).toEqual([]);
  });

  it("an image limited to some environments is proposed only there", async () => {
    const fake = repository(`${CONFIG}images:
  - repository: ghcr.io/acme/api
    environments: [staging]
`);
    expectNamedRepository(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const response = await postBuild(bender, build(`${IMAGE}:1.4.1`, fake));

    expect(proposalsOf(response).map((proposal) => [proposal.environment, proposal.action])).toEqual([["staging", "opened"]]);
    expect(fake.openPullRequests().map((pullRequest) => pullRequest.headRefName)).toEqual(["bender/staging/ghcr.io-acme-api"]);
    expect(fake.branches.has("bender/production/ghcr.io-acme-api")).toBe(false);
  });
});

describe("an open proposal for the image", () => {
  it("is superseded: same PR, branch rebuilt from the current base, title and body rewritten, a comment, no temporary branch", async () => {
    const fake = productionRepository("1.3.0");
    const open = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.0` });
    const oldHead = fake.head(PRODUCTION_BRANCH);
    // Main moves on after the proposal was opened.
    const mainHead = fake.push("main", { "docs/runbook.md": "# Runbook\n" }, "docs: runbook");
    expectNamedRepository(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const response = await postBuild(bender, build(`${IMAGE}:1.4.1`, fake));

    expect(response.status).toBe(202);
    expect(proposalsOf(response)).toEqual([
      expect.objectContaining({ environment: "production", action: "superseded", pullRequest: { number: open.number, url: open.url } }),
    ]);
    expect(fake.pullRequests).toHaveLength(1);
    const newHead = fake.head(PRODUCTION_BRANCH);
    expect(newHead).not.toBe(oldHead);
    expect(fake.parentOf(newHead)).toBe(mainHead);
    expect(fake.file("docs/runbook.md", PRODUCTION_BRANCH)).toBe("# Runbook\n");
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.4.1`));
    expect(open.title).toBe("Pin ghcr.io/acme/api 1.4.1 to production");
    const metadata = decodeProposalMetadata(open.body);
    expect(metadata.ok && [metadata.metadata.tag, metadata.metadata.changes[0]?.before]).toEqual(["1.4.1", `${IMAGE}:1.3.0`]);
    expect(open.comments).toEqual([`Superseded: this proposal now pins \`${IMAGE}:1.4.1\` instead of \`${IMAGE}:1.4.0\`.`]);
    expect([...fake.branches.keys()].filter((branch) => branch.startsWith("bender-tmp/"))).toEqual([]);
    const [event] = bender.emitted;
    expect(bender.emitted).toHaveLength(1);
    expect(event?.type === "proposal.superseded" && [event.previous?.tag, event.metadata.tag, event.pullRequest.number]).toEqual(["1.4.0", "1.4.1", open.number]);
  });

  it("with invalid metadata is treated as absent: superseded, and its claims not trusted", async () => {
    const fake = productionRepository("1.3.0");
    // The block claims this very build (1.4.1), which would make Bender do nothing if it were trusted; `bender: 2` spoils it.
    const open = openExistingProposal(fake, {
      environment: "production",
      reference: `${IMAGE}:1.4.0`,
      body: (body) =>
        body.replace(/<!-- bender:metadata\n.*\n-->/, () =>
          encodeMetadata({ bender: 2, kind: "proposal", environment: "production", repository: IMAGE, reference: `${IMAGE}:1.4.1`, tag: "1.4.1", baseBranch: "main", changes: [] } as never),
        ),
    });
    expectNamedRepository(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const response = await postBuild(bender, build(`${IMAGE}:1.4.1`, fake));

    expect(proposalsOf(response)).toEqual([expect.objectContaining({ action: "superseded", pullRequest: { number: open.number, url: open.url } })]);
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.4.1`));
    expect(decodeMetadata(open.body)).toMatchObject({ ok: true, metadata: { bender: 1, tag: "1.4.1" } });
    expect(open.comments).toEqual([`Superseded: this proposal now pins \`${IMAGE}:1.4.1\` instead of an earlier build (its metadata could not be read).`]);
    const [event] = bender.emitted;
    expect(event?.type).toBe("proposal.superseded");
    expect(event?.type === "proposal.superseded" && event.previous).toBeUndefined();
  });

  it("for an older semantic version is left alone: nothing written", async () => {
    const fake = productionRepository("1.3.0");
    const open = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.5.0` });
    const head = fake.head(PRODUCTION_BRANCH);
    expectNamedRepository(fake);
    fake.expectGraphql("BenderReadState");
    bender = await startBender();

    const response = await postBuild(bender, build(`${IMAGE}:1.4.9`, fake));

    expect(proposalsOf(response)).toEqual([
      expect.objectContaining({ action: "none", detail: "1.4.9 is older than the proposed 1.5.0", pullRequest: { number: open.number, url: open.url } }),
    ]);
    expect(fake.head(PRODUCTION_BRANCH)).toBe(head);
    expect(open.comments).toEqual([]);
    expect(bender.emitted).toEqual([]);
  });

  it("is superseded by a tag that is not a semantic version: such tags are not ordered", async () => {
    const fake = productionRepository("1.3.0");
    const open = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.5.0` });
    expectNamedRepository(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const response = await postBuild(bender, build(`${IMAGE}:nightly-20250603`, fake));

    expect(proposalsOf(response)).toEqual([expect.objectContaining({ action: "superseded" })]);
    expect(open.title).toBe("Pin ghcr.io/acme/api nightly-20250603 to production");
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:nightly-20250603`));
  });
});

describe("redelivery", () => {
  it("the same delivery twice makes one commit and one PR; the second time only reads", async () => {
    const fake = productionRepository();
    expectInstallationToken(INSTALLATION);
    expectDiscovery(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite", "BenderReadState");
    bender = await startBender();
    const payload = fixture("registry_package.published.container");

    expect((await deliverAs(bender, "registry_package", payload, "6f1c0a20-4c1d-11f0-8a5e-2d6b1c9f0e11")).status).toBe(200);
    const head = fake.head(PRODUCTION_BRANCH);
    const before = fake.requests.length;
    expect((await deliverAs(bender, "registry_package", payload, "6f1c0a20-4c1d-11f0-8a5e-2d6b1c9f0e11")).status).toBe(200);

    expect(fake.operations().slice(before)).toEqual(["BenderReadState"]);
    expect(fake.head(PRODUCTION_BRANCH)).toBe(head);
    expect(fake.parentOf(head)).toBe(fake.head());
    expect(fake.pullRequests).toHaveLength(1);
    expect(bender.emitted.map((event) => event.type)).toEqual(["proposal.opened"]);
  });

  it("the same build from a package event and then POST /api/builds is proposed once", async () => {
    const fake = productionRepository();
    expectInstallationToken(INSTALLATION);
    expectDiscovery(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();
    expect((await deliver(bender, "registry_package", fixture("registry_package.published.container"))).status).toBe(200);
    const [pullRequest] = fake.pullRequests;
    const before = fake.requests.length;

    // The CI reports the same image without naming repositories: every installation's manifest repositories, cached.
    expectAppInstallations([INSTALLATION]);
    fake.expectGraphql("BenderReadState");
    const response = await postBuild(bender, { image: `${IMAGE}:1.4.1@${DIGEST}` });

    expect(response.status).toBe(202);
    expect(proposalsOf(response)).toEqual([
      {
        repository: "acme/manifests",
        environment: "production",
        image: "ghcr.io/acme/api",
        action: "none",
        detail: `an open proposal already pins ${IMAGE}:1.4.1@${DIGEST}`,
        pullRequest: { number: pullRequest?.number, url: pullRequest?.url },
      },
    ]);
    expect(fake.operations().slice(before)).toEqual(["BenderReadState"]);
    expect(fake.pullRequests).toHaveLength(1);
    expect(bender.emitted.map((event) => event.type)).toEqual(["proposal.opened"]);
  });
});

describe("dismissed builds", () => {
  it("a build whose proposal someone closed is not proposed again; a newer build is", async () => {
    const fake = productionRepository("1.4.0");
    const dismissed = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
    dismissed.state = "CLOSED";
    fake.branches.delete(PRODUCTION_BRANCH);
    expectNamedRepository(fake);
    fake.expectGraphql("BenderReadState", "BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const again = await postBuild(bender, build(`${IMAGE}:1.4.1`, fake));
    expect(proposalsOf(again)).toEqual([expect.objectContaining({ action: "none", detail: expect.stringContaining("was dismissed") })]);
    expect(fake.openPullRequests()).toEqual([]);

    const newer = await postBuild(bender, build(`${IMAGE}:1.4.2`, fake));
    expect(proposalsOf(newer)).toEqual([expect.objectContaining({ action: "opened" })]);
    expect(fake.openPullRequests().map((pullRequest) => pullRequest.title)).toEqual(["Pin ghcr.io/acme/api 1.4.2 to production"]);
  });
});

describe("a config changed behind the cache's back", () => {
  it("is noticed by the proposal read (its blob ID differs), reloaded once, and used", async () => {
    const fake = productionRepository("1.4.0");
    expectNamedRepository(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();
    await postBuild(bender, build(`${IMAGE}:1.4.1`, fake));
    expect(fake.openPullRequests()).toHaveLength(1);

    // A push whose webhook never reached Bender: production now pins automatically.
    fake.push("main", { ".github/bender.yml": "environments:\n  production:\n    paths: [clusters/prod]\n    autoPin: true\n" });
    fake.expectGraphql("BenderReadState", "BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite", "BenderWrite");
    const response = await postBuild(bender, build(`${IMAGE}:1.4.2`, fake));

    expect(proposalsOf(response)).toEqual([expect.objectContaining({ action: "superseded", pinned: true })]);
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.2`));
  });
});

describe("racing writers", () => {
  it("a branch created between Bender's read and its write: Bender reads again and leaves the newer proposal", async () => {
    const fake = productionRepository("1.3.0");
    expectNamedRepository(fake);
    let racer: ReturnType<typeof openExistingProposal> | undefined;
    fake.expectGraphql(
      "BenderReadState",
      // Another replica opens 1.4.2 just before Bender's first document lands.
      { operation: "BenderWrite", before: (repository) => (racer = openExistingProposal(repository, { environment: "production", reference: `${IMAGE}:1.4.2` })) },
      "BenderReadState",
    );
    bender = await startBender();

    const response = await postBuild(bender, build(`${IMAGE}:1.4.1`, fake));

    expect(response.status).toBe(202);
    expect(proposalsOf(response)).toEqual([
      expect.objectContaining({ action: "none", detail: "1.4.1 is older than the proposed 1.4.2", pullRequest: { number: racer?.number, url: racer?.url } }),
    ]);
    expect(fake.pullRequests).toHaveLength(1);
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.4.2`));
    expect(decodeMetadata(racer?.body)).toMatchObject({ ok: true, metadata: { tag: "1.4.2" } });
    expect([...fake.branches.keys()].sort()).toEqual(["bender/production/ghcr.io-acme-api", "main"]);
    expect(bender.emitted).toEqual([]);
  });

  it("a proposal branch moved between Bender's read and its write: Bender does not overwrite it, reads again, and leaves the winner", async () => {
    const fake = productionRepository("1.3.0");
    const open = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.0` });
    expectNamedRepository(fake);
    fake.expectGraphql(
      "BenderReadState",
      "BenderWrite",
      {
        // Another replica supersedes with 1.4.2 between Bender's two documents.
        operation: "BenderWrite",
        before: (repository) => supersedeAsAnotherWriter(repository, open, { environment: "production", reference: `${IMAGE}:1.4.2` }),
      },
      "BenderReadState",
    );
    bender = await startBender();

    const response = await postBuild(bender, build(`${IMAGE}:1.4.1`, fake));

    expect(proposalsOf(response)).toEqual([expect.objectContaining({ action: "none", detail: "1.4.1 is older than the proposed 1.4.2" })]);
    expect(fake.pullRequests).toHaveLength(1);
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.4.2`));
    expect(open.title).toBe("Pin ghcr.io/acme/api 1.4.2 to production");
    expect(decodeMetadata(open.body)).toMatchObject({ ok: true, metadata: { tag: "1.4.2" } });
    expect(open.comments).toEqual([]);
    expect([...fake.branches.keys()].filter((branch) => branch.startsWith("bender-tmp/"))).toEqual([]);
    expect(bender.emitted).toEqual([]);
  });

  it("a writer that moves the branch every time: Bender gives up after a bounded number of attempts and leaves nothing half-made", async () => {
    const fake = productionRepository("1.3.0");
    const open = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.0` });
    const body = open.body;
    expectNamedRepository(fake);
    const someonePushes = (repository: FakeRepository) => repository.push(PRODUCTION_BRANCH, { "clusters/prod/NOTES.md": `edited ${repository.requests.length}\n` }, "a fix-up");
    const attempt = ["BenderReadState", "BenderWrite", { operation: "BenderWrite", before: someonePushes }] as const;
    fake.expectGraphql(...Array.from({ length: MAX_ATTEMPTS }, () => attempt).flat());
    bender = await startBender();

    const response = await postBuild(bender, build(`${IMAGE}:1.4.1`, fake));

    expect(proposalsOf(response)).toEqual([
      expect.objectContaining({ action: "failed", detail: `still racing another writer after ${MAX_ATTEMPTS} attempts; the next build will try again` }),
    ]);
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.4.0`));
    expect(open.body).toBe(body);
    expect(open.comments).toEqual([]);
    expect([...fake.branches.keys()].filter((branch) => branch.startsWith("bender-tmp/"))).toEqual([]);
    expect(bender.emitted).toEqual([]);
  });
});

describe("automatic pinning", () => {
  const AUTO_PIN = `environments:
  production:
    paths: [clusters/prod]
    autoPin: true
`;

  it("merges the new PR at once, at the head Bender made, and main holds the new tag", async () => {
    const fake = productionRepository("1.4.0", AUTO_PIN);
    expectNamedRepository(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const response = await postBuild(bender, build(`${IMAGE}:1.4.1`, fake));

    const [pullRequest] = fake.pullRequests;
    expect(proposalsOf(response)).toEqual([expect.objectContaining({ action: "opened", detail: "pinned automatically", pinned: true })]);
    expect(pullRequest?.state).toBe("MERGED");
    expect(pullRequest?.mergeMethod).toBe("SQUASH");
    expect(pullRequest?.mergedWithExpectedHead).toBe(fake.head(PRODUCTION_BRANCH));
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.1`));
    expect(fake.file("clusters/staging/api.yaml")).toBe(deployment(`${IMAGE}:1.4.0`));
    expect(bender.emitted.map((event) => event.type)).toEqual(["proposal.opened", "proposal.pinned"]);
    expect(bender.emitted[1]).toMatchObject({ by: "bender", via: "automatic" });
  });

  const ON_RELEASE = `environments:
  production:
    paths: [clusters/prod]
    branch: release
    autoPin: true
`;
  const HOLD = `holds:
  - environment: production
    repository: ghcr.io/acme/api
    version: 1.4.0
    by: alice
    reason: load test running
`;

  /** Production lives on `release`; main holds the config (and, in one test, a decoy hold). */
  function releaseRepository(holds: { main?: string; release?: string }): FakeRepository {
    const fake = productionRepository("1.4.0", ON_RELEASE);
    fake.branches.set("release", fake.head());
    if (holds.release) fake.push("release", { ".bender/holds.yml": holds.release });
    if (holds.main) fake.push("main", { ".bender/holds.yml": holds.main });
    return fake;
  }

  it("a hold on the environment's branch stops it: the PR stays open and says why", async () => {
    const fake = releaseRepository({ release: HOLD });
    expectNamedRepository(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const response = await postBuild(bender, build(`${IMAGE}:1.4.1`, fake));

    const reason = "held at 1.4.0 by alice (load test running)";
    const [pullRequest] = fake.pullRequests;
    expect(proposalsOf(response)).toEqual([expect.objectContaining({ action: "opened", detail: `not pinned automatically: ${reason}`, pinned: false })]);
    expect(pullRequest).toMatchObject({ state: "OPEN", baseRefName: "release" });
    expect(pullRequest?.body).toContain(`- Held: ${escapeMarkdown(reason)}`);
    expect(fake.file("clusters/prod/api.yaml", "release")).toBe(deployment(`${IMAGE}:1.4.0`));
    expect(mutationsOf(writeDocuments(fake)[1]!)).not.toContain("mergePullRequest");
    expect(bender.emitted).toEqual([expect.objectContaining({ type: "proposal.opened", autoPin: false, heldBecause: reason })]);
  });

  it("a hold on another branch does not hold the environment: it pins into its own branch (negative control)", async () => {
    const fake = releaseRepository({ main: HOLD });
    expectNamedRepository(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const response = await postBuild(bender, build(`${IMAGE}:1.4.1`, fake));

    expect(proposalsOf(response)).toEqual([expect.objectContaining({ action: "opened", pinned: true })]);
    expect(fake.pullRequests[0]).toMatchObject({ state: "MERGED", baseRefName: "release" });
    expect(fake.file("clusters/prod/api.yaml", "release")).toBe(deployment(`${IMAGE}:1.4.1`));
    expect(fake.file("clusters/prod/api.yaml", "main")).toBe(deployment(`${IMAGE}:1.4.0`));
  });

  it("a newer build for an open proposal is pinned too, once its branch has moved", async () => {
    const fake = productionRepository("1.3.0", AUTO_PIN);
    // Opened while production was held (so not merged then); the hold has since been lifted.
    const open = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.0` });
    expectNamedRepository(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const response = await postBuild(bender, build(`${IMAGE}:1.4.1`, fake));

    expect(proposalsOf(response)).toEqual([expect.objectContaining({ action: "superseded", detail: "pinned automatically", pinned: true })]);
    expect(open).toMatchObject({ state: "MERGED", title: "Pin ghcr.io/acme/api 1.4.1 to production", mergedWithExpectedHead: fake.head(PRODUCTION_BRANCH) });
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.1`));
    expect(bender.emitted.map((event) => event.type)).toEqual(["proposal.superseded", "proposal.pinned"]);
  });

  it("an unreadable holds file stops it too", async () => {
    const fake = productionRepository("1.4.0", AUTO_PIN);
    fake.push("main", { ".bender/holds.yml": "holds: [environment: production\n" });
    expectNamedRepository(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    await postBuild(bender, build(`${IMAGE}:1.4.1`, fake));

    const [pullRequest] = fake.pullRequests;
    expect(pullRequest?.state).toBe("OPEN");
    expect(pullRequest?.body).toContain(`- Held: ${escapeMarkdown("the holds file cannot be read, so automation does not move this environment")}`);
    expect(fake.file("clusters/prod/api.yaml")).toBe(deployment(`${IMAGE}:1.4.0`));
    expect(bender.emitted.map((event) => event.type)).toEqual(["proposal.opened"]);
  });
});

describe("a stale proposal branch", () => {
  it("without an open PR is replaced by a fresh branch from main", async () => {
    const fake = productionRepository("1.4.0");
    // Left by a failed run: a branch with an unrelated edit and no PR.
    fake.branches.set(PRODUCTION_BRANCH, fake.head());
    fake.push(PRODUCTION_BRANCH, { "clusters/prod/api.yaml": deployment(`${IMAGE}:0.9.0`), "clusters/prod/leftover.yaml": "kind: ConfigMap\n" });
    expectNamedRepository(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const response = await postBuild(bender, build(`${IMAGE}:1.4.1`, fake));

    expect(proposalsOf(response)).toEqual([expect.objectContaining({ action: "opened" })]);
    const head = fake.head(PRODUCTION_BRANCH);
    expect(fake.parentOf(head)).toBe(fake.head());
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.4.1`));
    expect(fake.file("clusters/prod/leftover.yaml", PRODUCTION_BRANCH)).toBeUndefined();
    expect(fake.openPullRequests().map((pullRequest) => pullRequest.headRefName)).toEqual([PRODUCTION_BRANCH]);
  });
});
