/**
 * Bender's Octokit on its own, against nock: which statuses are retried, how
 * often, and how long it waits. Every interceptor is registered for exactly
 * the number of requests expected (an extra one would hit no mock and fail the
 * request; a missing one fails the test in the setup file), and each reply
 * counts itself.
 */
import nock from "nock";
import { pino } from "pino";
import { Probot } from "probot";
import { describe, expect, it } from "vitest";
import { GithubWaitInterrupted } from "../../src/github/github-pacer.js";
import { PRODUCTION_RETRY_POLICY, benderOctokit, pacerFor } from "../../src/github/octokit.js";
import type { RetryPolicy } from "../../src/github/octokit.js";
import { FAST_RETRY } from "../support/bender-server.js";
import { API } from "../support/fake-github.js";

const silent = pino({ level: "silent" });
const TOKEN = "ghs_unit_test_token";
const SECONDARY = { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", documentation_url: "https://docs.github.com/rest" };

function client(policy: RetryPolicy = FAST_RETRY) {
  return new (benderOctokit(policy))({ auth: { token: TOKEN }, log: silent });
}

/** Replies with each answer in turn, one interceptor per answer, recording when each request arrived. */
function answers(method: "get" | "post" | "put" | "delete", path: string, replies: readonly [number, unknown, Record<string, string>?][]) {
  const arrivals: number[] = [];
  const scope = nock(API);
  for (const [status, body, headers] of replies) {
    scope.intercept(path, method.toUpperCase()).reply(() => {
      arrivals.push(Date.now());
      return [status, body as nock.Body, headers ?? {}];
    });
  }
  return arrivals;
}

function repeat<T>(count: number, value: T): T[] {
  return Array.from({ length: count }, () => value);
}

async function failure(promise: Promise<unknown>): Promise<{ status?: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { status?: number; message: string };
  }
  throw new Error("expected the request to fail");
}

describe("the retry policy Bender runs with", () => {
  it("keeps production waits in seconds, and writes under GitHub's 80 a minute and 500 an hour", () => {
    expect(PRODUCTION_RETRY_POLICY).toEqual({
      serverErrorRetries: 2,
      backoffUnitMs: 1000,
      retryAfterUnitMs: 1000,
      writeSpacingMs: 1000,
      writesPerMinute: 70,
      writesPerHour: 450,
    });
  });
});

describe("server errors and network failures", () => {
  it("sends the token it was given", async () => {
    const scope = nock(API, { reqheaders: { authorization: `token ${TOKEN}` } }).get("/repos/acme/manifests").reply(200, { full_name: "acme/manifests" });
    await client().request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" });
    expect(scope.isDone()).toBe(true);
  });

  it.each([500, 502, 503, 504])("retries a %i on a REST read serverErrorRetries times, then fails with it", async (status) => {
    const arrivals = answers("get", "/repos/acme/manifests", repeat(FAST_RETRY.serverErrorRetries + 1, [status, { message: "Server Error" }]));
    const error = await failure(client().request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" }));
    expect(error.status).toBe(status);
    expect(arrivals).toHaveLength(3);
  });

  it("succeeds when a retry does", async () => {
    const arrivals = answers("get", "/repos/acme/manifests", [
      [502, { message: "Bad Gateway" }],
      [200, { full_name: "acme/manifests" }],
    ]);
    const { data } = await client().request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" });
    expect(data.full_name).toBe("acme/manifests");
    expect(arrivals).toHaveLength(2);
  });

  it("backs off 1, 4… units between attempts", async () => {
    const policy = { ...FAST_RETRY, backoffUnitMs: 40 };
    const arrivals = answers("get", "/repos/acme/manifests", repeat(3, [503, { message: "Service Unavailable" }]));
    await failure(client(policy).request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" }));
    const [first = 0, second = 0, third = 0] = arrivals;
    expect(second - first).toBeGreaterThanOrEqual(35);
    expect(third - second).toBeGreaterThanOrEqual(4 * 40 - 5);
  });

  it("retries no more than serverErrorRetries when it is 0", async () => {
    const arrivals = answers("get", "/repos/acme/manifests", [[502, { message: "Bad Gateway" }]]);
    const error = await failure(client({ ...FAST_RETRY, serverErrorRetries: 0 }).request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" }));
    expect(error.status).toBe(502);
    expect(arrivals).toHaveLength(1);
  });

  it("retries a 502 on a GraphQL document, bounded", async () => {
    const arrivals = answers("post", "/graphql", repeat(3, [502, { message: "Bad Gateway" }]));
    const error = await failure(client().graphql("query { viewer { login } }"));
    expect(error.status).toBe(502);
    expect(arrivals).toHaveLength(3);
  });

  it("retries a network failure and reports it as a 500 with the cause", async () => {
    let attempts = 0;
    nock(API)
      .get("/repos/acme/manifests")
      .times(3)
      .replyWithError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))
      .on("request", () => attempts++);
    const error = await failure(client().request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" }));
    expect(error.status).toBe(500);
    expect(attempts).toBe(3);
  });
});

describe("outcomes that are never retried", () => {
  it.each([
    ["PUT", "/repos/acme/manifests/pulls/7/merge", 405, "Pull Request is not mergeable"],
    // (Not a second merge: plugin-throttling spaces notification-triggering writes 3 s apart, process-wide.)
    ["PUT", "/repos/acme/manifests/contents/clusters%2Fprod%2Fapi.yaml", 409, "clusters/prod/api.yaml does not match 5f3c2b1"],
    ["DELETE", "/repos/acme/manifests/git/refs/heads/bender/production/api", 422, "Reference does not exist"],
    ["POST", "/repos/acme/manifests/check-runs", 422, "Validation Failed"],
    ["GET", "/repos/acme/manifests", 404, "Not Found"],
    ["GET", "/repos/acme/manifests", 401, "Bad credentials"],
    ["GET", "/repos/acme/manifests", 403, "Resource not accessible by integration"],
    ["POST", "/repos/acme/manifests/check-runs", 400, "Problems parsing JSON"],
  ] as const)("%s %s answered %i: exactly one request", async (method, path, status, message) => {
    const arrivals = answers(method.toLowerCase() as "get", path, [[status, { message }]]);
    const error = await failure(client().request(`${method} ${path}`, {}));
    expect(error.status).toBe(status);
    expect(error.message).toContain(message);
    expect(arrivals).toHaveLength(1);
  });

  it("a GraphQL document with per-field errors is an answer, not a failure to retry", async () => {
    const arrivals = answers("post", "/graphql", [
      [200, { data: { a: null, b: { clientMutationId: null } }, errors: [{ path: ["a"], type: "UNPROCESSABLE", message: "A pull request already exists for acme:x." }] }],
    ]);
    const error = await failure(client().graphql("mutation { a: x b: y }"));
    expect(error).toMatchObject({ name: "GraphqlResponseError", data: { a: null, b: { clientMutationId: null } } });
    expect(arrivals).toHaveLength(1);
  });
});

describe("429 Too Many Requests", () => {
  it("waits for Retry-After, scaled by retryAfterUnitMs, then retries", async () => {
    const arrivals = answers("get", "/repos/acme/manifests", [
      [429, { message: "Too Many Requests" }, { "retry-after": "3" }],
      [200, { full_name: "acme/manifests" }],
    ]);
    const { data } = await client({ ...FAST_RETRY, retryAfterUnitMs: 30 }).request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" });
    expect(data.full_name).toBe("acme/manifests");
    const [first = 0, second = 0] = arrivals;
    expect(second - first).toBeGreaterThanOrEqual(3 * 30 - 5);
  });

  it("never gives up on a limit: retries as often as GitHub answers 429", async () => {
    const arrivals = answers("get", "/repos/acme/manifests", [
      ...repeat(5, [429, { message: "Too Many Requests" }, { "retry-after": "1" }] as [number, unknown, Record<string, string>]),
      [200, { full_name: "acme/manifests" }],
    ]);
    const { data } = await client().request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" });
    expect(data.full_name).toBe("acme/manifests");
    expect(arrivals).toHaveLength(6);
  });

  it("waits out a Retry-After of an hour (3600 s at 0.1 ms a second), sending nothing before", async () => {
    const arrivals = answers("get", "/repos/acme/manifests", [
      [429, { message: "Too Many Requests" }, { "retry-after": "3600" }],
      [200, { full_name: "acme/manifests" }],
    ]);
    await client({ ...FAST_RETRY, retryAfterUnitMs: 0.1 }).request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" });
    const [first = 0, second = 0] = arrivals;
    expect(arrivals).toHaveLength(2);
    expect(second - first).toBeGreaterThanOrEqual(360 - 5);
  });

  it("waits until x-ratelimit-reset when no requests remain", async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 3);
    const arrivals = answers("get", "/repos/acme/manifests", [
      [429, { message: "API rate limit exceeded" }, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset }],
      [200, { full_name: "acme/manifests" }],
    ]);
    await client({ ...FAST_RETRY, retryAfterUnitMs: 100 }).request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" });
    const [first = 0, second = 0] = arrivals;
    // 2 to 3 seconds remain until the reset, at 100 ms a second.
    expect(second - first).toBeGreaterThanOrEqual(195);
  });

  it("waits a minute for a 429 without Retry-After, as GitHub advises", async () => {
    const arrivals = answers("get", "/repos/acme/manifests", [
      [429, { message: "Too Many Requests" }],
      [200, { full_name: "acme/manifests" }],
    ]);
    await client({ ...FAST_RETRY, retryAfterUnitMs: 2 }).request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" });
    const [first = 0, second = 0] = arrivals;
    expect(second - first).toBeGreaterThanOrEqual(60 * 2 - 5);
  });

  it("retries a 429 on a GraphQL write too", async () => {
    const arrivals = answers("post", "/graphql", [
      [429, { message: "Too Many Requests" }, { "retry-after": "1" }],
      [200, { data: { viewer: { login: "bender[bot]" } } }],
    ]);
    const data = await client().graphql<{ viewer: { login: string } }>("query { viewer { login } }");
    expect(data.viewer.login).toBe("bender[bot]");
    expect(arrivals).toHaveLength(2);
  });
});

describe("secondary rate limits", () => {
  it("waits Retry-After and retries a 403 secondary limit", async () => {
    const arrivals = answers("get", "/repos/acme/manifests", [
      [403, SECONDARY, { "retry-after": "2" }],
      [200, { full_name: "acme/manifests" }],
    ]);
    const { data } = await client({ ...FAST_RETRY, retryAfterUnitMs: 30 }).request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" });
    expect(data.full_name).toBe("acme/manifests");
    const [first = 0, second = 0] = arrivals;
    expect(second - first).toBeGreaterThanOrEqual(2 * 30 - 5);
  });

  it("waits out a secondary limit of an hour on a mutation, and sends nothing else for the installation meanwhile", async () => {
    const octokit = client({ ...FAST_RETRY, retryAfterUnitMs: 0.1 });
    const mutation = 'mutation { addComment(input: {subjectId: "PR_1", body: "x"}) { clientMutationId } }';
    const writes = answers("post", "/graphql", [
      [403, SECONDARY, { "retry-after": "3600" }],
      [200, { data: { addComment: { clientMutationId: null } } }],
    ]);
    const reads = answers("get", "/repos/acme/manifests", [[200, { full_name: "acme/manifests" }]]);
    const write = octokit.graphql(mutation);
    // A read asked for during the window waits for its end too.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const read = octokit.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" });
    await Promise.all([write, read]);
    const [limitedAt = 0, retriedAt = 0] = writes;
    expect(retriedAt - limitedAt).toBeGreaterThanOrEqual(360 - 5);
    expect((reads[0] ?? 0) - limitedAt).toBeGreaterThanOrEqual(360 - 5);
  });

  it("stops waiting at shutdown with GithubWaitInterrupted, sending nothing more", async () => {
    const pacer = pacerFor(FAST_RETRY);
    const octokit = new (benderOctokit({ ...FAST_RETRY, retryAfterUnitMs: 1000 }, undefined, pacer))({ auth: { token: TOKEN }, log: silent });
    const arrivals = answers("get", "/repos/acme/manifests", [[403, SECONDARY, { "retry-after": "3600" }]]);
    const pending = failure(octokit.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    pacer.stop();
    const error = await pending;
    expect(error).toBeInstanceOf(GithubWaitInterrupted);
    expect(arrivals).toHaveLength(1);
  });

  it("is still retried when Probot passes its own throttle options (whose secondary handler only logs)", async () => {
    // What Probot's getProbotOctokitWithDefaults hands the class: a `throttle` object of its own.
    const Octokit = benderOctokit(FAST_RETRY);
    const octokit = new Octokit({
      auth: { token: TOKEN },
      log: silent,
      throttle: { onSecondaryRateLimit: () => undefined, onRateLimit: () => false },
    });
    const arrivals = answers("get", "/repos/acme/manifests", [
      [403, SECONDARY, { "retry-after": "1" }],
      [200, { full_name: "acme/manifests" }],
    ]);
    await octokit.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" });
    expect(arrivals).toHaveLength(2);
  });

  it("is retried by the Octokit a real Probot builds from the class", async () => {
    const probot = new Probot({ githubToken: "ghs_token", Octokit: benderOctokit(FAST_RETRY), log: silent });
    const octokit = await probot.auth();
    const arrivals = answers("post", "/graphql", [
      [403, SECONDARY, { "retry-after": "1" }],
      [200, { data: { viewer: { login: "bender[bot]" } } }],
    ]);
    const data = await octokit.graphql<{ viewer: { login: string } }>("query { viewer { login } }");
    expect(data.viewer.login).toBe("bender[bot]");
    expect(arrivals).toHaveLength(2);
  });

  it("a plain 403 (a permission) is not a rate limit", async () => {
    const arrivals = answers("get", "/repos/acme/manifests", [[403, { message: "Resource not accessible by integration" }, { "retry-after": "1" }]]);
    const error = await failure(client().request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" }));
    expect(error.status).toBe(403);
    expect(arrivals).toHaveLength(1);
  });
});

describe("write pacing", () => {
  it("keeps content-creating requests of one installation within writesPerMinute, and reads go on", async () => {
    // A minute is 400 ms here; 3 writes a minute.
    const octokit = client({ ...FAST_RETRY, retryAfterUnitMs: 400 / 60, writesPerMinute: 3 });
    const mutation = 'mutation { addComment(input: {subjectId: "PR_1", body: "x"}) { clientMutationId } }';
    const writes = answers("post", "/graphql", repeat(4, [200, { data: { addComment: { clientMutationId: null } } }]));
    const reads = answers("get", "/repos/acme/manifests", [[200, { full_name: "acme/manifests" }]]);
    const started = Date.now();
    const allWrites = Promise.all(repeat(4, mutation).map((document) => octokit.graphql(document)));
    await octokit.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" });
    expect((reads[0] ?? 0) - started).toBeLessThan(300);
    await allWrites;
    const [first = 0, , third = 0, fourth = 0] = writes;
    expect(third - first).toBeLessThan(300);
    // The fourth write's slot is a window after the first's, which was reserved after `started` (arrivals jitter).
    expect(fourth - started).toBeGreaterThanOrEqual(400 - 5);
  });

  it("spaces GraphQL mutation documents by writeSpacingMs", async () => {
    const octokit = client({ ...FAST_RETRY, writeSpacingMs: 200 });
    const arrivals = answers("post", "/graphql", repeat(2, [200, { data: { addComment: { clientMutationId: null } } }]));
    const mutation = 'mutation { addComment(input: {subjectId: "PR_1", body: "x"}) { clientMutationId } }';
    await Promise.all([octokit.graphql(mutation), octokit.graphql(mutation)]);
    const [first = 0, second = 0] = arrivals;
    // Bottleneck spaces the starts; arrival times carry a few milliseconds of jitter either way.
    expect(second - first).toBeGreaterThanOrEqual(150);
  });

  it("does not space GraphQL queries, which create nothing", async () => {
    const octokit = client({ ...FAST_RETRY, writeSpacingMs: 2000 });
    const arrivals = answers("post", "/graphql", repeat(2, [200, { data: { viewer: { login: "bender[bot]" } } }]));
    await Promise.all([octokit.graphql("query { viewer { login } }"), octokit.graphql("query { viewer { login } }")]);
    const [first = 0, second = 0] = arrivals;
    expect(second - first).toBeLessThan(1000);
  });

  it("does not space reads", async () => {
    const octokit = client({ ...FAST_RETRY, writeSpacingMs: 2000 });
    const arrivals = answers("get", "/repos/acme/manifests", repeat(2, [200, { full_name: "acme/manifests" }]));
    await Promise.all([
      octokit.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" }),
      octokit.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "manifests" }),
    ]);
    const [first = 0, second = 0] = arrivals;
    expect(second - first).toBeLessThan(1000);
  });
});
