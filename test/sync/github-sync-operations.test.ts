import nock from "nock";
import { describe, expect, it } from "vitest";
import { GitHubError } from "../../src/github/github-error.js";
import { downloadTarball } from "../../src/github/download-tarball.js";
import { createDeployment, findDeployment, setDeploymentStatus } from "../../src/github/report-deployment.js";
import { resolveCommit } from "../../src/github/resolve-commit.js";
import { connectToGitHub } from "../../src/github/sync-client.js";
import { DEFAULT_BUDGETS } from "../../src/sync/budgets.js";
import { SyncError } from "../../src/sync/sync-error.js";
import { FAST_RETRY } from "../support/bender-server.js";
import { githubTarball } from "../support/tarballs.js";
import type { TarEntry } from "../support/tarballs.js";

const API = "https://api.github.com";
const SHA = "a".repeat(40);
const AUTH = { kind: "token", token: "github_pat_0123456789abcdefghij" } as const;

async function client() {
  return (await connectToGitHub(AUTH, { apiUrl: API, repository: "acme/manifests", policy: FAST_RETRY })).github;
}

function serveTarball(archive: Buffer): void {
  // GitHub answers with a redirect to codeload, which serves the archive.
  nock(API).get(`/repos/acme/manifests/tarball/${SHA}`).reply(302, "", { location: `https://codeload.github.com/acme/manifests/legacy.tar.gz/${SHA}` });
  nock("https://codeload.github.com").get(`/acme/manifests/legacy.tar.gz/${SHA}`).reply(200, archive, { "content-type": "application/x-gzip" });
}

async function extract(entries: (TarEntry & { raw?: boolean })[], paths = ["clusters/prod"], budgets = DEFAULT_BUDGETS) {
  serveTarball(await githubTarball(SHA, entries));
  return downloadTarball(await client(), { repository: "acme/manifests", sha: SHA, paths }, budgets);
}

async function refusal(promise: Promise<unknown>): Promise<SyncError> {
  const error = await promise.then(() => undefined, (failure: unknown) => failure);
  expect(error).toBeInstanceOf(SyncError);
  return error as SyncError;
}

describe("resolving the ref", () => {
  it("asks for the bare sha, remembers the ETag, and a 304 says unchanged", async () => {
    nock(API, { reqheaders: { accept: "application/vnd.github.sha", authorization: `token ${AUTH.token}` }, badheaders: ["if-none-match"] })
      .get("/repos/acme/manifests/commits/main")
      .reply(200, SHA, { "content-type": "application/vnd.github.sha", etag: '"e1"' });
    nock(API, { reqheaders: { "if-none-match": '"e1"' } }).get("/repos/acme/manifests/commits/main").reply(304, "");
    const github = await client();
    expect(await resolveCommit(github, { repository: "acme/manifests", ref: "main" })).toEqual({ status: "changed", sha: SHA, etag: '"e1"' });
    expect(await resolveCommit(github, { repository: "acme/manifests", ref: "main", etag: '"e1"' })).toEqual({ status: "unchanged" });
  });

  it("translates GitHub's errors into stable codes with the cause kept", async () => {
    nock(API).get("/repos/acme/manifests/commits/nope").reply(404, { message: "No commit found for SHA: nope" });
    nock(API).get("/repos/acme/manifests/commits/main").reply(403, { message: "API rate limit exceeded" }, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600) });
    const github = await client();
    const notFound = await resolveCommit(github, { repository: "acme/manifests", ref: "nope" }).catch((error: unknown) => error);
    expect(notFound).toBeInstanceOf(GitHubError);
    expect(notFound).toMatchObject({ code: "not-found", message: "resolving acme/manifests@nope: not-found (GitHub answered 404)" });
    expect((notFound as Error).cause).toMatchObject({ status: 404 });
    await expect(resolveCommit(github, { repository: "acme/manifests", ref: "main" })).rejects.toMatchObject({ code: "rate-limited" });
  });

  it("waits out a short rate limit (a minute or less); a longer one fails the run, which the next run retries", async () => {
    nock(API).get("/repos/acme/manifests/commits/main").reply(429, { message: "You have exceeded a secondary rate limit" }, { "retry-after": "60" });
    nock(API).get("/repos/acme/manifests/commits/main").reply(200, SHA, { "content-type": "application/vnd.github.sha", etag: '"e1"' });
    nock(API).get("/repos/acme/manifests/commits/main").reply(429, { message: "You have exceeded a secondary rate limit" }, { "retry-after": "61" });
    const github = await client();
    expect(await resolveCommit(github, { repository: "acme/manifests", ref: "main" })).toMatchObject({ status: "changed", sha: SHA });
    await expect(resolveCommit(github, { repository: "acme/manifests", ref: "main" })).rejects.toMatchObject({ code: "rate-limited" });
  });
});

describe("the GitHub App's installation", () => {
  it("is looked up once, then the installation token is used", async () => {
    const { PRIVATE_KEY } = await import("../support/bender-server.js");
    nock(API).get("/repos/acme/manifests/installation").reply(200, { id: 7 });
    nock(API).post("/app/installations/7/access_tokens").reply(201, { token: "ghs_installation", expires_at: "2099-01-01T00:00:00Z" });
    nock(API, { reqheaders: { authorization: "token ghs_installation" } }).get("/repos/acme/manifests/commits/main").reply(200, SHA);
    const { github, installationId } = await connectToGitHub({ kind: "app", appId: 1, privateKey: PRIVATE_KEY }, { apiUrl: API, repository: "acme/manifests", policy: FAST_RETRY });
    expect(installationId).toBe(7);
    expect(await resolveCommit(github, { repository: "acme/manifests", ref: "main" })).toMatchObject({ sha: SHA });
  });

  it("says to install the App when it is not installed on the repository", async () => {
    const { PRIVATE_KEY } = await import("../support/bender-server.js");
    nock(API).get("/repos/acme/manifests/installation").reply(404, { message: "Not Found" });
    await expect(connectToGitHub({ kind: "app", appId: 1, privateKey: PRIVATE_KEY }, { apiUrl: API, repository: "acme/manifests", policy: FAST_RETRY }))
      .rejects.toMatchObject({ code: "not-found", message: expect.stringContaining("install the App on acme/manifests") });
  });
});

describe("the tarball", () => {
  it("keeps only the configured paths, follows links inside them, strips GitHub's top folder", async () => {
    const files = await extract([
      { name: "clusters/prod/", type: "directory" },
      { name: "clusters/prod/api.yaml", content: "kind: A\n" },
      { name: "clusters/prod/shared.yaml", type: "symlink", linkname: "api.yaml" },
      { name: "clusters/staging/api.yaml", content: "kind: B\n" },
      { name: "README.md", content: "# manifests\n" },
    ]);
    expect([...files.keys()]).toEqual(["clusters/prod/api.yaml", "clusters/prod/shared.yaml"]);
    expect(Buffer.from(files.get("clusters/prod/shared.yaml") ?? []).toString()).toBe("kind: A\n");
  });

  it.each([
    ["an absolute path", { name: "/etc/passwd", content: "x", raw: true }, '"/etc/passwd" is an absolute path'],
    ["a climb with ..", { name: "clusters/prod/../../../evil.yaml", content: "x" }, "climbs out of the tree with .."],
    ["a link leaving the repository", { name: "clusters/prod/key.yaml", type: "symlink" as const, linkname: "../../../../etc/shadow" }, 'is a link to "../../../../etc/shadow", outside the repository'],
    ["a link leaving the configured paths", { name: "clusters/prod/other.yaml", type: "symlink" as const, linkname: "../staging/api.yaml" }, 'links to "clusters/staging/api.yaml", outside the configured paths'],
    ["a device file", { name: "clusters/prod/tty", type: "character-device" as const, devmajor: 5, devminor: 0 }, "is a character-device"],
    ["a fifo", { name: "clusters/prod/pipe", type: "fifo" as const }, "is a fifo"],
  ])("refuses %s, naming the entry", async (_what, entry, message) => {
    const error = await refusal(extract([{ name: "clusters/prod/api.yaml", content: "kind: A\n" }, entry]));
    expect(error.code).toBe("unsafe-entry");
    expect(error.message).toContain(message);
  });

  it("refuses archives over budget: downloaded bytes, extracted bytes, one file, entries", async () => {
    const big = "x".repeat(4096);
    const entries = [{ name: "clusters/prod/a.yaml", content: big }, { name: "clusters/prod/b.yaml", content: big }];
    expect((await refusal(extract(entries, ["clusters/prod"], { ...DEFAULT_BUDGETS, archiveBytes: 100 }))).message).toContain("larger than 100 bytes");
    expect((await refusal(extract(entries, ["clusters/prod"], { ...DEFAULT_BUDGETS, extractedBytes: 6000 }))).message).toContain("more than 6000 bytes");
    expect((await refusal(extract(entries, ["clusters/prod"], { ...DEFAULT_BUDGETS, fileBytes: 1000 }))).message).toContain("clusters/prod/a.yaml: 4096 bytes");
    expect((await refusal(extract(entries, ["clusters/prod"], { ...DEFAULT_BUDGETS, entries: 2 }))).code).toBe("over-budget");
  });

  it("names a configured path the commit does not have, and a corrupt archive", async () => {
    expect((await refusal(extract([{ name: "clusters/prod/a.yaml", content: "a" }], ["clusters/qa"]))).message).toBe("--path clusters/qa: no such folder in the repository at this commit");
    serveTarball(Buffer.from("not a gzip stream"));
    expect((await refusal(downloadTarball(await client(), { repository: "acme/manifests", sha: SHA, paths: [""] }, DEFAULT_BUDGETS))).code).toBe("invalid-archive");
  });
});

describe("deployments", () => {
  it("creates one per commit and cluster, then its statuses, descriptions cut to 140 characters", async () => {
    nock(API)
      .post("/repos/acme/manifests/deployments", (body) =>
        body.ref === SHA && body.environment === "production/prod-eu-1" && body.auto_merge === false && Array.isArray(body.required_contexts) && body.required_contexts.length === 0)
      .reply(201, { id: 99 });
    nock(API).post("/repos/acme/manifests/deployments/99/statuses", { state: "in_progress", description: "applying", environment: "production/prod-eu-1", auto_inactive: true }).reply(201, { id: 1 });
    nock(API)
      .post("/repos/acme/manifests/deployments/99/statuses", (body) => body.state === "failure" && body.description.length === 140 && body.description.endsWith("…"))
      .reply(201, { id: 2 });
    const github = await client();
    const target = { repository: "acme/manifests", environment: "production", cluster: "prod-eu-1" };
    const id = await createDeployment(github, { ...target, sha: SHA, description: "bender sync" });
    expect(id).toBe(99);
    await setDeploymentStatus(github, { ...target, deploymentId: id, state: "in_progress", description: "applying" });
    await setDeploymentStatus(github, { ...target, deploymentId: id, state: "failure", description: `Deployment shop/api: ${"x".repeat(300)}` });
  });

  it("finds the latest deployment of a commit with its latest status", async () => {
    nock(API).get("/repos/acme/manifests/deployments").query({ sha: SHA, environment: "production/prod-eu-1", per_page: "1" }).reply(200, [{ id: 99 }]);
    nock(API).get("/repos/acme/manifests/deployments/99/statuses").query({ per_page: "1" }).reply(200, [{ state: "failure", description: "boom" }]);
    expect(await findDeployment(await client(), { repository: "acme/manifests", sha: SHA, environment: "production", cluster: "prod-eu-1", withStatus: true }))
      .toEqual({ id: 99, state: "failure", description: "boom" });
  });

  it("reads no status when only the deployment is wanted (the in-progress report)", async () => {
    nock(API).get("/repos/acme/manifests/deployments").query({ sha: SHA, environment: "production/prod-eu-1", per_page: "1" }).reply(200, [{ id: 99 }]);
    expect(await findDeployment(await client(), { repository: "acme/manifests", sha: SHA, environment: "production", cluster: "prod-eu-1", withStatus: false }))
      .toEqual({ id: 99, state: undefined, description: undefined });
  });
});
