/**
 * Fixture builders for the GitHub App's integration tests: a manifest
 * repository in the fake, the GitHub requests around it (installations,
 * discovery), proposals as Bender would have opened them, and real webhook
 * payloads from @octokit/webhooks-examples re-pointed at that repository.
 */
import { sign } from "@octokit/webhooks-methods";
import nock from "nock";
import type { Build } from "../../src/builds/build.js";
import { parseConfig, pathMatcher } from "../../src/config/index.js";
import { proposalBranch } from "../../src/proposals/branch-name.js";
import { parseHolds } from "../../src/proposals/holds.js";
import { planProposal } from "../../src/proposals/plan-proposal.js";
import { examples, withValue } from "../builds/payloads.js";
import type { Payload } from "../builds/payloads.js";
import { WEBHOOK_SECRET } from "./bender-server.js";
import { API, FakeRepository } from "./fake-github.js";
import type { FakePullRequest, RecordedRequest } from "./fake-github.js";
import { parsed } from "./references.js";

/** The installation the hand-written package fixtures name. */
export const INSTALLATION = 52871234;
export const IMAGE = "ghcr.io/acme/api";
/** The digest of the registry_package fixture's 1.4.1. */
export const DIGEST = "sha256:5f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b";
export const WEB = "https://github.com";

/** One environment, `production`, owning `clusters/prod`. */
export const PRODUCTION_CONFIG = `environments:
  production:
    paths: [clusters/prod]
`;

/** A Deployment running `image`, its container line a known line (10). */
export function deployment(image: string, name = "api"): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  template:
    spec:
      containers:
        - name: ${name}
          image: ${image}
`;
}

/** The manifest repository `acme/manifests` with these files on `main`. */
export function manifestRepository(files: Record<string, string>): FakeRepository {
  return new FakeRepository("acme", "manifests", "main", files);
}

/** The usual repository: a config and production's api at `tag`, with staging beside it. */
export function productionRepository(tag = "1.4.0", config = PRODUCTION_CONFIG): FakeRepository {
  return manifestRepository({
    ".github/bender.yml": config,
    "clusters/prod/api.yaml": deployment(`${IMAGE}:${tag}`),
    "clusters/staging/api.yaml": deployment(`${IMAGE}:${tag}`),
  });
}

/** The proposal branch of production for ghcr.io/acme/api. */
export const PRODUCTION_BRANCH = "bender/production/ghcr.io-acme-api";

/** A build as an intake would make it. */
export function buildOf(reference: string, origin: Build["origin"] = "webhook"): Build {
  return { image: parsed(reference), origin };
}

/** What Bender would propose for `reference` in an environment of the fake's main: branch, files, title and body. */
export function proposalFor(
  fake: FakeRepository,
  options: { environment: string; reference: string; config?: string },
): { branch: string; files: Record<string, string>; title: string; body: string } {
  const parsedConfig = parseConfig(options.config ?? fake.file(".github/bender.yml") ?? "");
  if (!parsedConfig.ok) throw new Error("proposalFor needs a valid config");
  const environment = parsedConfig.config.environments[options.environment];
  if (!environment) throw new Error(`no environment ${options.environment}`);
  const owns = pathMatcher(environment.paths);
  const files = [...(fake.commits.get(fake.head())?.files ?? [])]
    .filter(([path]) => owns(path) && /\.ya?ml$/.test(path))
    .map(([path, text]) => ({ path, text }));
  const build = buildOf(options.reference);
  const plan = planProposal(
    build,
    { environment: options.environment, config: environment, baseBranch: fake.defaultBranch, files, unreadable: [], holds: parseHolds(undefined) },
    WEB,
  );
  if (plan.action !== "open" && plan.action !== "supersede") throw new Error(`nothing to propose for ${options.reference}: ${plan.action}`);
  return {
    branch: proposalBranch(options.environment, build.image),
    files: Object.fromEntries(plan.files.map((file) => [file.path, file.contents])),
    title: plan.title,
    body: plan.body,
  };
}

/**
 * Opens a PR in the fake as Bender would have: the planner's edit of the
 * environment's files on main, committed on the proposal branch, with the
 * planner's title and body (the real renderer and metadata encoder).
 * `body` may rewrite the body (to spoil its metadata).
 */
export function openExistingProposal(
  fake: FakeRepository,
  options: { environment: string; reference: string; config?: string; body?: (body: string) => string },
): FakePullRequest {
  const proposal = proposalFor(fake, options);
  const body = options.body ? options.body(proposal.body) : proposal.body;
  const pullRequest = fake.openPullRequest(proposal.branch, proposal.files, proposal.title, body);
  pullRequest.labels.push("bender", `bender/${options.environment}`);
  return pullRequest;
}

/**
 * Another writer supersedes an open proposal as Bender would: the branch
 * rebuilt from main with `reference`, the PR's title and body rewritten.
 */
export function supersedeAsAnotherWriter(fake: FakeRepository, pullRequest: FakePullRequest, options: { environment: string; reference: string }): void {
  const proposal = proposalFor(fake, options);
  fake.branches.set(proposal.branch, fake.head());
  fake.push(proposal.branch, proposal.files, proposal.title);
  pullRequest.title = proposal.title;
  pullRequest.body = proposal.body;
}

// ---- GitHub requests around the repository ----------------------------------

/** GET /installation/repositories and the discovery query that finds the fake's config. */
export function expectDiscovery(fake: FakeRepository, repositories = [fake.nameWithOwner, "acme/api"]): void {
  nock(API)
    .get("/installation/repositories")
    .query(true)
    .reply(200, { total_count: repositories.length, repositories: repositories.map((full_name) => ({ full_name })) });
  fake.expectGraphql("BenderDiscover");
}

/**
 * GET /repos/{owner}/{repo}/installation, which only the App's JWT may make:
 * the installation's ID, or 404 when Bender is not installed there.
 */
export function expectRepositoryInstallation(repository: string, installationId: number | "not-installed"): nock.Scope {
  const scope = nock(API, { reqheaders: { authorization: (value) => /^bearer ey/i.test(value) } }).get(`/repos/${repository}/installation`);
  if (installationId === "not-installed") return scope.reply(404, { message: "Not Found", status: "404" });
  return scope.reply(200, { id: installationId, account: { login: repository.split("/")[0] }, app_id: 1 });
}

/** GET /app/installations with the App's JWT. */
export function expectAppInstallations(installationIds: readonly number[]): nock.Scope {
  return nock(API, { reqheaders: { authorization: (value) => /^bearer ey/i.test(value) } })
    .get("/app/installations")
    .query(true)
    .reply(
      200,
      installationIds.map((id) => ({ id, account: { login: "acme" }, app_id: 1 })),
    );
}

/** The BenderWrite documents the fake answered, in order. */
export function writeDocuments(fake: FakeRepository): RecordedRequest[] {
  return fake.requests.filter((request) => request.operation === "BenderWrite");
}

/** The mutations a write document ran, by field name (`createPullRequest`, `updateRefs`…). */
export function mutationsOf(request: RecordedRequest): string[] {
  const query = (request.body as { query: string }).query;
  return [...query.matchAll(/\w+: (?<mutation>\w+)\(input:/g)].map((match) => match.groups?.mutation ?? "");
}

/** Requests to GitHub that nock could not match (a request no test expected), collected until `stop`. */
export function watchUnmatched(): { readonly requests: string[]; stop(): void } {
  const requests: string[] = [];
  const listener = (request: { method?: string; hostname?: string; path?: string }) => {
    // Bender's own server on 127.0.0.1 passes through nock too; only GitHub matters here.
    if (request.hostname === "127.0.0.1") return;
    requests.push(`${request.method ?? "?"} ${request.hostname ?? "?"}${request.path ?? ""}`);
  };
  nock.emitter.on("no match", listener);
  return { requests, stop: () => nock.emitter.removeListener("no match", listener) };
}

// ---- Real payloads, re-pointed at the fake --------------------------------------

/** Points a real example's repository at the fake (`acme/manifests`, default branch `main`). */
export function repointed(payload: Payload, fake: FakeRepository): Payload {
  let copy = withValue(payload, "repository.full_name", fake.nameWithOwner);
  copy = withValue(copy, "repository.name", fake.name);
  copy = withValue(copy, "repository.owner.login", fake.owner);
  return withValue(copy, "repository.default_branch", fake.defaultBranch);
}

/** The real `repository_dispatch` example with event type `bender.build` and this client payload. */
export function dispatchPayload(fake: FakeRepository, clientPayload: unknown, action = "bender.build"): Payload {
  const [example] = examples("repository_dispatch");
  if (!example) throw new Error("no repository_dispatch example");
  return withValue(withValue(repointed(example, fake), "action", action), "client_payload", clientPayload);
}

/** The installation the repository_dispatch example names. */
export const DISPATCH_INSTALLATION = 375706;
/** The installation the push and pull_request examples name. */
export const EXAMPLE_INSTALLATION = 1;

/**
 * The real `push` example to a branch (the one with a commit and an
 * installation), re-pointed at the fake: `after` is the pushed commit and its
 * one commit adds, modifies and removes the files given.
 */
export function pushPayload(
  fake: FakeRepository,
  options: { branch: string; after: string; added?: string[]; modified?: string[]; removed?: string[] },
): Payload {
  const example = examples("push").find((payload) => String(payload.ref).startsWith("refs/heads/") && payload.installation !== undefined);
  if (!example) throw new Error("no push example to a branch with an installation");
  let payload = withValue(repointed(example, fake), "ref", `refs/heads/${options.branch}`);
  payload = withValue(payload, "after", options.after);
  const [commit] = payload.commits as Record<string, unknown>[];
  if (!commit) throw new Error("the push example has no commit");
  const changed = { ...commit, id: options.after, added: options.added ?? [], modified: options.modified ?? [], removed: options.removed ?? [] };
  payload = withValue(payload, "commits", [changed]);
  return withValue(payload, "head_commit", changed);
}

/** The GitHub App's bot user, as webhooks name it. */
export const BENDER_BOT = { login: "bender[bot]", id: 41898282, node_id: "BOT_kgDOAn9RKg", type: "Bot" };
/** A person. */
export const ALICE = { login: "alice", id: 5001, node_id: "U_kgDOAAATiQ", type: "User" };

/**
 * A `pull_request` `closed` event for one of the fake's PRs, derived from the
 * real example (`pull_request` closed, whose `merged` is false in every
 * example): number, node ID, body, head and base from the fake; `merged`,
 * `merged_by`, the author and the sender as given. A merged event is the
 * example edited to `merged: true`, since webhooks-examples has none.
 */
export function closedPullRequestPayload(
  fake: FakeRepository,
  pullRequest: FakePullRequest,
  options: { merged: boolean; author?: Record<string, unknown>; mergedBy?: Record<string, unknown>; sender?: Record<string, unknown>; headRef?: string },
): Payload {
  const example = examples("pull_request").find((payload) => payload.action === "closed");
  if (!example) throw new Error("no closed pull_request example");
  const rest = fake.restPullRequest(pullRequest);
  const original = example.pull_request as Record<string, Record<string, unknown>>;
  const author = { ...original.user, ...(options.author ?? BENDER_BOT) };
  const sender = { ...(example.sender as Record<string, unknown>), ...(options.sender ?? options.mergedBy ?? ALICE) };
  const headRef = options.headRef ?? pullRequest.headRefName;
  let payload = repointed(example, fake);
  payload = withValue(payload, "number", pullRequest.number);
  payload = withValue(payload, "sender", sender);
  payload = withValue(payload, "pull_request", {
    ...original,
    id: rest.id,
    node_id: pullRequest.id,
    number: pullRequest.number,
    html_url: pullRequest.url,
    title: pullRequest.title,
    body: pullRequest.body,
    user: author,
    head: { ...original.head, ref: headRef, sha: fake.branches.get(pullRequest.headRefName) ?? fake.head() },
    base: { ...original.base, ref: pullRequest.baseRefName },
    merged: options.merged,
    merged_by: options.merged ? { ...original.user, ...(options.mergedBy ?? ALICE) } : null,
    merged_at: options.merged ? "2025-06-03T15:00:00Z" : null,
    state: "closed",
  });
  return payload;
}

/** Delivers a webhook under a delivery ID the test chooses (a redelivery repeats one), then waits for the queue. */
export async function deliverAs(
  bender: { url: string; queue?: { idle(): Promise<void> } },
  event: string,
  payload: unknown,
  deliveryId: string,
): Promise<{ status: number; text: string }> {
  const body = JSON.stringify(payload);
  const response = await fetch(`${bender.url}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": deliveryId,
      "x-hub-signature-256": await sign(WEBHOOK_SECRET, body),
    },
    body,
  });
  const text = await response.text();
  await bender.queue?.idle();
  return { status: response.status, text };
}
