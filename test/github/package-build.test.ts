import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { decodeMetadata } from "../../src/proposals/metadata.js";
import { fixture } from "../builds/payloads.js";
import { deliver, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { API, FakeRepository, expectInstallationToken } from "../support/fake-github.js";

const INSTALLATION = 52871234;
const CONFIG = `environments:
  production:
    paths: [clusters/prod]
`;
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.4.0 # pinned by Bender
`;
const DIGEST = "sha256:5f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b";

let bender: RunningBender | undefined;
afterEach(async () => {
  await bender?.close();
  bender = undefined;
});

function manifestRepository(): FakeRepository {
  return new FakeRepository("acme", "manifests", "main", {
    ".github/bender.yml": CONFIG,
    "clusters/prod/api.yaml": DEPLOYMENT,
    "clusters/staging/api.yaml": DEPLOYMENT,
  });
}

function expectDiscovery(repository: FakeRepository): void {
  nock(API)
    .get("/installation/repositories")
    .query(true)
    .reply(200, { total_count: 2, repositories: [{ full_name: "acme/manifests" }, { full_name: "acme/api" }] });
  repository.expectGraphql("BenderDiscover");
}

describe("a GHCR package published becomes a bump pull request", () => {
  it("opens one labelled PR whose commit changes only the tag, with metadata unpin can trust", async () => {
    const repository = manifestRepository();
    expectInstallationToken(INSTALLATION);
    expectDiscovery(repository);
    repository.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const response = await deliver(bender, "registry_package", fixture("registry_package.published.container"));

    expect(response.status).toBe(200);
    const [pullRequest, ...others] = repository.openPullRequests();
    expect(others).toEqual([]);
    expect(pullRequest).toMatchObject({
      title: "Pin ghcr.io/acme/api 1.4.1 to production",
      headRefName: "bender/production/ghcr.io-acme-api",
      baseRefName: "main",
      labels: ["bender", "bender/production"],
    });
    // The branch holds the engine's byte-exact edit; staging is not production's to change.
    expect(repository.file("clusters/prod/api.yaml", "bender/production/ghcr.io-acme-api")).toBe(
      DEPLOYMENT.replace("ghcr.io/acme/api:1.4.0", "ghcr.io/acme/api:1.4.1"),
    );
    expect(repository.file("clusters/staging/api.yaml", "bender/production/ghcr.io-acme-api")).toBe(DEPLOYMENT);
    expect(repository.file("clusters/prod/api.yaml")).toBe(DEPLOYMENT);

    const metadata = decodeMetadata(pullRequest?.body);
    expect(metadata).toMatchObject({
      ok: true,
      metadata: {
        environment: "production",
        repository: "ghcr.io/acme/api",
        tag: "1.4.1",
        digest: DIGEST,
        baseBranch: "main",
        changes: [{ file: "clusters/prod/api.yaml", line: 10, kind: "container", before: "ghcr.io/acme/api:1.4.0", after: "ghcr.io/acme/api:1.4.1" }],
      },
    });
    expect(pullRequest?.body).toContain("| `clusters/prod/api.yaml` | 10 | `ghcr.io/acme/api:1.4.0` | `ghcr.io/acme/api:1.4.1` |");
    expect(bender.emitted.map((event) => event.type)).toEqual(["proposal.opened"]);

    // What happened is counted for operators: the build, its outcome, and GitHub's request budget.
    const metrics = await (await fetch(`${bender.url}/metrics`)).text();
    expect(metrics).toContain('bender_builds_total{origin="package",result="accepted"} 1');
    expect(metrics).toContain('bender_proposals_total{action="opened"} 1');
    expect(metrics).toMatch(/bender_github_requests_total\{kind="write",status="2xx"\} 2\n/);
    expect(metrics).toMatch(/bender_github_requests_total\{kind="read",status="2xx"\} [34]\n/);
  });

  it("refuses a delivery with a bad signature before any handler runs", async () => {
    bender = await startBender();
    const response = await deliver(bender, "registry_package", fixture("registry_package.published.container"), { secret: "not-the-webhook-secret" });
    expect(response.status).toBe(400);
    expect(bender.emitted).toEqual([]);
  });

  it("ignores an untagged version without calling GitHub", async () => {
    bender = await startBender();
    const response = await deliver(bender, "registry_package", fixture("registry_package.published.untagged"));
    expect(response.status).toBe(200);
    expect(bender.emitted).toEqual([]);
  });
});
