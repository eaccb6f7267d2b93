import nock from "nock";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BUILD_SECRET, postBuild, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { API, FakeRepository, expectInstallationToken } from "../support/fake-github.js";
import {
  IMAGE,
  PRODUCTION_BRANCH,
  PRODUCTION_CONFIG,
  deployment,
  expectAppInstallations,
  expectRepositoryInstallation,
  productionRepository,
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

const BUILD = { image: `${IMAGE}:1.4.1`, repositories: ["acme/manifests"] };

describe("POST /api/builds", () => {
  it("answers 202 with the build's key before any GitHub work; the queue then opens the proposal", async () => {
    const fake = productionRepository();
    expectRepositoryInstallation("acme/manifests", 7);
    expectInstallationToken(7);
    fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const response = await postBuild(bender, BUILD);

    expect(response.status).toBe(202);
    expect(response.json).toEqual({ key: "ghcr.io/acme/api:1.4.1", build: "ghcr.io/acme/api:1.4.1" });
    expect(response.proposals).toEqual([
        {
          repository: "acme/manifests",
          environment: "production",
          image: "ghcr.io/acme/api",
          action: "opened",
          detail: "opened for review",
          pinned: false,
          pullRequest: { number: 1, url: "https://github.com/acme/manifests/pull/1" },
        },
    ]);
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.4.1`));
  });

  it("answers while GitHub is still slow to answer the first request of the work", async () => {
    const fake = productionRepository();
    nock(API).get("/repos/acme/manifests/installation").delay(3000).reply(200, { id: 7 });
    expectInstallationToken(7);
    fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const started = Date.now();
    const response = await postBuild(bender, BUILD, { settle: false });
    expect(response.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(fake.pullRequests).toEqual([]);
    await bender.queue.idle();
    expect(fake.openPullRequests()).toHaveLength(1);
  });

  describe("refuses before asking GitHub anything", () => {
    it("401 without a signature", async () => {
      bender = await startBender();
      unmatched = watchUnmatched();
      const response = await postBuild(bender, BUILD, { signature: null });
      expect(response.status).toBe(401);
      expect(response.json.error).toMatch(/^missing or wrong x-bender-signature-256/);
      expect(unmatched.requests).toEqual([]);
    });

    it("401 with a signature made with another secret", async () => {
      bender = await startBender();
      unmatched = watchUnmatched();
      const response = await postBuild(bender, BUILD, { secret: "not-the-build-secret-at-all" });
      expect(response.status).toBe(401);
      expect(unmatched.requests).toEqual([]);
      expect(bender.emitted).toEqual([]);
    });

    it("401 for a signature of another body (the GitHub webhook secret does not sign builds either)", async () => {
      bender = await startBender();
      const { sign } = await import("@octokit/webhooks-methods");
      const response = await postBuild(bender, BUILD, { signature: await sign(BUILD_SECRET, JSON.stringify({ ...BUILD, image: `${IMAGE}:9.9.9` })) });
      expect(response.status).toBe(401);
    });

    it("400 naming every problem of an invalid body", async () => {
      bender = await startBender();
      unmatched = watchUnmatched();
      const response = await postBuild(bender, {
        image: "ghcr.io/acme/API:1.4.1",
        source: { commit: "abc", url: "http://insecure.example/run/1" },
        repositories: ["not a repository"],
        colour: "blue",
      });
      expect(response.status).toBe(400);
      expect(response.json.error).toBe("invalid build");
      const problems = response.json.problems as string[];
      expect(problems).toHaveLength(5);
      for (const field of ["image", "source.commit", "source.url", "repositories[0]", "colour"]) {
        expect(problems.some((problem) => problem.includes(field))).toBe(true);
      }
      expect(unmatched.requests).toEqual([]);
    });

    it("400 for a body that is not JSON", async () => {
      bender = await startBender();
      const response = await postBuild(bender, undefined, { raw: "image=ghcr.io/acme/api:1.4.1" });
      expect(response.status).toBe(400);
      expect(response.json.error).toMatch(/^the body is not JSON: /);
    });

    it("413 for a body over 64 KiB", async () => {
      bender = await startBender();
      unmatched = watchUnmatched();
      const response = await postBuild(bender, { image: `${IMAGE}:1.4.1`, padding: "x".repeat(64 * 1024) });
      expect(response.status).toBe(413);
      expect(response.json.error).toBe("the body is larger than 65536 bytes");
      expect(unmatched.requests).toEqual([]);
    });

    it("accepts a body just under 64 KiB as far as its content (negative control for 413)", async () => {
      bender = await startBender();
      const body = { image: `${IMAGE}:1.4.1`, padding: "" };
      body.padding = "x".repeat(64 * 1024 - JSON.stringify(body).length);
      const response = await postBuild(bender, body);
      expect(response.status).toBe(400);
      expect(response.json.problems).toEqual([expect.stringContaining("padding")]);
    });

    it("404 when BENDER_BUILD_SECRET is not set", async () => {
      bender = await startBender({ buildSecret: undefined });
      unmatched = watchUnmatched();
      const response = await postBuild(bender, BUILD);
      expect(response.status).toBe(404);
      expect(response.json.error).toBe("the build webhook is off: set BENDER_BUILD_SECRET to turn it on");
      expect(unmatched.requests).toEqual([]);
    });
  });

  describe("which manifest repositories", () => {
    it("the body's repositories win over BENDER_MANIFEST_REPOS", async () => {
      const fake = productionRepository();
      expectRepositoryInstallation("acme/manifests", 7);
      expectInstallationToken(7);
      fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
      bender = await startBender({ manifestRepositories: ["acme/platform-manifests"] });
      unmatched = watchUnmatched();

      const response = await postBuild(bender, BUILD);

      expect((response.proposals as { repository: string }[]).map((proposal) => proposal.repository)).toEqual(["acme/manifests"]);
      expect(unmatched.requests).toEqual([]);
    });

    it("BENDER_MANIFEST_REPOS when the body names none, each looked up with the App's JWT", async () => {
      const fake = productionRepository();
      expectRepositoryInstallation("acme/manifests", 7);
      expectInstallationToken(7);
      fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
      bender = await startBender({ manifestRepositories: ["acme/manifests"] });

      const response = await postBuild(bender, { image: `${IMAGE}:1.4.1` });

      expect(response.proposals).toEqual([expect.objectContaining({ repository: "acme/manifests", action: "opened" })]);
      expect(fake.openPullRequests()).toHaveLength(1);
    });

    it("otherwise every installation's discovered manifest repositories", async () => {
      const fake = productionRepository();
      expectAppInstallations([7, 8]);
      // Installation 7 holds the manifest repository; installation 8 only repositories without a config.
      expectInstallationToken(7);
      nock(API, { reqheaders: { authorization: "token ghs_testtoken" } })
        .get("/installation/repositories")
        .query(true)
        .reply(200, { total_count: 2, repositories: [{ full_name: "acme/manifests" }, { full_name: "acme/api" }] });
      fake.expectGraphql("BenderDiscover");
      expectInstallationToken(8);
      nock(API).get("/installation/repositories").query(true).reply(200, { total_count: 1, repositories: [{ full_name: "globex/website" }] });
      fake.expectGraphql("BenderDiscover", "BenderReadState", "BenderWrite", "BenderWrite");
      bender = await startBender();

      const response = await postBuild(bender, { image: `${IMAGE}:1.4.1` });

      expect(response.status).toBe(202);
      expect(response.proposals).toEqual([expect.objectContaining({ repository: "acme/manifests", environment: "production", action: "opened" })]);
      // The config came with discovery: no separate config read.
      expect(fake.operations()).toEqual(["BenderDiscover", "BenderDiscover", "BenderReadState", "BenderWrite", "BenderWrite"]);
    });

    it("a named repository where Bender is not installed is reported on its own; the others are proposed", async () => {
      const fake = productionRepository();
      expectRepositoryInstallation("acme/manifests", 7);
      expectRepositoryInstallation("acme/elsewhere", "not-installed");
      expectInstallationToken(7);
      fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
      bender = await startBender();

      const response = await postBuild(bender, { image: `${IMAGE}:1.4.1`, repositories: ["acme/elsewhere", "acme/manifests"] });

      expect(response.status).toBe(202);
      expect(response.proposals).toEqual([
        { repository: "acme/elsewhere", environment: "", action: "failed", detail: "Bender is not installed on acme/elsewhere" },
        expect.objectContaining({ repository: "acme/manifests", action: "opened" }),
      ]);
    });

    it("remembers a repository's installation: a second build asks GitHub only for the proposal's state", async () => {
      const fake = productionRepository();
      expectRepositoryInstallation("acme/manifests", 7);
      expectInstallationToken(7);
      fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite", "BenderReadState");
      bender = await startBender();

      await postBuild(bender, BUILD);
      const again = await postBuild(bender, BUILD);

      expect(again.proposals).toEqual([expect.objectContaining({ action: "none", pullRequest: { number: 1, url: "https://github.com/acme/manifests/pull/1" } })]);
    });
  });

  describe("a repository Bender cannot handle", () => {
    it("is reported on its own with the reason, not as GitHub being unreachable; the others are proposed", async () => {
      // The App may not read acme/manifests' contents (403); acme/platform is fine. They are proposed to in order,
      // so each fake's expectations are met in turn.
      const broken = productionRepository();
      const platform = new FakeRepository("acme", "platform", "main", {
        ".github/bender.yml": PRODUCTION_CONFIG,
        "clusters/prod/api.yaml": deployment(`${IMAGE}:1.4.0`),
      });
      expectRepositoryInstallation("acme/manifests", 7);
      expectRepositoryInstallation("acme/platform", 7);
      expectInstallationToken(7);
      broken.expectGraphql("BenderConfig", { operation: "BenderReadState", reply: () => [403, { message: "Resource not accessible by integration" }] });
      platform.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
      bender = await startBender();

      const response = await postBuild(bender, { image: `${IMAGE}:1.4.1`, repositories: ["acme/manifests", "acme/platform"] });

      expect(response.status).toBe(202);
      expect(response.proposals).toEqual([
        { repository: "acme/manifests", environment: "", action: "failed", detail: expect.stringContaining("Resource not accessible by integration") },
        expect.objectContaining({ repository: "acme/platform", environment: "production", action: "opened" }),
      ]);
      expect(platform.openPullRequests()).toHaveLength(1);
      expect(broken.pullRequests).toEqual([]);
    });
  });

  describe("GitHub cannot be reached", () => {
    it("answers 202 at once when the network fails; the build is kept and proposed once GitHub answers", async () => {
      const fake = productionRepository();
      expectRepositoryInstallation("acme/manifests", 7);
      nock(API).post("/app/installations/7/access_tokens").times(3).replyWithError({ code: "ECONNRESET", message: "socket hang up" });
      expectInstallationToken(7);
      fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
      bender = await startBender();

      const response = await postBuild(bender, BUILD);

      expect(response.status).toBe(202);
      expect(response.json).toEqual({ key: `${IMAGE}:1.4.1`, build: `${IMAGE}:1.4.1` });
      expect(response.proposals).toEqual([expect.objectContaining({ environment: "production", action: "opened" })]);
      expect(fake.openPullRequests()).toHaveLength(1);
    });

    it("keeps the build through 502s after the retries, writing nothing until GitHub answers again", async () => {
      const fake = productionRepository();
      expectRepositoryInstallation("acme/manifests", 7);
      expectInstallationToken(7);
      const badGateway = () => [502, { message: "Server Error" }] as [number, unknown];
      fake.expectGraphql("BenderConfig", ...[1, 2, 3].map(() => ({ operation: "BenderReadState", reply: badGateway })));
      bender = await startBender({}, { queueRetryDelayMs: 60_000 });

      const response = await postBuild(bender, BUILD, { settle: false });
      expect(response.status).toBe(202);
      // The three failed reads, then the build waits for its retry with nothing written.
      await vi.waitFor(() => expect(fake.operations().filter((operation) => operation === "BenderReadState")).toHaveLength(3), { timeout: 5000 });
      expect(bender?.queue.length).toBe(1);
      expect(fake.pullRequests).toEqual([]);
      expect(fake.branches.size).toBe(1);
    });

    it("a 502 that clears on retry is no failure (negative control)", async () => {
      const fake = productionRepository();
      expectRepositoryInstallation("acme/manifests", 7);
      expectInstallationToken(7);
      fake.expectGraphql("BenderConfig", { operation: "BenderReadState", reply: () => [502, { message: "Server Error" }] }, "BenderReadState", "BenderWrite", "BenderWrite");
      bender = await startBender();

      const response = await postBuild(bender, BUILD);

      expect(response.status).toBe(202);
      expect(fake.openPullRequests()).toHaveLength(1);
    });
  });
});

describe("watchUnmatched (the helper the refusals above rely on)", () => {
  it("sees a request to GitHub that no test expected", async () => {
    unmatched = watchUnmatched();
    await fetch(`${API}/repos/acme/manifests`).catch(() => undefined);
    expect(unmatched.requests).toEqual(["GET api.github.com/repos/acme/manifests"]);
  });
});
