/**
 * GitHub misbehaving, through Bender's real server: rate limits, server
 * errors, network failures, outcomes that must not be retried, a document
 * whose mutations half succeed, and a webhook whose work outlives GitHub's
 * patience. Faults are injected for one request (an `{ operation, reply }`
 * entry); the fake answers the rest. Waits run on FAST_RETRY's millisecond
 * scale, or a slightly slower copy of it where the wait itself is measured.
 */
import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import type { RetryPolicy } from "../../src/github/octokit.js";
import { encodeMetadata } from "../../src/proposals/metadata.js";
import type { ProposalEvent } from "../../src/proposals/events.js";
import { examples, fixture, withValue } from "../builds/payloads.js";
import { FAST_RETRY, deliver, postBuild, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { API, FakeRepository, expectInstallationToken } from "../support/fake-github.js";
import { PRODUCTION_BRANCH, deployment } from "../support/manifests.js";

const INSTALLATION = 52871234;
const STAGING_BRANCH = "bender/staging/ghcr.io-acme-api";
const DEPLOYMENT = deployment("ghcr.io/acme/api:1.4.0");
const BUMPED = DEPLOYMENT.replace("ghcr.io/acme/api:1.4.0", "ghcr.io/acme/api:1.4.1");
const ONE_ENVIRONMENT = `environments:
  production:
    paths: [clusters/prod]
`;
const TWO_ENVIRONMENTS = `environments:
  production:
    paths: [clusters/prod]
  staging:
    paths: [clusters/staging]
`;
const BUILD = { image: "ghcr.io/acme/api:1.4.1", repositories: ["acme/manifests"] };
const SECONDARY_LIMIT = {
  message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
  documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
};

let bender: RunningBender | undefined;
afterEach(async () => {
  await bender?.close();
  bender = undefined;
});

function manifestRepository(config = ONE_ENVIRONMENT): FakeRepository {
  return new FakeRepository("acme", "manifests", "main", {
    ".github/bender.yml": config,
    "clusters/prod/api.yaml": DEPLOYMENT,
    "clusters/staging/api.yaml": DEPLOYMENT,
  });
}

/** The App finds its installation on the named repository and gets a token for it (POST /api/builds). */
function expectInstallation(): void {
  nock(API).get("/repos/acme/manifests/installation").reply(200, { id: INSTALLATION, account: { login: "acme" } });
  expectInstallationToken(INSTALLATION);
}

/** A package webhook's installation lists its repositories; discovery reads their configs in one query. */
function expectDiscovery(repository: FakeRepository): void {
  expectInstallationToken(INSTALLATION);
  nock(API)
    .get("/installation/repositories")
    .query(true)
    .reply(200, { total_count: 1, repositories: [{ full_name: "acme/manifests" }] });
  repository.expectGraphql("BenderDiscover");
}

function fault(operation: string, status: number, body: unknown, headers: Record<string, string> = {}) {
  return { operation, reply: (): [number, unknown, Record<string, string>] => [status, body, headers] };
}

function repeat<T>(count: number, value: T): T[] {
  return Array.from({ length: count }, () => value);
}

/** When each GitHub request of a scope arrived, by GraphQL operation. */
function arrivals(scope: nock.Scope): { operation: string; at: number }[] {
  const seen: { operation: string; at: number }[] = [];
  scope.on("request", (_request: unknown, _interceptor: unknown, body: string) => {
    const query = (JSON.parse(body) as { query?: string }).query ?? "";
    seen.push({ operation: /^(?:query|mutation) (?<name>\w+)/.exec(query)?.groups?.name ?? "?", at: Date.now() });
  });
  return seen;
}

function operations(repository: FakeRepository): (string | undefined)[] {
  return repository.requests.map((request) => request.operation);
}

async function eventually<T>(read: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function opened(events: readonly ProposalEvent[]): ProposalEvent | undefined {
  return events.find((event) => event.type === "proposal.opened");
}

describe("rate limits", () => {
  it("waits out a secondary rate limit on the read (403, retry-after: 2) and opens the PR", async () => {
    const repository = manifestRepository();
    expectDiscovery(repository);
    const scope = repository.expectGraphql(fault("BenderReadState", 403, SECONDARY_LIMIT, { "retry-after": "2" }), "BenderReadState", "BenderWrite", "BenderWrite");
    const seen = arrivals(scope);
    const policy: RetryPolicy = { ...FAST_RETRY, retryAfterUnitMs: 40 };
    bender = await startBender({}, { retry: policy });

    const response = await deliver(bender, "registry_package", fixture("registry_package.published.container"));

    expect(response.status).toBe(200);
    expect(operations(repository)).toEqual(["BenderDiscover", "BenderReadState", "BenderReadState", "BenderWrite", "BenderWrite"]);
    const [limited, retried] = seen.filter((request) => request.operation === "BenderReadState");
    // Two seconds of Retry-After at 40 ms a second.
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(2 * 40 - 5);
    expect(repository.openPullRequests().map((pullRequest) => pullRequest.headRefName)).toEqual([PRODUCTION_BRANCH]);
    expect(repository.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(BUMPED);
    expect(bender.emitted.map((event) => event.type)).toEqual(["proposal.opened"]);
  });

  it("never gives up on secondary limits: five in a row are waited out and the build is proposed", async () => {
    const repository = manifestRepository();
    expectInstallation();
    repository.expectGraphql("BenderConfig", ...repeat(5, fault("BenderReadState", 403, SECONDARY_LIMIT, { "retry-after": "1" })), "BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const response = await postBuild(bender, BUILD);

    expect(response.status).toBe(202);
    expect(response.proposals).toMatchObject([{ environment: "production", action: "opened" }]);
    expect(operations(repository).filter((operation) => operation === "BenderReadState")).toHaveLength(6);
    expect(repository.openPullRequests()).toHaveLength(1);
    expect(await bender.metrics.registry.getSingleMetricAsString("bender_github_limit_waits_total")).toContain("bender_github_limit_waits_total 5");
  });

  it("a write limited for an hour waits the hour (scaled), sends nothing at all meanwhile, and drops nothing", async () => {
    const repository = manifestRepository(TWO_ENVIRONMENTS);
    expectInstallation();
    const seen: { operation: string; at: number }[] = [];
    const scope = repository.expectGraphql("BenderConfig", "BenderReadState", fault("BenderWrite", 403, SECONDARY_LIMIT, { "retry-after": "3600" }));
    // Then the retried write, the rest of the first build, and the second build (arrived during the hour), as many as they take.
    const rest = repository.serveGraphql("BenderReadState", "BenderWrite");
    for (const recorded of [arrivals(scope), arrivals(rest)]) recorded.push = (...items) => seen.push(...items);
    // An hour at 0.2 ms a second: 720 ms.
    bender = await startBender({}, { retry: { ...FAST_RETRY, retryAfterUnitMs: 0.2 } });

    const first = await postBuild(bender, BUILD, { settle: false });
    await eventually(() => (seen.some((request) => request.operation === "BenderWrite") ? true : undefined));
    const second = await postBuild(bender, { ...BUILD, image: "ghcr.io/acme/api:1.4.2" }, { settle: false });
    expect([first.status, second.status]).toEqual([202, 202]);
    await bender.queue.idle();

    const limited = seen.findIndex((request) => request.operation === "BenderWrite");
    const [limitedWrite, next] = [seen[limited], seen[limited + 1]];
    expect(next?.operation).toBe("BenderWrite");
    expect((next?.at ?? 0) - (limitedWrite?.at ?? 0)).toBeGreaterThanOrEqual(720 - 5);
    // Both builds ended as proposals: the newest is what both environments' PRs pin.
    expect(repository.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(DEPLOYMENT.replace("1.4.0", "1.4.2"));
    expect(repository.openPullRequests()).toHaveLength(2);
  });

  it("waits for a 429's Retry-After on the config read, retries, and proposes", async () => {
    const repository = manifestRepository();
    expectInstallation();
    const scope = repository.expectGraphql(fault("BenderConfig", 429, { message: "Too Many Requests" }, { "retry-after": "3" }), "BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
    const seen = arrivals(scope);
    bender = await startBender({}, { retry: { ...FAST_RETRY, retryAfterUnitMs: 30 } });

    const response = await postBuild(bender, BUILD);

    expect(response.status).toBe(202);
    expect(response.proposals).toMatchObject([{ repository: "acme/manifests", environment: "production", action: "opened", pullRequest: { number: 1 } }]);
    const [limited, retried] = seen;
    expect(limited?.operation).toBe("BenderConfig");
    expect(retried?.operation).toBe("BenderConfig");
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(3 * 30 - 5);
  });

});

describe("server errors and network failures", () => {
  it.each([502, 503])("retries a %i on the read and proposes once GitHub answers", async (status) => {
    const repository = manifestRepository();
    expectInstallation();
    repository.expectGraphql("BenderConfig", fault("BenderReadState", status, { message: "Server Error" }), fault("BenderReadState", status, { message: "Server Error" }), "BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const response = await postBuild(bender, BUILD);

    expect(response.status).toBe(202);
    expect(response.proposals).toMatchObject([{ environment: "production", action: "opened" }]);
    expect(operations(repository).filter((operation) => operation === "BenderReadState")).toHaveLength(3);
    expect(repository.openPullRequests()).toHaveLength(1);
  });

  it.each([502, 503])("keeps the build through a %i that outlasts serverErrorRetries, writing nothing, and proposes it on the queue's next try", async (status) => {
    const repository = manifestRepository();
    expectInstallation();
    repository.expectGraphql("BenderConfig", ...repeat(FAST_RETRY.serverErrorRetries + 1, fault("BenderReadState", status, { message: "Server Error" })), "BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const response = await postBuild(bender, BUILD);

    expect(response.status).toBe(202);
    expect(response.proposals).toMatchObject([{ environment: "production", action: "opened" }]);
    expect(operations(repository)).toEqual(["BenderConfig", "BenderReadState", "BenderReadState", "BenderReadState", "BenderReadState", "BenderWrite", "BenderWrite"]);
  });

  it("keeps the build while GitHub cannot be reached at all", async () => {
    const repository = manifestRepository();
    expectInstallation();
    repository.expectGraphql("BenderConfig");
    let attempts = 0;
    nock(API)
      .post("/graphql", (body: { query?: string }) => /^query BenderReadState\(/.test(body.query ?? ""))
      .times(FAST_RETRY.serverErrorRetries + 1)
      .replyWithError(Object.assign(new Error("connect ECONNREFUSED 140.82.112.6:443"), { code: "ECONNREFUSED" }))
      .on("request", () => attempts++);
    bender = await startBender({}, { queueRetryDelayMs: 60_000 });

    const response = await postBuild(bender, BUILD, { settle: false });

    expect(response.status).toBe(202);
    await eventually(() => (attempts === FAST_RETRY.serverErrorRetries + 1 && bender?.queue.length === 1 ? true : undefined));
    expect(repository.openPullRequests()).toEqual([]);
    // A stop now names the build it could not write.
    expect(await bender.stopWork()).toEqual(["ghcr.io/acme/api:1.4.1"]);
  });

  it("does not retry a 404 on the installation lookup: the repository is reported, not deferred", async () => {
    nock(API).get("/repos/acme/manifests/installation").reply(404, { message: "Not Found" });
    bender = await startBender();

    const response = await postBuild(bender, BUILD);

    expect(response.status).toBe(202);
    expect(response.proposals).toEqual([{ repository: "acme/manifests", environment: "", action: "failed", detail: "Bender is not installed on acme/manifests" }]);
  });
});

describe("outcomes that are answers, not accidents: exactly one request", () => {
  function closedProposal(): Record<string, unknown> {
    const closed = examples("pull_request").find((example) => example.action === "closed");
    if (!closed) throw new Error("no closed pull_request example");
    const metadata = encodeMetadata({
      bender: 1,
      kind: "proposal",
      environment: "production",
      repository: "ghcr.io/acme/api",
      reference: "ghcr.io/acme/api:1.4.1",
      tag: "1.4.1",
      baseBranch: "main",
      changes: [],
    });
    let payload = withValue(closed, "pull_request.head.ref", PRODUCTION_BRANCH);
    payload = withValue(payload, "pull_request.body", `Pin ghcr.io/acme/api 1.4.1 to production\n\n${metadata}\n`);
    payload = withValue(payload, "pull_request.merged", false);
    payload = withValue(payload, "repository.name", "manifests");
    payload = withValue(payload, "repository.full_name", "acme/manifests");
    payload = withValue(payload, "repository.owner.login", "acme");
    return withValue(payload, "installation", { id: INSTALLATION, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNTI4NzEyMzQ=" });
  }

  // @octokit/webhooks answers a failed delivery with the failing request's status.
  it.each([
    [405, 405],
    [409, 409],
    [422, 200],
  ])("DELETE of a dismissed proposal's branch answered %i is sent once (webhook answered %i)", async (status, answer) => {
    expectInstallationToken(INSTALLATION);
    let deletes = 0;
    nock(API)
      .delete(`/repos/acme/manifests/git/refs/${encodeURIComponent(`heads/${PRODUCTION_BRANCH}`)}`)
      .reply(() => {
        deletes++;
        return [status, { message: status === 422 ? "Reference does not exist" : "Conflict" }];
      });
    bender = await startBender();

    const response = await deliver(bender, "pull_request", closedProposal());

    expect(deletes).toBe(1);
    expect(response.status).toBe(answer);
    expect(bender.emitted.map((event) => event.type)).toEqual(["proposal.dismissed"]);
  });

  it.each([405, 409, 422])("check-run creation answered %i is sent once", async (status) => {
    const repository = manifestRepository();
    expectInstallationToken(INSTALLATION);
    repository.expectGraphql("BenderConfigAt");
    let posts = 0;
    nock(API)
      .post("/repos/acme/manifests/check-runs")
      .reply(() => {
        posts++;
        return [status, { message: "Validation Failed", errors: [{ resource: "CheckRun", code: "invalid", field: "head_sha" }] }];
      });
    const push = examples("push")[0] ?? {};
    let payload = withValue(push, "ref", "refs/heads/main");
    payload = withValue(payload, "after", repository.head());
    payload = withValue(payload, "deleted", false);
    payload = withValue(payload, "repository.full_name", "acme/manifests");
    payload = withValue(payload, "repository.name", "manifests");
    payload = withValue(payload, "repository.default_branch", "main");
    payload = withValue(payload, "commits", [{ id: repository.head(), message: "Bender config", added: [], modified: [".github/bender.yml"], removed: [] }]);
    payload = withValue(payload, "installation", { id: INSTALLATION, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNTI4NzEyMzQ=" });
    bender = await startBender();

    const response = await deliver(bender, "push", payload);

    expect(posts).toBe(1);
    // The check could not be reported: the handler failed, and the delivery says so with GitHub's status.
    expect(response.status).toBe(status);
  });
});

describe("a document whose mutations half succeed", () => {
  it("keeps the alias that succeeded, removes the half-made branch of the one that failed, and plans that one again", async () => {
    const repository = manifestRepository(TWO_ENVIRONMENTS);
    expectInstallation();
    repository.expectGraphql("BenderConfig", "BenderReadState");
    // Just before GitHub runs the first write, a pull request for staging's head appears
    // (another writer): staging's createRef and commit succeed, its createPullRequest fails.
    let phantomNumber = 0;
    nock(API)
      .post("/graphql", (body: { query?: string }) => /^mutation BenderWrite\(/.test(body.query ?? ""))
      .reply((_uri, body) => {
        const { query, variables } = body as { query: string; variables: Record<string, Record<string, unknown>> };
        repository.record("POST", "/graphql", body);
        phantomNumber = repository.pullRequests.length + 100;
        repository.pullRequests.push({
          id: `PR_${phantomNumber}`,
          number: phantomNumber,
          url: `https://github.com/acme/manifests/pull/${phantomNumber}`,
          headRefName: STAGING_BRANCH,
          baseRefName: "main",
          title: "Pin ghcr.io/acme/api 1.4.1 to staging",
          body: "opened by another writer",
          state: "OPEN",
          labels: [],
          comments: [],
        });
        return [200, repository.answerMutation(query, variables)];
      });
    const rest = repository.expectGraphql("BenderWrite", "BenderReadState", "BenderWrite", "BenderWrite");
    const after = arrivals(rest);
    bender = await startBender();

    const response = await postBuild(bender, BUILD);

    expect(response.status).toBe(202);
    // Production's PR from the first document stands; staging's came after a fresh read.
    const open = repository.openPullRequests();
    const [production, staging] = open;
    expect(response.proposals).toMatchObject([
      { environment: "production", action: "opened", pullRequest: { number: production?.number, url: production?.url } },
      { environment: "staging", action: "opened", pullRequest: { number: staging?.number, url: staging?.url } },
    ]);
    expect(after.map((request) => request.operation)).toEqual(["BenderWrite", "BenderReadState", "BenderWrite", "BenderWrite"]);
    expect(open.map((pullRequest) => [pullRequest.headRefName, pullRequest.labels])).toEqual([
      [PRODUCTION_BRANCH, ["bender", "bender/production"]],
      [STAGING_BRANCH, ["bender", "bender/staging"]],
    ]);
    expect(open.filter((pullRequest) => pullRequest.headRefName === PRODUCTION_BRANCH)).toHaveLength(1);
    // The half-made staging branch was deleted (which closed the other writer's PR, as GitHub does).
    expect(repository.pullRequests.find((pullRequest) => pullRequest.number === phantomNumber)?.state).toBe("CLOSED");
    expect(repository.file("clusters/staging/api.yaml", STAGING_BRANCH)).toBe(BUMPED);
    expect(repository.file("clusters/prod/api.yaml", STAGING_BRANCH)).toBe(DEPLOYMENT);
    expect(bender.emitted.filter((event) => event.type === "proposal.opened").map((event) => event.environment)).toEqual(["production", "staging"]);
  });
});

describe("GitHub's 10 s webhook deadline", () => {
  const SLOW_MS = 600;

  it("answers before slow work is done, and the work still opens the PR", async () => {
    const repository = manifestRepository();
    expectDiscovery(repository);
    nock(API)
      .post("/graphql", (body: { query?: string }) => /^query BenderReadState\(/.test(body.query ?? ""))
      .delay(SLOW_MS)
      .reply((_uri, body) => {
        const { query, variables } = body as { query: string; variables: Record<string, string> };
        repository.record("POST", "/graphql", body);
        return [200, repository.answerQuery(query, variables)];
      });
    repository.expectGraphql("BenderWrite", "BenderWrite");
    bender = await startBender();

    const started = Date.now();
    const response = await deliver(bender, "registry_package", fixture("registry_package.published.container"), { settle: false });
    const answeredAfter = Date.now() - started;

    expect(response.status).toBe(200);
    expect(answeredAfter).toBeLessThan(SLOW_MS);
    expect(bender.emitted).toEqual([]);
    const event = await eventually(() => opened(bender?.emitted ?? []));
    expect(event).toMatchObject({ repository: "acme/manifests", environment: "production", pullRequest: { number: 1 } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(SLOW_MS);
    expect(repository.openPullRequests().map((pullRequest) => pullRequest.headRefName)).toEqual([PRODUCTION_BRANCH]);
  });

  it("answers 200 even when the work then fails: the failure is logged and counted, not GitHub's delivery", async () => {
    const repository = manifestRepository();
    expectDiscovery(repository);
    // The repository vanished between discovery and the read: the work fails at once.
    repository.expectGraphql(fault("BenderReadState", 200, { data: { repository: null } }));
    bender = await startBender();

    const response = await deliver(bender, "registry_package", fixture("registry_package.published.container"));

    expect(response.status).toBe(200);
    expect(await bender.metrics.registry.getSingleMetricAsString("bender_proposals_total")).toContain('bender_proposals_total{action="failed"} 1');
    expect(bender.emitted).toEqual([]);
  });
});

